"""Who may open each URL of the accounts app (tests/support/authz.py)."""

CASES = {}
