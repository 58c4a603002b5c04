"""Settings of the api part (imported at the end of config/settings/base.py)."""
