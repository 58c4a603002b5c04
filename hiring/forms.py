"""Forms only shape and check input; the rules live in hiring.services (writes) and hiring.predicates
(who may)."""

from django import forms
from django.contrib.auth import get_user_model

from core import roles
from hiring.models import (
    GUIDANCE_MAX_LENGTH,
    OVERRIDE_REASON_MAX_LENGTH,
    Decision,
    Job,
    Rating,
    Scorecard,
    Stage,
)

User = get_user_model()


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class JobForm(forms.ModelForm):
    hiring_manager = UserChoiceField(queryset=User.objects.none(), required=False)

    class Meta:
        model = Job
        fields = [
            "title",
            "team",
            "description",
            "status",
            "hiring_manager",
            "reapply_cooldown_days",
            "feedback_deadline_days",
        ]
        labels = {
            "reapply_cooldown_days": "Reapply cool-down (days)",
            "feedback_deadline_days": "Feedback deadline (business days)",
        }
        help_texts = {
            "reapply_cooldown_days": "Calendar days after a no-hire before the candidate may apply again "
            "(0 to 3,650). A change applies to letters not yet approved: a letter already approved "
            "keeps the reapply date it gives the candidate.",
            "feedback_deadline_days": "Business days from the decision to send the letter: weekends, "
            "public holidays and closure days do not count.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hiring_manager"].queryset = (
            User.objects.filter(is_active=True, groups__name=roles.HIRING_MANAGER)
            .distinct()
            .order_by("first_name", "last_name", "username")
        )


class StageForm(forms.Form):
    name = forms.CharField(max_length=120, label="Stage name")
    interviews_planned = forms.IntegerField(min_value=1, max_value=20, initial=1, label="Interviews")


class CriterionForm(forms.Form):
    name = forms.CharField(max_length=120, label="Criterion")
    guidance = forms.CharField(
        label="What good looks like",
        required=False,
        max_length=GUIDANCE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ApplicationOpenForm(forms.Form):
    job = forms.ModelChoiceField(queryset=Job.objects.filter(status=Job.Status.OPEN).order_by("title"))
    override_reason = forms.CharField(
        label="Reason to open it before the candidate's reapply cool-down ends",
        required=False,
        max_length=OVERRIDE_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only needed when the candidate was not hired for this job and their cool-down "
        "has not ended. It is recorded.",
    )


class InterviewAssignForm(forms.Form):
    stage = forms.ModelChoiceField(queryset=Stage.objects.none())
    interviewer = UserChoiceField(queryset=User.objects.none())
    scheduled_at = forms.DateTimeField(
        label="When",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Optional; at most a year back and two years ahead.",
    )
    override_reason = forms.CharField(
        label="Reason to assign someone who interviewed this candidate before",
        required=False,
        max_length=OVERRIDE_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only needed when the interviewer met this candidate in an earlier application. "
        "It is recorded.",
    )

    def __init__(self, *args, stages, interviewers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = stages
        self.fields["interviewer"].queryset = interviewers


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label="Rating",
        choices=Rating.Score.choices,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    evidence = forms.CharField(
        label="Evidence: what the candidate said or did",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    shareable_note = forms.CharField(
        label="Note that may be shared with the candidate (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, criterion, **kwargs):
        super().__init__(*args, **kwargs)
        self.criterion = criterion


class ScorecardForm(forms.Form):
    recommendation = forms.ChoiceField(
        label="Overall recommendation",
        choices=Scorecard.Recommendation.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    summary = forms.CharField(
        label="Summary (optional, for the hiring team)",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label="Decision", choices=Decision.Outcome.choices, widget=forms.RadioSelect)

    def __init__(self, *args, can_advance: bool, missing_names: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if not can_advance:
            self.fields["outcome"].choices = [
                c for c in Decision.Outcome.choices if c[0] != Decision.Outcome.ADVANCE
            ]
        # Panel completeness (issue #17): a hire or no-hire while colleagues of the stage have not
        # submitted their scorecards is recorded only when the decider ticks "decide anyway".
        self.missing_names = missing_names
        if missing_names:
            self.fields["decide_anyway"] = forms.BooleanField(
                label=f"Decide anyway, without the missing scorecards ({missing_names})",
                required=False,
                help_text="A hire or no-hire is final. Without this, wait for the panel.",
            )

    def clean(self):
        cleaned = super().clean()
        if (
            self.missing_names
            and cleaned.get("outcome") in Decision.FINAL
            and not cleaned.get("decide_anyway")
        ):
            self.add_error(
                "decide_anyway",
                f"Not submitted yet: {self.missing_names}. Tick “decide anyway” to record a final "
                "decision now, or go back to the application and wait.",
            )
        return cleaned


class CriterionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.stage.name})"


class PointForm(forms.Form):
    criterion = CriterionChoiceField(queryset=None, required=False, label="Criterion")
    observation = forms.CharField(
        label="What the candidate said or did",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    suggestion = forms.CharField(
        label="What would have been stronger",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = criteria

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not (data.get("observation", "").strip() or data.get("suggestion", "").strip())


PointFormSet = forms.formset_factory(PointForm, extra=0, max_num=30, absolute_max=30)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="With a header row; comma, semicolon or tab separated; at most 1 MB and 5,000 rows "
        "(see the file format above).",
    )


class InterviewRescheduleForm(forms.Form):
    """A new time for an interview, in the organisation's time zone (the page says which)."""

    scheduled_at = forms.DateTimeField(
        label="New time",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty for “not scheduled”. At most a year back and two years ahead.",
    )


class DecisionWithdrawForm(forms.Form):
    """HR's reason for withdrawing a decision recorded by mistake (kept in the audit trail)."""

    reason = forms.CharField(
        label="Why is this decision withdrawn?",
        max_length=OVERRIDE_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded in the audit trail. Do not write about the candidate as a person.",
    )
