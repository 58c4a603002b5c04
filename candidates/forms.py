from django import forms

from candidates.validators import validate_time_zone


class CandidateForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(max_length=254)
    phone = forms.CharField(max_length=40, required=False)
    time_zone = forms.CharField(
        max_length=64,
        required=False,
        validators=[validate_time_zone],
        help_text="IANA name, e.g. Europe/Berlin. Reminders arrive in the candidate's morning.",
    )
    consent = forms.BooleanField(
        required=False,
        label="The candidate agreed that we keep their details and contact them about this role",
    )


class CandidateSearchForm(forms.Form):
    q = forms.CharField(label="Search by name or email", max_length=200, required=False)
