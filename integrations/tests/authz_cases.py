"""Who may open each URL of the integrations app (tests/support/authz.py)."""

CASES = {}
