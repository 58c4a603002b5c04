"""Signed links: a bad, expired or wrong-purpose token opens nothing and changes nothing."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from feedback.links import make_token
from feedback.models import CandidateRating, FeedbackLetter, FeedbackRequest, ReapplyReminder
from feedback.tests.candidate_helpers import make_letter, url

pytestmark = pytest.mark.django_db


def _tampered(letter):
    token = make_token("letter", letter.public_id)
    return token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")


def test_sent_letter_opens_for_anyone_with_the_link(client):
    letter = make_letter()
    response = client.get(url("letter", letter), follow=True)
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
    # Links also live until the reapply date plus the grace period: both are behind this one.
    letter = make_letter(decided_at=timezone.now() - dt.timedelta(days=100), cooldown_days=30)
    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(days=31)):
        token = make_token("letter", letter.public_id)
    response = client.get(reverse("candidate:letter", args=[token]), follow=True)
    assert response.status_code == 404
    assert "This link has expired" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "purpose"),
    [("letter", "unsubscribe"), ("unsubscribe", "letter"), ("reapply", "letter"), ("letter", "reapply")],
)
def test_token_made_for_another_purpose_does_not_open(client, name, purpose):
    letter = make_letter()
    response = client.get(url(name, letter, purpose), follow=True)
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()


def test_token_of_a_made_up_letter_does_not_open(client):
    import uuid

    token = make_token("letter", uuid.uuid4())
    assert client.get(reverse("candidate:letter", args=[token]), follow=True).status_code == 404


def test_token_signed_with_another_key_does_not_open(client):
    letter = make_letter()
    forged = signing.dumps(str(letter.public_id), key="not-our-secret", salt="candor.links.letter")
    assert client.get(reverse("candidate:letter", args=[forged]), follow=True).status_code == 404


@pytest.mark.parametrize(
    "status", [FeedbackLetter.Status.DRAFT, FeedbackLetter.Status.SCHEDULED, FeedbackLetter.Status.CANCELLED]
)
def test_unsent_letter_is_not_shown(client, status):
    letter = make_letter(status=status, text="Draft with a secret note to HR")
    response = client.get(url("letter", letter), follow=True)
    assert response.status_code == 404
    body = response.content.decode()
    assert "not ready yet" in body
    assert "secret note" not in body


def test_letter_being_sent_is_shown(client):
    letter = make_letter(status=FeedbackLetter.Status.SENDING)
    assert client.get(url("letter", letter), follow=True).status_code == 200


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
        client.get(url(name, letter), follow=True)
    assert client.get(url("remind", letter), follow=True).status_code == 405
    assert client.get(url("ask", letter), follow=True).status_code == 405
    assert client.get(url("rate", letter), follow=True).status_code == 405
    client.get(url("unsubscribe", letter, "unsubscribe"), follow=True)
    client.get(url("reapply", letter, "reapply"), follow=True)
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
    client.get(url("letter", letter), follow=True)
    token = client.cookies["csrftoken"].value
    response = client.post(url("remind", letter), {"action": "on", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert ReapplyReminder.objects.filter(status="scheduled").count() == 1


def test_erased_candidates_link_says_deleted(client, hr_user):
    from feedback.privacy.services import candidate_erase

    letter = make_letter()
    candidate_erase(candidate=letter.application.candidate, by=hr_user)
    response = client.get(url("letter", letter), follow=True)
    assert response.status_code == 404
    assert "has been deleted" in response.content.decode()


# Links that live as long as the dates they point to (issue 12) --------------------------------

LONG_DECIDED = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
# 2 March 2026 + 540 days: Tuesday 24 August 2027.
LONG_REAPPLY = dt.date(2027, 8, 24)


def _at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def test_with_a_540_day_cool_down_every_link_works_on_the_reapply_date(client, settings):
    settings.CANDOR_LINK_MAX_AGE_DAYS = 365
    settings.CANDOR_LINK_GRACE_DAYS = 60
    # The links of the letter's email, made when it was sent, and the .ics downloaded that day.
    with time_machine.travel(LONG_DECIDED + dt.timedelta(days=1), tick=False):
        letter = make_letter(decided_at=LONG_DECIDED, cooldown_days=540)
        page = url("letter", letter)
        calendar = url("calendar", letter)
        reapply = url("reapply", letter, "reapply")
        event = Calendar.from_ical(client.get(calendar, follow=True).content).walk("VEVENT")[0]
    ics_reapply = str(event["URL"]).removeprefix("http://testserver")
    assert ics_reapply.startswith("/c/reapply/")

    with time_machine.travel(_at(LONG_REAPPLY), tick=False):
        assert client.get(page, follow=True).status_code == 200
        assert client.get(calendar, follow=True).status_code == 200
        form = client.get(reapply, follow=True)
        assert form.status_code == 200
        assert "You can reapply from" not in form.content.decode()
        assert client.get(ics_reapply, follow=True).status_code == 200

    # Until the grace period ends: the last day works, the day after says "expired".
    with time_machine.travel(_at(LONG_REAPPLY + dt.timedelta(days=60)), tick=False):
        assert client.get(page, follow=True).status_code == 200
        assert client.get(reapply, follow=True).status_code == 200
    with time_machine.travel(_at(LONG_REAPPLY + dt.timedelta(days=61)), tick=False):
        for link in (page, calendar, reapply):
            response = client.get(link)
            assert response.status_code == 404
            assert "This link has expired" in response.content.decode()


def test_a_link_still_works_for_its_first_365_days_when_the_reapply_date_is_sooner(client, settings):
    settings.CANDOR_LINK_MAX_AGE_DAYS = 365
    settings.CANDOR_LINK_GRACE_DAYS = 60
    with time_machine.travel(LONG_DECIDED, tick=False):
        letter = make_letter(decided_at=LONG_DECIDED, cooldown_days=30)
        page = url("letter", letter)
    with time_machine.travel(LONG_DECIDED + dt.timedelta(days=364), tick=False):
        assert client.get(page, follow=True).status_code == 200
    with time_machine.travel(LONG_DECIDED + dt.timedelta(days=366), tick=False):
        assert "This link has expired" in client.get(page, follow=True).content.decode()


def test_the_link_lifetime_follows_the_grace_setting(client, settings):
    settings.CANDOR_LINK_GRACE_DAYS = 10
    with time_machine.travel(LONG_DECIDED + dt.timedelta(days=1), tick=False):
        letter = make_letter(decided_at=LONG_DECIDED, cooldown_days=540)
        page = url("letter", letter)
    with time_machine.travel(_at(LONG_REAPPLY + dt.timedelta(days=10)), tick=False):
        assert client.get(page, follow=True).status_code == 200
    with time_machine.travel(_at(LONG_REAPPLY + dt.timedelta(days=11)), tick=False):
        assert client.get(page, follow=True).status_code == 404


def test_a_400_day_old_one_click_unsubscribe_still_unsubscribes(client):
    with time_machine.travel(LONG_DECIDED, tick=False):
        letter = make_letter(decided_at=LONG_DECIDED, cooldown_days=182)
        page, unsubscribe = url("letter", letter), url("unsubscribe", letter, "unsubscribe")
    with time_machine.travel(LONG_DECIDED + dt.timedelta(days=400), tick=False):
        # The letter's page link of that age has expired (182 + 60 days, and 365, are behind it)...
        assert "This link has expired" in client.get(page, follow=True).content.decode()
        # ...but the mail client's RFC 8058 POST, without a CSRF token, still unsubscribes.
        response = Client(enforce_csrf_checks=True).post(unsubscribe, {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
    letter.application.candidate.refresh_from_db()
    assert letter.application.candidate.unsubscribed


def test_an_old_letter_link_expires_while_its_unsubscribe_link_does_not(client):
    with time_machine.travel(LONG_DECIDED, tick=False):
        letter = make_letter(decided_at=LONG_DECIDED, cooldown_days=182)
        page, unsubscribe = url("letter", letter), url("unsubscribe", letter, "unsubscribe")
    with time_machine.travel(LONG_DECIDED + dt.timedelta(days=3000), tick=False):
        assert "This link has expired" in client.get(page, follow=True).content.decode()
        confirm = client.get(unsubscribe, follow=True)
        assert confirm.status_code == 200
        assert client.post(unsubscribe).status_code == 200
    letter.application.candidate.refresh_from_db()
    assert letter.application.candidate.unsubscribed


@pytest.mark.parametrize("days", [0, 400, 3000])
def test_a_tampered_or_foreign_unsubscribe_token_still_fails_at_any_age(client, days):
    with time_machine.travel(LONG_DECIDED, tick=False):
        letter = make_letter(decided_at=LONG_DECIDED, cooldown_days=540)
        token = make_token("unsubscribe", letter.public_id)
        tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
        foreign = signing.dumps(str(letter.public_id), key="not-our-secret", salt="candor.links.unsubscribe")
        letter_purpose = make_token("letter", letter.public_id)
    with time_machine.travel(LONG_DECIDED + dt.timedelta(days=days), tick=False):
        for bad in (tampered, foreign, letter_purpose, token[: len(token) // 2]):
            response = client.post(reverse("candidate:unsubscribe", args=[bad]))
            assert response.status_code == 404
            assert "This link does not work" in response.content.decode()
        # A tampered letter link on the reapply date does not open either.
        bad_page = _tampered(letter)
    with time_machine.travel(_at(LONG_REAPPLY), tick=False):
        assert client.get(reverse("candidate:letter", args=[bad_page]), follow=True).status_code == 404
    letter.application.candidate.refresh_from_db()
    assert not letter.application.candidate.unsubscribed


def test_the_reminder_carries_freshly_signed_links(client, settings):
    from feedback.portal import services as portal
    from feedback.portal.emails import build_reminder_message

    settings.CANDOR_LINK_MAX_AGE_DAYS = 365
    settings.CANDOR_LINK_GRACE_DAYS = 60
    with time_machine.travel(LONG_DECIDED + dt.timedelta(days=1), tick=False):
        letter = make_letter(decided_at=LONG_DECIDED, cooldown_days=540)
        old_page = url("letter", letter)
        portal.reminder_opt_in(letter=letter)
    reminder = ReapplyReminder.objects.get()
    # The outbox builds the message when the reminder is sent, on the reapply date.
    with time_machine.travel(reminder.send_after + dt.timedelta(minutes=1), tick=False):
        body = build_reminder_message(reminder).body
    links = set(re.findall(r"http://testserver(/c/[^\s]+)", body))
    reapply_links = [link for link in links if link.startswith("/c/reapply/")]
    page_links = [link for link in links if not link.startswith(("/c/reapply/", "/c/unsubscribe/"))]
    assert reapply_links and page_links
    # Past the letter's own links' lifetime, the reminder's links (made when it was sent) work.
    with time_machine.travel(_at(LONG_REAPPLY + dt.timedelta(days=200)), tick=False):
        assert client.get(old_page, follow=True).status_code == 404
        for link in reapply_links + page_links:
            assert client.get(link, follow=True).status_code == 200, link
