"""Who may open each URL of the events app (tests/support/authz.py)."""

CASES = {}
