"""Settings of the i18n part (imported at the end of config/settings/base.py)."""
