"""Settings of the accounts part (imported at the end of config/settings/base.py)."""
