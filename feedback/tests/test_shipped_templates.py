"""Every letter template Candor ships (one per language) is a template HR could have saved.

Fresh eyes: the German, French and Spanish templates' HTML carried ``{{candidate_page_url}}``
(a literal brace pair, not a placeholder), so the button to the candidate's page was dead in
every email in those languages, and HR could not save any edit of them (the form's own check
refuses foreign merge fields). Each shipped template must pass the form's check and fill in the
same placeholders in its HTML as the English one.
"""

import pytest

from feedback import placeholders
from feedback.models import LetterTemplate

pytestmark = pytest.mark.django_db


def test_each_shipped_template_passes_the_check_hr_edits_are_held_to():
    templates = list(LetterTemplate.objects.filter(is_default=True))
    assert {t.language.split("-")[0] for t in templates} >= {"en", "de", "fr", "es"}
    for template in templates:
        placeholders.validate_template(
            subject=template.subject, body_text=template.body_text, body_html=template.body_html
        )


def test_each_shipped_html_layout_links_the_candidate_page_and_unsubscribe():
    english = set(placeholders.placeholders_in(placeholders.DEFAULT_HTML))
    assert {"candidate_page_url", "unsubscribe_url"} <= english
    for template in LetterTemplate.objects.filter(is_default=True):
        used = set(placeholders.placeholders_in(template.body_html))
        assert used == english, (template.language, sorted(english ^ used))
        assert "{{" not in template.body_html and "}}" not in template.body_html, template.language


@pytest.mark.parametrize("field", ["%(name)s", "%(first_name)d", "Dear %(candidate)s,"])
def test_python_format_fields_are_refused_in_templates(field):
    with pytest.raises(Exception, match="merge field"):
        placeholders.validate_template(subject="Feedback", body_text=f"Hello {field}", body_html="")
