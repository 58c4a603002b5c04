"""Who may open each URL of the api app (tests/support/authz.py)."""

CASES = {}
