"""Forms of the core app, and the one helper every app uses to show a service's refusal on a form."""

from django import forms
from django.core.exceptions import ValidationError


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


def add_validation_error(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` next to the fields it names, or at the top of the form.

    A dict-shaped error (``{"email": [...]}``) goes to each named field the form has (others
    to the top); a plain one (``ValidationError("...")``) goes to the top. Never raises, so a
    service refusal can never become a 500 in a view.
    """
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
