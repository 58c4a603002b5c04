"""Forms of the integrations pages: they shape input; the rules are in integrations.services."""

from django import forms
from django.contrib.auth import get_user_model

from core import roles
from hiring.forms import UserChoiceField
from hiring.models import Job, Stage
from hiring.predicates import INTERVIEWING_ROLES
from integrations.models import AtsMapping

User = get_user_model()


class ConnectionForm(forms.Form):
    enabled = forms.BooleanField(required=False, initial=True, label="Accept webhooks from this ATS")
    webhook_secret = forms.CharField(
        required=False,
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        label="Webhook secret",
        help_text="The secret key / signature token the ATS shows for the webhook. Leave empty to keep "
        "the stored one.",
    )
    api_key = forms.CharField(
        required=False,
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        label="API key",
        help_text="Used to fetch scorecards and write “feedback sent” back. "
        "Leave empty to keep the stored one.",
    )
    act_as = UserChoiceField(
        queryset=User.objects.none(),
        label="Record Candor's changes as",
        help_text="An HR user: candidates and applications the ATS sends are recorded in their name.",
    )
    notes_as_user_id = forms.CharField(
        required=False,
        max_length=100,
        label="ATS user id for notes",
        help_text="Greenhouse: the user id sent as On-Behalf-Of (required for notes). Lever: perform_as "
        "(optional). Ashby: not used.",
    )
    api_base_url = forms.URLField(
        required=False,
        max_length=200,
        label="API address",
        help_text="Leave empty for the vendor's usual address.",
        assume_scheme="https",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["act_as"].queryset = (
            User.objects.filter(is_active=True, groups__name=roles.HR)
            .distinct()
            .order_by("first_name", "last_name", "username")
        )


class MappingForm(forms.Form):
    kind = forms.ChoiceField(choices=AtsMapping.Kind.choices, label="What it is")
    external_id = forms.CharField(max_length=100, label="ATS id")
    external_name = forms.CharField(max_length=200, required=False, label="Name in the ATS (for you)")
    job = forms.ModelChoiceField(queryset=Job.objects.none(), required=False, label="Candor job")
    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), required=False, label="Candor stage")
    user = UserChoiceField(queryset=User.objects.none(), required=False, label="Candor user")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["job"].queryset = Job.objects.order_by("title", "id")
        self.fields["stage"].queryset = Stage.objects.select_related("job").order_by(
            "job__title", "job_id", "position"
        )
        self.fields["stage"].label_from_instance = lambda s: f"{s.job.title}: {s.name}"
        self.fields["user"].queryset = (
            User.objects.filter(is_active=True, groups__name__in=INTERVIEWING_ROLES)
            .distinct()
            .order_by("first_name", "last_name", "username")
        )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind and not data.get(kind) and kind not in self.errors:
            self.add_error(kind, f"Choose the Candor {kind} it stands for.")
        return data

    @property
    def target(self):
        return self.cleaned_data.get(self.cleaned_data.get("kind") or "")
