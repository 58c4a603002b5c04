"""Letter templates: named placeholders, refused when unknown at save time, filled in when drafting."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from feedback import placeholders
from feedback.letters.forms import LetterTemplateForm
from feedback.models import LetterTemplate

pytestmark = pytest.mark.django_db

HTML = "<html><body>{letter}<a href='{unsubscribe_url}'>Unsubscribe</a></body></html>"


def form_data(**overrides):
    data = {
        "name": "Short letter",
        "subject": "About {job_title}",
        "body_text": "Dear {candidate_first_name},\n\n{points}\n\n{decider_name}",
        "body_html": HTML,
    }
    data.update(overrides)
    return data


def test_the_default_template_exists_and_is_valid():
    template = LetterTemplate.objects.get(is_default=True, language="en-gb")

    template.full_clean()


def test_unknown_placeholder_is_refused_at_save_with_its_name():
    form = LetterTemplateForm(data=form_data(body_text="Dear {candidate_firstname}, {points}"))

    assert not form.is_valid()
    assert form.errors["body_text"] == [
        "Unknown placeholder {candidate_firstname}. Use only the placeholders listed on this page."
    ]


def test_model_validation_refuses_unknown_placeholders_in_every_part():
    template = LetterTemplate(name="x", subject="{salary}", body_text="{points} {age}", body_html="<p>hi</p>")

    with pytest.raises(ValidationError) as caught:
        template.full_clean()

    errors = caught.value.message_dict
    assert "{salary}" in errors["subject"][0]
    assert "{age}" in errors["body_text"][0]
    assert "must contain {letter}" in errors["body_html"][0]


@pytest.mark.parametrize(
    "text",
    ["{candidate_name.__class__}", "{candidate_name[0]}", "{candidate_name!r}", "{job_title:>10}", "{}"],
)
def test_attribute_access_indexing_and_formats_are_refused(text):
    with pytest.raises(placeholders.PlaceholderError, match="Unknown placeholder"):
        placeholders.validate_placeholders(text, placeholders.LETTER_PLACEHOLDERS)


def test_unbalanced_braces_are_refused_with_a_hint():
    with pytest.raises(placeholders.PlaceholderError, match="literal brace"):
        placeholders.validate_placeholders("Dear {candidate_name", placeholders.LETTER_PLACEHOLDERS)


def test_multi_line_placeholders_are_refused_in_the_subject():
    form = LetterTemplateForm(data=form_data(subject="{points}"))

    assert not form.is_valid()
    assert "{points}" in form.errors["subject"][0]


def test_render_fills_placeholders_and_keeps_literal_braces():
    text = placeholders.render(
        "Hi {candidate_first_name} {{not a placeholder}}", {"candidate_first_name": "Ada"}
    )

    assert text == "Hi Ada {not a placeholder}"


def test_hr_creates_a_template_and_makes_it_the_default(client, hr_user):
    client.force_login(hr_user)
    old_default = LetterTemplate.objects.get(is_default=True, language="en-gb")

    response = client.post(reverse("feedback:template_create"), {**form_data(), "make_default": "on"})

    assert response.status_code == 302
    new = LetterTemplate.objects.get(name="Short letter")
    assert new.is_default and new.updated_by == hr_user
    old_default.refresh_from_db()
    assert not old_default.is_default


def test_template_page_refuses_unknown_placeholder_next_to_the_field(client, hr_user):
    client.force_login(hr_user)
    template = LetterTemplate.objects.get(is_default=True, language="en-gb")

    response = client.post(
        reverse("feedback:template_edit", args=[template.pk]),
        {**form_data(name=template.name), "body_text": "Dear {first_name}"},
    )

    assert response.status_code == 400
    assert "Unknown placeholder {first_name}" in response.content.decode()
    template.refresh_from_db()
    assert "{first_name}" not in template.body_text


def test_template_page_documents_the_placeholders(client, hr_user):
    client.force_login(hr_user)

    page = client.get(reverse("feedback:template_create")).content.decode()

    for name in ("candidate_first_name", "progress", "points", "reapply_date", "letter", "unsubscribe_url"):
        assert "{" + name + "}" in page
