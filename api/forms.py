"""The Admin's form to make an API token."""

from django import forms
from django.contrib.auth import get_user_model

from api.models import ApiToken
from core import roles
from hiring.models import Job

User = get_user_model()


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name() or obj.get_username()
        return f"{name} ({', '.join(sorted(roles.role_names(obj) & set(roles.HIRING_ROLES)))})"


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=120, help_text="What uses it, e.g. “Greenhouse sync”. Shown in the audit trail."
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text="Read only: GET requests. Read and write: also approve and cancel letters, add "
        "candidates, open applications, create jobs (as far as the acting user's role allows).",
    )
    acting_user = StaffChoiceField(
        queryset=User.objects.none(),
        label="Acts as",
        help_text="The token sees and does only what this person may in Candor.",
    )
    all_jobs = forms.BooleanField(required=False, initial=True, label="All jobs")
    jobs = forms.ModelMultipleChoiceField(
        queryset=Job.objects.none(),
        required=False,
        label="Only these jobs",
        help_text="Used when “All jobs” is not ticked.",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["acting_user"].queryset = (
            User.objects.filter(is_active=True, groups__name__in=roles.HIRING_ROLES)
            .distinct()
            .prefetch_related("groups")
            .order_by("first_name", "last_name", "username")
        )
        self.fields["jobs"].queryset = Job.objects.order_by("title", "id")

    def clean(self):
        data = super().clean()
        if not data.get("all_jobs") and not data.get("jobs"):
            self.add_error("jobs", "Choose the jobs this token may see, or tick “All jobs”.")
        return data
