"""The candidate's form errors are in the page's language (fresh eyes: the reapply form showed
"Enter a valid email address." and the time-zone message in English on German, French and
Spanish pages). Every message a candidate form can give is translated."""

import datetime as dt

import pytest
from django.utils import timezone

from candidates.tests.factories import CandidateFactory
from feedback.tests.candidate_helpers import make_letter, url

pytestmark = pytest.mark.django_db

EXPECTED = {
    "de": ("Geben Sie eine gültige E-Mail-Adresse ein.", "ist keine uns bekannte Zeitzone"),
    "fr": ("Saisissez une adresse e-mail valide.", "n’est pas un fuseau horaire que nous connaissons"),
    "es": ("Introduzca una dirección de correo electrónico válida.", "no es una zona horaria que conozcamos"),
}


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_the_reapply_forms_errors_are_in_the_candidates_language(client, language):
    candidate = CandidateFactory(language=language)
    letter = make_letter(candidate=candidate, decided_at=timezone.now() - dt.timedelta(days=200))
    data = {"name": candidate.name, "email": "not-an-address", "time_zone": "Mars/Olympus"}
    for point in letter.decision.points.all():
        data[f"point_{point.pk}"] = "Practised with mock interviews."
    response = client.post(url("reapply", letter, "reapply"), data)
    assert response.status_code == 400
    page = response.content.decode()
    email_message, zone_message = EXPECTED[language]
    assert email_message in page
    assert zone_message in page
    assert "Enter a valid email address." not in page
    assert "is not a time zone we know" not in page
