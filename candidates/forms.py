from django import forms
from django.conf import global_settings

from candidates.emails import tidy_email, validate_email_address
from candidates.models import default_language
from candidates.validators import candidate_languages, validate_person_name, validate_time_zone


class EmailAddressField(forms.EmailField):
    """An email field that tidies the address (Unicode NFKC, spaces) and checks it with
    ``candidates.emails.validate_email_address``: the one email rule, in every form that takes
    a candidate's address (HR's add and edit forms, the candidate's reapply form)."""

    default_validators = [validate_email_address]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def to_python(self, value):
        return tidy_email(super().to_python(value))


LANGUAGE_HELP = (
    "Their emails, feedback page and letter are in this language when Candor ships it (English, "
    "German, French, Spanish); otherwise in the organisation's language."
)


def language_choices():
    """The languages offered: ``candidate_languages()`` (a short list, config/settings/parts/i18n.py)."""
    return candidate_languages()


class LanguageField(forms.ChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("choices", language_choices)
        # Left out (an older form, a script): the site's language.
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", default_language)
        kwargs.setdefault("help_text", LANGUAGE_HELP)
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": "“%(value)s” is not a language we offer. Choose one from the list."},
        )
        super().__init__(**kwargs)


class CandidateDetailsForm(forms.Form):
    """The details HR keeps for a candidate (shared by the add and edit forms)."""

    name = forms.CharField(max_length=200, validators=[validate_person_name])
    preferred_name = forms.CharField(
        max_length=200,
        required=False,
        validators=[validate_person_name],
        help_text="What they like to be called, if not their full name. Emails greet them by it.",
    )
    email = EmailAddressField()
    phone = forms.CharField(max_length=40, required=False)
    time_zone = forms.CharField(
        max_length=64,
        required=False,
        validators=[validate_time_zone],
        help_text="IANA name, e.g. Europe/Berlin. Reminders arrive in the candidate's morning.",
    )
    language = LanguageField()


class CandidateForm(CandidateDetailsForm):
    consent = forms.BooleanField(
        required=False,
        label="The candidate agreed that we keep their details and contact them about this role",
    )


class CandidateEditForm(CandidateDetailsForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A language recorded before the list was shortened is offered too, so that saving
        # other details does not change it (``candidate_update`` checks a language only when
        # it changes).
        recorded = self.initial.get("language")
        field = self.fields["language"]
        if recorded and recorded not in dict(field.choices):
            name = dict(global_settings.LANGUAGES).get(recorded, recorded)
            field.choices = [*field.choices, (recorded, f"{name} (recorded earlier)")]


class CandidateSearchForm(forms.Form):
    q = forms.CharField(label="Search by name or email", max_length=200, required=False)
