"""A candidate link is exchanged for a short-lived session and a token-free address (issue 13, item 5).

Browser history, bookmarks and the Referer header must never carry a working token: the email's
link, opened, is swapped for a random slot that only opens the page in the same browser session,
for ``CANDOR_CANDIDATE_SESSION_MINUTES``.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from feedback.models import FeedbackLetter, ReapplyReminder
from feedback.tests.candidate_helpers import make_letter, url

pytestmark = pytest.mark.django_db


def _open(client, link):
    """GET the email's link; return the address it redirects to (asserting it is a redirect)."""
    response = client.get(link)
    assert response.status_code == 302, response.status_code
    return response["Location"]


@pytest.mark.parametrize(
    ("name", "purpose", "words"),
    [
        ("letter", "letter", "Thank you for interviewing"),
        ("unsubscribe", "unsubscribe", "unsubscribe"),
        ("reapply", "reapply", "reapply"),
        ("calendar", "letter", "BEGIN:VCALENDAR"),
    ],
)
def test_every_email_link_is_swapped_for_an_address_without_the_token(client, name, purpose, words):
    letter = make_letter()
    link = url(name, letter, purpose)
    token = link.split("/")[-2] if name != "calendar" else link.split("/")[2]
    address = _open(client, link)
    assert token not in address
    assert all(part not in address for part in token.split(":"))
    assert ":" not in address
    response = client.get(address)
    assert response.status_code == 200
    assert words.lower() in response.content.decode().lower()


def test_the_page_links_to_its_other_pages_without_any_token(client):
    letter = make_letter()
    make_letter(candidate=letter.application.candidate)  # another letter, linked from this page
    page = client.get(_open(client, url("letter", letter))).content.decode()
    targets = re.findall(r'(?:href|action)="(/c/[^"]*)"', page)
    assert len(targets) >= 5
    for target in targets:
        assert ":" not in target, target
        # Pages open in this session; forms' targets take POST only (405 to a GET).
        assert client.get(target).status_code in (200, 405), target


def test_the_address_opens_nothing_in_another_browser(client):
    letter = make_letter()
    address = _open(client, url("letter", letter))
    stranger = Client()
    response = stranger.get(address)
    assert response.status_code == 404
    body = response.content.decode()
    assert "open the link in your email again" in body.lower()
    assert "Thank you for interviewing" not in body
    # Nor can it act: a reminder asked through someone else's address is refused, nothing written.
    assert stranger.post(address + "remind/").status_code == 404
    assert not ReapplyReminder.objects.exists()


def test_the_address_stops_working_after_the_session_lifetime_and_the_link_brings_it_back(client, settings):
    settings.CANDOR_CANDIDATE_SESSION_MINUTES = 30
    letter = make_letter()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        address = _open(client, url("letter", letter))
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert client.get(address).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        assert client.get(address).status_code == 404
        again = _open(client, url("letter", letter))
        assert again != address
        assert client.get(again).status_code == 200


def test_an_address_made_for_the_page_does_not_open_another_purpose(client):
    letter = make_letter()
    slot = _open(client, url("letter", letter)).strip("/").split("/")[-1]
    assert client.get(f"/c/unsubscribe/{slot}/").status_code == 404
    assert client.get(f"/c/reapply/{slot}/").status_code == 404


def test_a_bad_token_is_refused_without_starting_anything(client):
    letter = make_letter()
    link = url("letter", letter)
    response = client.get(link[:-5] + "XXXX/")
    assert response.status_code == 404
    assert "candor_candidate_links" not in client.session


def test_actions_through_the_address_work_and_come_back_to_it(client):
    letter = make_letter()
    address = _open(client, url("letter", letter))
    response = client.post(address + "remind/")
    assert response.status_code == 302
    assert response["Location"].startswith(address)
    assert ReapplyReminder.objects.filter(application=letter.application).exists()


def test_a_letter_withdrawn_after_the_exchange_closes_its_address(client):
    letter = make_letter()
    address = _open(client, url("letter", letter))
    FeedbackLetter.objects.filter(pk=letter.pk).update(status=FeedbackLetter.Status.CANCELLED)
    assert client.get(address).status_code == 404


def test_the_redirect_and_the_page_are_not_cached_or_indexed(client):
    letter = make_letter()
    response = client.get(url("letter", letter))
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    page = client.get(response["Location"])
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
