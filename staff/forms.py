"""Forms of the People pages."""

from django import forms

from core import roles
from core.names import validate_person_name
from staff import selectors

ROLE_CHOICES = [(name, name) for name in roles.ALL]


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="Roles",
        choices=ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Interviewers, hiring managers and HR work on hiring; Admins manage people and the admin.",
    )


class PersonCreateForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150, validators=[validate_person_name])
    last_name = forms.CharField(
        label="Last name", max_length=150, required=False, validators=[validate_person_name]
    )
    email = forms.EmailField(label="Work email", max_length=254)
    roles = forms.MultipleChoiceField(
        label="Roles", choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )


class SearchForm(forms.Form):
    """The People search: sent by POST, so names and emails never reach a URL or an access log."""

    q = forms.CharField(label="Search by name, username or email", max_length=100, required=False)
    role = forms.ChoiceField(
        choices=[
            ("", "Any role"),
            *((k, v) for k, v in selectors.ROLE_KEYS.items()),
            (selectors.NO_ROLE, "No role"),
        ],
        required=False,
    )
    state = forms.ChoiceField(
        choices=[("", "Active and inactive"), ("active", "Active"), ("inactive", "Inactive")], required=False
    )


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=80, help_text="Which identity provider uses it, e.g. “Okta production”."
    )
