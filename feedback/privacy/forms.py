"""Forms of the privacy pages. Validation only: the services act."""

from django import forms

from feedback.privacy.selectors import SEARCH_MIN_LENGTH


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that this cannot be undone.",
        required=True,
    )
    reason = forms.CharField(
        label="Reason (for the audit trail, no personal data)",
        required=False,
        max_length=500,
    )


class CandidateSearchForm(forms.Form):
    """The privacy page's search: a name or an email (or part of one). Like every CharField,
    it refuses NUL characters with a message next to the field (never a database error)."""

    q = forms.CharField(
        label="Name or email",
        min_length=SEARCH_MIN_LENGTH,
        max_length=254,
        error_messages={
            "required": "Type a name or an email.",
            "min_length": f"Type at least {SEARCH_MIN_LENGTH} characters.",
            "max_length": "Type at most 254 characters.",
        },
    )
