"""Who may open each URL of the staff app (tests/support/authz.py)."""

CASES = {}
