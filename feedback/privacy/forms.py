"""Forms of the privacy pages. Validation only: the services act."""

from django import forms


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
