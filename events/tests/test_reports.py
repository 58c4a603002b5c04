"""Delivery reports from the mail provider (django-anymail's tracking webhooks) and the suppression list.

Each supported provider's sample payloads (events/tests/recorded/, from its public docs),
signed or authenticated as the provider does, are posted to the real webhook URLs.
"""

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest
from django.urls import reverse

from candidates.services import candidate_update
from core.models import AuditEvent
from events.models import WebhookDelivery
from feedback.letters.services import letter_retry
from feedback.models import FeedbackLetter
from feedback.tests.conftest import make_letters
from outbox.models import DeliveryReport, DeliveryStatus, Suppression
from outbox.reports import BOUNCED, SUPPRESSED, address_key, address_suppressed, delivery_report_latest
from outbox.services import Outcome, delivery_send

pytestmark = pytest.mark.django_db

RECORDED = Path(__file__).parent / "recorded"
BASIC = "candor:webhook-secret"
MAILGUN_KEY = "key-mailgun-test-signing-key"
Status = FeedbackLetter.Status


@pytest.fixture(autouse=True)
def _providers(settings):
    settings.CANDOR_DELIVERY_REPORT_PROVIDERS = ["postmark", "mailgun", "sendgrid"]
    settings.ANYMAIL = {"WEBHOOK_SECRET": [BASIC], "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}


def _auth(credentials: str = BASIC) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def sent_letter(mailoutbox):
    (letter,) = make_letters(1)
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SENT
    letter.refresh_from_db()
    return letter


def postmark(client, name: str, letter, *, auth: str = BASIC):
    body = (RECORDED / f"postmark_{name}.json").read_text() % {
        "message_id": letter.message_id,
        "recipient": letter.application.candidate.email,
    }
    return client.post(
        reverse("events:anymail_postmark_tracking"), body, content_type="application/json", **_auth(auth)
    )


def mailgun(client, name: str, letter, *, key: str = MAILGUN_KEY, token: str = ""):
    timestamp = str(int(time.time()))
    token = token or hashlib.sha256(f"{name}{letter.pk}{time.time()}".encode()).hexdigest()[:50]
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    body = (RECORDED / f"mailgun_{name}.json").read_text() % {
        "bare_message_id": letter.message_id.strip("<>"),
        "recipient": letter.application.candidate.email,
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
    }
    return client.post(
        reverse("events:anymail_mailgun_tracking"), body, content_type="application/json", **_auth()
    )


@pytest.mark.parametrize("provider", [postmark, mailgun])
def test_a_hard_bounce_fails_the_letter_suppresses_the_address_and_hr_sees_it(
    provider, client, mailoutbox, hr_user
):
    from events.services import subscription_create

    subscription_create(by=hr_user, name="Bounces", url="http://127.0.0.1:9/", events=["letter.bounced"])
    letter = sent_letter(mailoutbox)
    name = "hard_bounce" if provider is postmark else "permanent_failure"
    assert provider(client, name, letter).status_code == 200
    letter.refresh_from_db()
    assert letter.status == Status.FAILED and letter.last_error == BOUNCED
    report = delivery_report_latest("letter", letter.pk)
    assert report.event == DeliveryReport.Event.BOUNCED and report.provider == provider.__name__
    assert letter.application.candidate.email not in report.detail and "550" in report.detail
    assert address_suppressed(letter.application.candidate.email)
    assert Suppression.objects.get().reason == Suppression.Reason.HARD_BOUNCE
    assert AuditEvent.objects.filter(verb="letter.bounced", target_id=letter.pk).exists()
    (event,) = WebhookDelivery.objects.filter(event="letter.bounced")
    assert event.payload["public_id"] == str(letter.public_id) and event.payload["status"] == "bounced"
    # HR sees it on the letter page and on the home page.
    client.force_login(hr_user)
    page = client.get(reverse("feedback:letter_edit", args=[letter.pk])).content.decode()
    assert "Bounced: fix the address and send again." in page
    home = client.get(reverse("feedback:hr_home")).content.decode()
    assert "Bounced: fix the address and send again" in home


@pytest.mark.parametrize("provider", [postmark, mailgun])
def test_a_complaint_suppresses_the_address_and_leaves_the_letter_sent(provider, client, mailoutbox):
    letter = sent_letter(mailoutbox)
    name = "spam_complaint" if provider is postmark else "complained"
    assert provider(client, name, letter).status_code == 200
    letter.refresh_from_db()
    assert letter.status == Status.SENT
    assert Suppression.objects.get().reason == Suppression.Reason.COMPLAINT
    assert delivery_report_latest("letter", letter.pk).event == DeliveryReport.Event.COMPLAINED


@pytest.mark.parametrize("provider", [postmark, mailgun])
def test_a_delivered_report_settles_an_unknown_letter_as_sent(provider, client, mailoutbox):
    letter = sent_letter(mailoutbox)
    FeedbackLetter.objects.filter(pk=letter.pk).update(status=Status.UNKNOWN, last_error="may have arrived")
    assert provider(client, "delivery" if provider is postmark else "delivered", letter).status_code == 200
    letter.refresh_from_db()
    assert letter.status == Status.SENT and letter.last_error == ""
    assert delivery_report_latest("letter", letter.pk).event == DeliveryReport.Event.DELIVERED
    assert not Suppression.objects.exists()


def test_bad_auth_and_bad_signatures_are_refused_and_change_nothing(client, mailoutbox):
    letter = sent_letter(mailoutbox)
    assert postmark(client, "hard_bounce", letter, auth="candor:wrong").status_code == 400
    assert mailgun(client, "permanent_failure", letter, key="not-the-key").status_code == 400
    letter.refresh_from_db()
    assert letter.status == Status.SENT
    assert not DeliveryReport.objects.exists() and not Suppression.objects.exists()


def test_an_unconfigured_provider_url_answers_404(client, settings, mailoutbox):
    letter = sent_letter(mailoutbox)
    settings.CANDOR_DELIVERY_REPORT_PROVIDERS = []
    assert postmark(client, "hard_bounce", letter).status_code == 404
    settings.CANDOR_DELIVERY_REPORT_PROVIDERS = ["mailgun"]
    settings.ANYMAIL = {"WEBHOOK_SECRET": [BASIC]}
    assert mailgun(client, "permanent_failure", letter).status_code == 404
    assert not DeliveryReport.objects.exists()


def test_a_replayed_provider_event_is_recorded_once(client, mailoutbox):
    letter = sent_letter(mailoutbox)
    assert mailgun(client, "permanent_failure", letter, token="same-token" * 5).status_code == 200
    assert mailgun(client, "permanent_failure", letter, token="same-token" * 5).status_code == 200
    assert DeliveryReport.objects.count() == 1


def test_a_postmark_soft_bounce_neither_fails_nor_suppresses(client, mailoutbox):
    letter = sent_letter(mailoutbox)
    body = json.loads((RECORDED / "postmark_hard_bounce.json").read_text())
    body.update(
        Type="SoftBounce",
        Email=letter.application.candidate.email,
        Metadata={"candor_message_id": letter.message_id},
    )
    response = client.post(
        reverse("events:anymail_postmark_tracking"),
        json.dumps(body),
        content_type="application/json",
        **_auth(),
    )
    assert response.status_code == 200
    letter.refresh_from_db()
    assert letter.status == Status.SENT and not Suppression.objects.exists()
    assert delivery_report_latest("letter", letter.pk).event == DeliveryReport.Event.DEFERRED


def test_a_suppressed_address_is_never_sent_to_until_hr_fixes_it(client, mailoutbox, hr_user):
    letter = sent_letter(mailoutbox)
    assert postmark(client, "hard_bounce", letter).status_code == 200
    candidate = letter.application.candidate
    # Another letter to the same address later: failed before anything is sent, with the reason.
    (later,) = make_letters(1)
    later.application.candidate.__class__.objects.filter(pk=later.application.candidate_id).update(
        email=candidate.email.upper()
    )
    sent_before = len(mailoutbox)
    assert delivery_send(kind="letter", pk=later.pk) == Outcome.FAILED
    later.refresh_from_db()
    assert later.status == Status.FAILED and later.last_error == SUPPRESSED
    assert len(mailoutbox) == sent_before
    # HR's retry with the address unchanged: suppressed again.
    letter_retry(letter=letter, by=hr_user)
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.FAILED
    letter.refresh_from_db()
    assert letter.last_error == SUPPRESSED
    # HR fixes the address (the candidate edit service) and sends again: it goes, to the new address.
    candidate_update(candidate=candidate, by=hr_user, email="fixed.address@example.org")
    letter_retry(letter=letter, by=hr_user)
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SENT
    assert mailoutbox[-1].to == ["fixed.address@example.org"]
    letter.refresh_from_db()
    assert letter.status == Status.SENT


def test_the_suppression_list_keeps_no_address_in_clear(client, mailoutbox):
    letter = sent_letter(mailoutbox)
    postmark(client, "hard_bounce", letter)
    entry = Suppression.objects.get()
    email = letter.application.candidate.email
    assert entry.address_key == address_key(f"  {email.upper()} ") and email not in entry.address_key
    assert not DeliveryReport.objects.filter(detail__contains=email).exists()


def test_a_suppressed_chunk_row_fails_and_the_others_go_in_one_query(mailoutbox):
    from outbox.reports import suppression_add
    from outbox.services import deliveries_send_chunk

    letters = make_letters(3)
    suppression_add(address=letters[1].application.candidate.email, reason=Suppression.Reason.COMPLAINT)
    outcomes = deliveries_send_chunk(kind="letter", pks=[lt.pk for lt in letters])
    assert [outcomes[lt.pk] for lt in letters] == [Outcome.SENT, Outcome.FAILED, Outcome.SENT]
    assert len(mailoutbox) == 2
    assert FeedbackLetter.objects.get(pk=letters[1].pk).status == DeliveryStatus.FAILED


def test_a_sendgrid_bounce_with_basic_auth_fails_the_letter(client, mailoutbox):
    letter = sent_letter(mailoutbox)
    body = (RECORDED / "sendgrid_events.json").read_text() % {
        "message_id": letter.message_id,
        "recipient": letter.application.candidate.email,
        "event_id": "sg-event-1",
    }
    url = reverse("events:anymail_sendgrid_tracking")
    assert client.post(url, body, content_type="application/json", **_auth("x:y")).status_code == 400
    assert client.post(url, body, content_type="application/json", **_auth()).status_code == 200
    letter.refresh_from_db()
    assert letter.status == Status.FAILED and letter.last_error == BOUNCED
    assert address_suppressed(letter.application.candidate.email)


def test_a_provider_switched_on_without_its_check_is_a_deploy_warning(settings):
    from events.checks import delivery_report_providers_check

    settings.CANDOR_DELIVERY_REPORT_PROVIDERS = ["postmark", "mailgun", "nosuch"]
    settings.ANYMAIL = {}
    assert [w.id for w in delivery_report_providers_check()] == ["events.W001"] * 3
    settings.ANYMAIL = {"WEBHOOK_SECRET": [BASIC], "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}
    settings.CANDOR_DELIVERY_REPORT_PROVIDERS = ["postmark", "mailgun"]
    assert delivery_report_providers_check() == []


def test_a_bounce_report_settles_an_unknown_letter_as_failed_bounced(mailoutbox):
    from outbox.services import delivery_report_record

    letter = sent_letter(mailoutbox)
    FeedbackLetter.objects.filter(pk=letter.pk).update(status=Status.UNKNOWN)
    report = delivery_report_record(
        provider="mailgun",
        event="bounced",
        message_id=letter.message_id.strip("<>"),
        recipient="x@example.com",
    )
    assert (report.kind, report.row_id) == ("letter", letter.pk)
    letter.refresh_from_db()
    assert letter.status == Status.FAILED and letter.last_error == BOUNCED
    # A report for a message Candor did not send is kept without a row and changes nothing.
    stray = delivery_report_record(
        provider="mailgun", event="delivered", message_id="<someone.else@example.org>"
    )
    assert stray.kind == "" and stray.row_id is None
