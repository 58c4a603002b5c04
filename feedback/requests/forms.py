"""Forms of the request pages: the decider's answer, HR's review. Validation only: the services act."""

from django import forms

from feedback.requests.services import ANSWER_MAX_LENGTH


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Your answer",
        max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Specific and job-related: what you saw, and what would have been stronger. "
        "HR reviews it before it is emailed.",
    )


class ReviewForm(forms.Form):
    answer = forms.CharField(
        label="Answer (you may edit it)",
        max_length=ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    override_reason = forms.CharField(
        label="Reason to override the quality flags",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only needed when the check flags something you decide to keep. It is audited.",
    )


class CloseForm(forms.Form):
    reason = forms.CharField(
        label="Reason for closing it without an answer (audited)",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
