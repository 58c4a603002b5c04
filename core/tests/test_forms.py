"""A service's refusal always lands on the form, whatever the shape of its ValidationError."""

from django import forms
from django.core.exceptions import ValidationError

from core.forms import add_validation_error


class _Form(forms.Form):
    email = forms.CharField()


def _bound():
    form = _Form({"email": "a@example.org"})
    assert form.is_valid()
    return form


def test_a_dict_shaped_error_goes_next_to_its_field_and_unknown_fields_to_the_top():
    form = _bound()
    add_validation_error(form, ValidationError({"email": "Taken.", "job": "Closed."}))
    assert form.errors["email"] == ["Taken."]
    assert form.non_field_errors() == ["Closed."]


def test_a_plain_error_goes_to_the_top_of_the_form():
    # ``exc.message_dict`` raises AttributeError for these: the views used to answer 500.
    form = _bound()
    add_validation_error(form, ValidationError("The application is closed."))
    assert form.non_field_errors() == ["The application is closed."]
    form = _bound()
    add_validation_error(form, ValidationError(["One.", "Two."]))
    assert form.non_field_errors() == ["One.", "Two."]
