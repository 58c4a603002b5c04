"""Forms of the core app: they shape and check input; the rules live in core.closures."""

from django import forms


class ClosureDayForm(forms.Form):
    day = forms.DateField(
        label="Date",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date, e.g. 2026-12-24."},
    )
    label = forms.CharField(
        label="What it is",
        max_length=120,
        help_text="Shown to HR only, e.g. “Office closed between Christmas and New Year”.",
    )
