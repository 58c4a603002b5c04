"""Settings of the staff part (imported at the end of config/settings/base.py)."""
