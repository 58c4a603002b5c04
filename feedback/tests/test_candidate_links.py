"""Signed links: a bad, expired or wrong-purpose token opens nothing and changes nothing."""

import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse

from feedback.links import make_token
from feedback.models import CandidateRating, FeedbackLetter, FeedbackRequest, ReapplyReminder
from feedback.tests.candidate_helpers import make_letter, url

pytestmark = pytest.mark.django_db


def _tampered(letter):
    token = make_token("letter", letter.public_id)
    return token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")


def test_sent_letter_opens_for_anyone_with_the_link(client):
    letter = make_letter()
    response = client.get(url("letter", letter))
    assert response.status_code == 200
    assert "Thank you for interviewing with us." in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    assert "noindex" in response["X-Robots-Tag"]


@pytest.mark.parametrize("name", ["letter", "calendar"])
def test_tampered_token_shows_friendly_page_with_404(client, name):
    letter = make_letter()
    response = client.get(reverse(f"candidate:{name}", args=[_tampered(letter)]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "This link does not work" in body
    assert "hr@candor.example" in body
    assert "Nothing has been changed" in body


def test_expired_token_says_it_expired(client, settings):
    settings.CANDOR_LINK_MAX_AGE_DAYS = 30
    letter = make_letter()
    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(days=31)):
        token = make_token("letter", letter.public_id)
    response = client.get(reverse("candidate:letter", args=[token]))
    assert response.status_code == 404
    assert "This link has expired" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "purpose"),
    [("letter", "unsubscribe"), ("unsubscribe", "letter"), ("reapply", "letter"), ("letter", "reapply")],
)
def test_token_made_for_another_purpose_does_not_open(client, name, purpose):
    letter = make_letter()
    response = client.get(url(name, letter, purpose))
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


def test_token_of_a_made_up_letter_does_not_open(client):
    import uuid

    token = make_token("letter", uuid.uuid4())
    assert client.get(reverse("candidate:letter", args=[token])).status_code == 404


def test_token_signed_with_another_key_does_not_open(client):
    letter = make_letter()
    forged = signing.dumps(str(letter.public_id), key="not-our-secret", salt="candor.links.letter")
    assert client.get(reverse("candidate:letter", args=[forged])).status_code == 404


@pytest.mark.parametrize(
    "status", [FeedbackLetter.Status.DRAFT, FeedbackLetter.Status.SCHEDULED, FeedbackLetter.Status.CANCELLED]
)
def test_unsent_letter_is_not_shown(client, status):
    letter = make_letter(status=status, text="Draft with a secret note to HR")
    response = client.get(url("letter", letter))
    assert response.status_code == 404
    body = response.content.decode()
    assert "not ready yet" in body
    assert "secret note" not in body


def test_letter_being_sent_is_shown(client):
    letter = make_letter(status=FeedbackLetter.Status.SENDING)
    assert client.get(url("letter", letter)).status_code == 200


def test_bad_token_posts_change_nothing(client):
    letter = make_letter()
    bad = _tampered(letter)
    assert client.post(reverse("candidate:remind", args=[bad]), {"action": "on"}).status_code == 404
    assert client.post(reverse("candidate:ask", args=[bad]), {"question": "Why?"}).status_code == 404
    assert client.post(reverse("candidate:rate", args=[bad]), {"score": "5"}).status_code == 404
    assert client.post(reverse("candidate:unsubscribe", args=[bad])).status_code == 404
    assert not ReapplyReminder.objects.exists()
    assert not FeedbackRequest.objects.exists()
    assert not CandidateRating.objects.exists()
    letter.application.candidate.refresh_from_db()
    assert not letter.application.candidate.unsubscribed


def test_gets_change_nothing(client):
    letter = make_letter()
    for name in ("letter", "calendar"):
        client.get(url(name, letter))
    assert client.get(url("remind", letter)).status_code == 405
    assert client.get(url("ask", letter)).status_code == 405
    assert client.get(url("rate", letter)).status_code == 405
    client.get(url("unsubscribe", letter, "unsubscribe"))
    client.get(url("reapply", letter, "reapply"))
    assert not ReapplyReminder.objects.exists()
    assert not FeedbackRequest.objects.exists()
    letter.application.candidate.refresh_from_db()
    assert not letter.application.candidate.unsubscribed


def test_actions_need_csrf():
    letter = make_letter()
    client = Client(enforce_csrf_checks=True)
    assert client.post(url("remind", letter), {"action": "on"}).status_code == 403
    assert client.post(url("ask", letter), {"question": "Why?"}).status_code == 403
    assert client.post(url("rate", letter), {"score": "5"}).status_code == 403
    assert not ReapplyReminder.objects.exists()


def test_actions_with_csrf_token_work():
    letter = make_letter()
    client = Client(enforce_csrf_checks=True)
    client.get(url("letter", letter))
    token = client.cookies["csrftoken"].value
    response = client.post(url("remind", letter), {"action": "on", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert ReapplyReminder.objects.filter(status="scheduled").count() == 1


def test_erased_candidates_link_says_deleted(client, hr_user):
    from feedback.privacy.services import candidate_erase

    letter = make_letter()
    candidate_erase(candidate=letter.application.candidate, by=hr_user)
    response = client.get(url("letter", letter))
    assert response.status_code == 404
    assert "has been deleted" in response.content.decode()
