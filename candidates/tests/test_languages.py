"""The candidate's language: a short list, and a help text that says what it does today.

A tester found about 90 languages offered, with the help text "Letters and pages will be in
this language once translated", while every email and page is in English.
"""

import html as html_lib
import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from candidates.forms import LANGUAGE_HELP, CandidateEditForm, CandidateForm
from candidates.models import Candidate
from candidates.services import candidate_update
from candidates.tests.factories import CandidateFactory

pytestmark = pytest.mark.django_db

SHORT_LIST = {"en-gb", "de", "fr", "es", "it", "nl", "pt", "pl"}


def _offered(html: str) -> set[str]:
    select = re.search(r'<select name="language".*?</select>', html, re.S).group(0)
    return set(re.findall(r'<option value="([^"]+)"', select))


@pytest.mark.parametrize("page", ["candidates:candidate_create", "candidates:candidate_edit"])
def test_hr_is_offered_a_short_list_and_told_which_languages_ship(client, hr_user, page):
    candidate = CandidateFactory()
    client.force_login(hr_user)
    args = [candidate.pk] if page.endswith("edit") else []
    html = client.get(reverse(page, args=args)).content.decode()
    assert _offered(html) == SHORT_LIST
    assert LANGUAGE_HELP in html_lib.unescape(html)
    # Issue 16: English, German, French and Spanish ship (config/settings/parts/i18n.py).
    assert LANGUAGE_HELP == (
        "Their emails, feedback page and letter are in this language when Candor ships it (English, "
        "German, French, Spanish); otherwise in the organisation's language."
    )
    assert "once translated" not in html


def test_the_languages_to_be_translated_first_are_offered_and_english_is_the_default():
    shipped = [code for code, _name in settings.LANGUAGES]
    assert shipped == ["en-gb", "de", "fr", "es"]
    codes = [code for code, _name in settings.CANDOR_CANDIDATE_LANGUAGES]
    assert settings.LANGUAGE_CODE in codes
    assert len(codes) == len(SHORT_LIST)
    assert CandidateForm().fields["language"].help_text == LANGUAGE_HELP


def test_a_language_not_on_the_list_is_refused_next_to_the_field(hr_user):
    candidate = CandidateFactory()
    form = CandidateEditForm(data={"name": "Rosa", "email": "rosa@example.com", "language": "ja"})
    assert "not a language we offer" in form.errors["language"][0]
    with pytest.raises(ValidationError) as exc:
        candidate_update(candidate=candidate, by=hr_user, language="ja")
    assert "language" in exc.value.message_dict


def test_a_language_recorded_before_the_list_was_shortened_survives_other_edits(client, hr_user):
    candidate = CandidateFactory(name="Aiko", email="aiko@example.com")
    Candidate.objects.filter(pk=candidate.pk).update(language="ja")  # Django's full list allowed it
    candidate.refresh_from_db()

    # The service: other details change, the language stays (the reapply form goes this way too).
    candidate_update(candidate=candidate, by=hr_user, name="Aiko Tanaka", language="ja")
    candidate_update(candidate=candidate, by=None, source="candidate", time_zone="Asia/Tokyo")
    assert Candidate.objects.get(pk=candidate.pk).language == "ja"

    # The edit page offers it, selected, so saving the page does not change it silently.
    client.force_login(hr_user)
    html = client.get(reverse("candidates:candidate_edit", args=[candidate.pk])).content.decode()
    assert _offered(html) == SHORT_LIST | {"ja"}
    assert re.search(r'<option value="ja" selected>Japanese \(recorded earlier\)</option>', html)
    response = client.post(
        reverse("candidates:candidate_edit", args=[candidate.pk]),
        {"name": "Aiko T.", "email": "aiko@example.com", "language": "ja", "time_zone": "Asia/Tokyo"},
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert (candidate.name, candidate.language) == ("Aiko T.", "ja")

    # Once changed to a listed language, it cannot go back to an unlisted one.
    candidate_update(candidate=candidate, by=hr_user, language="de")
    with pytest.raises(ValidationError):
        candidate_update(candidate=candidate, by=hr_user, language="ja")
