"""Settings of the events part (imported at the end of config/settings/base.py)."""
