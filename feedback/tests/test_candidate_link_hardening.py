"""Candidate links, hardened after a fresh-eyes test: cookies blocked, and the unsubscribe
link (which never expires) leading back to a letter page whose own links have expired."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from feedback.portal import sessions
from feedback.tests.candidate_helpers import make_letter, url

pytestmark = pytest.mark.django_db


class CookielessClient(Client):
    """A browser that blocks cookies: it sends none and keeps none it is given."""

    def request(self, **request):
        self.cookies.clear()
        response = super().request(**request)
        self.cookies.clear()
        return response


# --- cookies blocked --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "purpose"), [("letter", "letter"), ("unsubscribe", "unsubscribe"), ("reapply", "reapply")]
)
def test_a_browser_without_cookies_is_told_the_page_needs_cookies_not_sent_round_in_a_loop(name, purpose):
    client = CookielessClient()
    letter = make_letter()

    opened = client.get(url(name, letter, purpose))
    assert opened.status_code == 302
    response = client.get(opened["Location"])

    assert response.status_code == 404
    body = response.content.decode()
    assert "This page needs cookies" in body
    assert "allow cookies for testserver" in body
    assert "Thank you for interviewing" not in body


def test_a_browser_with_its_session_cookie_still_gets_the_session_message_for_a_foreign_slot(client):
    letter = make_letter()
    client.get(url("letter", letter))  # this browser has a session now
    assert settings.SESSION_COOKIE_NAME in client.cookies
    response = client.get("/c/Ab3_-xYz0123456789abcd/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Please open the link in your email again" in body
    assert "needs cookies" not in body


# --- the unsubscribe page's way back ------------------------------------------------------------


def _unsubscribe_page(client, letter):
    opened = client.get(url("unsubscribe", letter, "unsubscribe"))
    assert opened.status_code == 302
    return opened["Location"]


def test_the_unsubscribe_page_leads_back_to_the_letter_while_its_links_work(client):
    letter = make_letter()
    address = _unsubscribe_page(client, letter)
    page = client.get(address).content.decode()
    assert "Back to your feedback" in page
    done = client.post(address).content.decode()
    assert "Back to your feedback" in done


def test_the_unsubscribe_link_never_expires_but_leads_nowhere_past_the_letters_lifetime(client):
    letter = make_letter()
    letter_link = url("letter", letter)  # sent with the letter
    far = timezone.now() + dt.timedelta(days=settings.CANDOR_LINK_MAX_AGE_DAYS + 3650)
    with time_machine.travel(far, tick=False):
        assert not sessions.letter_links_still_open(letter)
        # The letter's own link is refused by then ...
        assert client.get(letter_link).status_code == 404
        address = _unsubscribe_page(client, letter)
        page = client.get(address)
        assert page.status_code == 200  # unsubscribing still works (RFC 8058)
        assert "Back to your feedback" not in page.content.decode()
        done = client.post(address)
        assert done.status_code == 200
        assert "Back to your feedback" not in done.content.decode()
        # ... and nothing in the session opens the letter's page either.
        slots = client.session.get(sessions.SESSION_KEY, {})
        assert all(entry["purpose"] == "unsubscribe" for entry in slots.values())


def test_the_way_back_follows_the_letters_sending_date_not_a_fresh_token():
    letter = make_letter(decided_at=timezone.now() - dt.timedelta(days=4000), cooldown_days=30)
    assert not sessions.letter_links_still_open(letter)
    assert sessions.letter_links_still_open(letter, now=letter.sent_at + dt.timedelta(days=1))
