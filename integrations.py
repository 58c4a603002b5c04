"""Settings of the integrations part (imported at the end of config/settings/base.py)."""
