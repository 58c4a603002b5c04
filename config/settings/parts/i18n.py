"""Settings of the i18n part (imported at the end of config/settings/base.py).

The candidate's side (pages, emails, the .ics) is translated with Django's gettext catalogues
under ``locale/`` (docs/languages.md); the staff pages stay in English (``LANGUAGE_CODE``).
"""

from pathlib import Path

import environ

env = environ.Env()
_BASE_DIR = Path(__file__).resolve().parent.parent.parent.parent

# The languages Candor ships a catalogue for: the candidate's pages and emails can be in these,
# and the candidate's language switch offers them. Names in English, as HR reads them and the
# CSV import accepts them (the switch shows each in its own words, get_language_info).
LANGUAGES = [
    ("en-gb", "English"),
    ("de", "German"),
    ("fr", "French"),
    ("es", "Spanish"),
]
# Languages a candidate's language may be recorded as (HR's form, the CSV import, the API):
# the shipped ones, then some still to translate. A candidate recorded in one of those gets
# pages and emails in the organisation's language (CANDOR_DEFAULT_LANGUAGE) until it ships.
CANDOR_CANDIDATE_LANGUAGES = [
    *LANGUAGES,
    ("it", "Italian"),
    ("nl", "Dutch"),
    ("pt", "Portuguese"),
    ("pl", "Polish"),
]
# The organisation's language: a new candidate's language when none is given, and the
# language of letters whose candidate's language has no template or no catalogue.
# A code of LANGUAGES ("en" means "en-gb").
CANDOR_DEFAULT_LANGUAGE = env("CANDOR_DEFAULT_LANGUAGE", default="en")
LOCALE_PATHS = [_BASE_DIR / "locale"]
