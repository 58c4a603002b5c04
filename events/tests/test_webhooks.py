"""Events out: domain events become signed webhook deliveries, sent exactly once through the outbox."""

import json
import time

import pytest
from django.urls import reverse

from core.audit import audit_for
from core.models import AuditEvent
from events.delivery import webhook_body
from events.models import WebhookDelivery
from events.services import WebhookStateError, webhook_delivery_resend
from events.signing import SIGNATURE_HEADER, sign, verify
from feedback.models import FeedbackLetter
from feedback.tests.conftest import make_letters
from outbox.models import DeliveryStatus
from outbox.services import (
    Outcome,
    TemporaryDeliveryError,
    deliveries_recover,
    deliveries_send_chunk,
    delivery_send,
)

pytestmark = pytest.mark.django_db


def send_webhooks(**kwargs) -> dict:
    """Send every due delivery now, as the worker would (one chunk); returns outcomes by pk."""
    pks = list(WebhookDelivery.objects.filter(status=DeliveryStatus.SCHEDULED).values_list("pk", flat=True))
    return deliveries_send_chunk(kind="webhook", pks=pks, **kwargs) if pks else {}


def test_a_sent_letter_makes_one_signed_delivery_the_receiver_gets_once(subscription, receiver, mailoutbox):
    (letter,) = make_letters(1)
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SENT
    (row,) = WebhookDelivery.objects.all()
    assert (row.event, row.subscription, row.status) == (
        "letter.sent",
        subscription,
        DeliveryStatus.SCHEDULED,
    )
    assert row.payload["public_id"] == str(letter.public_id) and row.payload["kind"] == "letter"

    assert send_webhooks() == {row.pk: Outcome.SENT}
    assert receiver.count() == 1 and receiver.all_valid()
    (got,) = receiver.requests
    assert got["headers"]["Candor-Event-Id"] == str(row.event_id)
    assert got["headers"]["Candor-Event"] == "letter.sent"
    body = json.loads(got["body"])
    assert body["type"] == "letter.sent" and body["id"] == str(row.event_id)
    assert body["data"]["status"] == "sent" and body["data"]["id"] == letter.pk
    # No personal data: neither the candidate's name nor address nor the letter's text.
    candidate = letter.application.candidate
    assert candidate.email not in got["body"].decode() and candidate.name not in got["body"].decode()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_code) == (DeliveryStatus.SENT, 1, 200)
    # A second run finds it sent: nothing more arrives.
    assert delivery_send(kind="webhook", pk=row.pk) == Outcome.SKIPPED
    assert receiver.by_event_id() == {str(row.event_id): 1}


def test_only_subscriptions_that_chose_the_event_get_it_and_paused_ones_are_skipped(
    hr_user, receiver, mailoutbox
):
    from events.services import subscription_create, subscription_update

    wants = subscription_create(by=hr_user, name="Wants", url=receiver.url, events=["letter.sent"])
    subscription_create(by=hr_user, name="Other", url=receiver.url, events=["candidate.erased"])
    letters = make_letters(2)
    assert set(deliveries_send_chunk(kind="letter", pks=[lt.pk for lt in letters]).values()) == {Outcome.SENT}
    rows = list(WebhookDelivery.objects.all())
    assert {r.subscription_id for r in rows} == {wants.pk} and len(rows) == 2
    assert len({r.event_id for r in rows}) == 2  # one event id per event
    subscription_update(
        subscription=wants, by=hr_user, name="Wants", url=receiver.url, events=["letter.sent"], active=False
    )
    assert set(send_webhooks().values()) == {Outcome.CANCELLED}
    assert receiver.count() == 0
    assert (
        WebhookDelivery.objects.filter(status=DeliveryStatus.CANCELLED, last_error__contains="paused").count()
        == 2
    )


def test_a_rolled_back_change_makes_no_delivery(subscription):
    from django.db import transaction

    from core.events import emit_event

    with pytest.raises(RuntimeError), transaction.atomic():
        emit_event("candidate.erased", {"candidate_id": 1, "erased_at": "2026-01-01T00:00:00+00:00"})
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError
    assert WebhookDelivery.objects.count() == 0


def _one_delivery(subscription):
    from core.events import emit_event

    emit_event("candidate.erased", {"candidate_id": 7, "erased_at": "2026-01-01T00:00:00+00:00"})
    return WebhookDelivery.objects.get()


def test_5xx_and_429_are_retried_with_the_same_body_then_sent(subscription, receiver, settings):
    settings.CANDOR_SEND_MAX_RETRIES = 5
    row = _one_delivery(subscription)
    receiver.answer_next(503, 429)
    with pytest.raises(TemporaryDeliveryError):
        delivery_send(kind="webhook", pk=row.pk)
    row.refresh_from_db()
    assert (row.status, row.response_code, row.attempts) == (DeliveryStatus.SCHEDULED, 503, 1)
    assert "503" in row.last_error
    row_due = WebhookDelivery.objects.filter(pk=row.pk)
    row_due.update(claimed_until=None)
    with pytest.raises(TemporaryDeliveryError):
        delivery_send(kind="webhook", pk=row.pk)
    assert delivery_send(kind="webhook", pk=row.pk) == Outcome.SENT
    bodies = [r["body"] for r in receiver.requests]
    assert len(bodies) == 3 and len(set(bodies)) == 1  # built once: the same bytes every try
    assert receiver.all_valid()
    row.refresh_from_db()
    assert (row.status, row.response_code, row.attempts) == (DeliveryStatus.SENT, 200, 3)


def test_a_4xx_fails_at_once_and_hr_resends_it_audited(subscription, receiver, hr_user):
    row = _one_delivery(subscription)
    receiver.answer(410)
    assert delivery_send(kind="webhook", pk=row.pk) == Outcome.FAILED
    row.refresh_from_db()
    assert (row.status, row.response_code) == (DeliveryStatus.FAILED, 410)
    assert "410" in row.last_error
    receiver.answer(204)
    webhook_delivery_resend(delivery=row, by=hr_user)
    assert [e.verb for e in audit_for(row)] == ["webhook.resent"]
    # The recovery sweep claims it (webhooks have no sweep of their own) and it goes, same event id.
    assert deliveries_recover()["webhook"] == 1
    assert delivery_send(kind="webhook", pk=row.pk) == Outcome.SENT
    assert receiver.by_event_id() == {str(row.event_id): 2}
    with pytest.raises(WebhookStateError):
        webhook_delivery_resend(delivery=row, by=hr_user)


def test_an_answer_that_never_comes_after_the_body_is_unknown_and_never_resent_by_itself(
    subscription, receiver, hr_user, settings
):
    settings.CANDOR_WEBHOOK_TIMEOUT_SECONDS = 0.5
    row = _one_delivery(subscription)
    receiver.drop_after_body(1)
    assert delivery_send(kind="webhook", pk=row.pk) == Outcome.UNKNOWN
    row.refresh_from_db()
    assert row.status == DeliveryStatus.UNKNOWN and row.response_code is None
    assert delivery_send(kind="webhook", pk=row.pk) == Outcome.SKIPPED
    assert deliveries_recover()["webhook"] == 0
    assert receiver.count() == 1
    # HR must confirm before it goes again.
    with pytest.raises(WebhookStateError):
        webhook_delivery_resend(delivery=row, by=hr_user)
    receiver.hold_seconds = 2  # longer than the timeout: unknown again
    webhook_delivery_resend(delivery=row, by=hr_user, confirm_unknown=True)
    assert delivery_send(kind="webhook", pk=row.pk) == Outcome.UNKNOWN
    assert receiver.count() == 2
    assert len({r["body"] for r in receiver.requests}) == 1


def test_a_refused_connection_waits_and_a_delivery_to_nowhere_fails_after_the_window(subscription, settings):
    from events.models import WebhookSubscription

    settings.CANDOR_SEND_RETRY_HOURS = 0  # fail after the task's own retries
    settings.CANDOR_SEND_MAX_RETRIES = 0
    WebhookSubscription.objects.filter(pk=subscription.pk).update(url="http://127.0.0.1:9/hook")
    row = _one_delivery(subscription)
    outcome = delivery_send(kind="webhook", pk=row.pk, last_try=True)
    row.refresh_from_db()
    assert outcome == Outcome.FAILED and row.status == DeliveryStatus.FAILED
    assert "refused" in row.last_error.lower() or "reach" in row.last_error.lower()


def test_one_receiver_down_does_not_stop_the_others_in_a_chunk(hr_user, receiver, settings):
    from core.events import emit_events
    from events.services import subscription_create

    settings.CANDOR_SEND_MAX_RETRIES = 5
    subscription_create(by=hr_user, name="Down", url="http://127.0.0.1:9/hook", events=["candidate.erased"])
    up = subscription_create(by=hr_user, name="Up", url=receiver.url, events=["candidate.erased"])
    receiver.secret = up.secret
    emit_events("candidate.erased", [{"candidate_id": i, "erased_at": None} for i in range(3)])
    outcomes = send_webhooks()
    rows = {r.pk: r.subscription.name for r in WebhookDelivery.objects.select_related("subscription")}
    assert {pk: o for pk, o in outcomes.items() if rows[pk] == "Up"} == {
        pk: Outcome.SENT for pk, name in rows.items() if name == "Up"
    }
    assert receiver.count() == 3 and receiver.all_valid()


def test_signatures_verify_and_a_changed_body_or_old_timestamp_does_not():
    body = b'{"id":"x"}'
    now = int(time.time())
    header = sign("whsec_test", body, now)
    assert verify("whsec_test", header, body)
    assert not verify("whsec_test", header, body + b" ")
    assert not verify("whsec_other", header, body)
    assert not verify("whsec_test", sign("whsec_test", body, now - 3600), body)
    assert not verify("whsec_test", "garbage", body)


def test_each_try_is_signed_at_its_own_time_over_the_same_body(subscription, receiver, settings):
    settings.CANDOR_SEND_MAX_RETRIES = 5
    row = _one_delivery(subscription)
    receiver.answer_next(500)
    with pytest.raises(TemporaryDeliveryError):
        delivery_send(kind="webhook", pk=row.pk)
    assert delivery_send(kind="webhook", pk=row.pk) == Outcome.SENT
    first, second = receiver.requests
    assert first["body"] == second["body"] == webhook_body(row).encode()
    assert first["headers"][SIGNATURE_HEADER].startswith("t=") and receiver.all_valid()


def test_request_and_erasure_events_carry_ids_only(subscription, receiver, mailoutbox, hr_user):
    from feedback.privacy.services import candidate_erase
    from feedback.requests.services import request_create

    (letter,) = make_letters(1, status=FeedbackLetter.Status.SENT)
    candidate = letter.application.candidate
    request = request_create(letter=letter, question="Could you say more about the rate limiter, please?")
    candidate_erase(candidate=candidate, by=hr_user, reason="Asked by the candidate")
    events = dict(WebhookDelivery.objects.values_list("event", "payload"))
    assert events["request.created"]["request_id"] == request.pk
    assert events["request.created"]["letter_public_id"] == str(letter.public_id)
    assert events["candidate.erased"]["candidate_id"] == candidate.pk
    dumped = json.dumps(list(events.values()))
    assert "rate limiter" not in dumped and "@" not in dumped


# -- the pages -------------------------------------------------------------------------------


def test_hr_adds_edits_rotates_and_deletes_a_webhook_audited(client, hr_user, receiver):
    client.force_login(hr_user)
    response = client.post(
        reverse("events:subscription_create"),
        {
            "name": "ATS sync",
            "url": receiver.url,
            "events": ["letter.sent", "letter.bounced"],
            "active": "on",
        },
    )
    assert response.status_code == 302
    from events.models import WebhookSubscription

    sub = WebhookSubscription.objects.get()
    page = client.get(reverse("events:subscription_detail", args=[sub.public_id])).content.decode()
    assert sub.secret in page and "Delivery log" in page
    old = sub.secret
    client.post(reverse("events:subscription_rotate", args=[sub.public_id]))
    sub.refresh_from_db()
    assert sub.secret != old
    response = client.post(
        reverse("events:subscription_edit", args=[sub.public_id]),
        {"name": "ATS sync", "url": receiver.url, "events": ["letter.failed"]},
    )
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.events == ["letter.failed"] and not sub.active
    client.post(reverse("events:subscription_delete", args=[sub.public_id]))
    assert not WebhookSubscription.objects.exists()
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="webhook.").order_by("pk").values_list("verb", "actor")
    )
    assert verbs == [
        ("webhook.subscribed", hr_user.pk),
        ("webhook.secret_rotated", hr_user.pk),
        ("webhook.changed", hr_user.pk),
        ("webhook.deleted", hr_user.pk),
    ]


def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(client, hr_user):
    from events.models import WebhookSubscription

    client.force_login(hr_user)
    for data in (
        {"name": "x", "url": "ftp://example.com/", "events": ["letter.sent"]},
        {"name": "x", "url": "https://example.com/", "events": ["no.such"]},
        {"name": "x\x00", "url": "https://example.com/", "events": ["letter.sent"]},
        {"name": "", "url": "", "events": []},
    ):
        response = client.post(reverse("events:subscription_create"), data)
        assert response.status_code == 200
        assert "invalid-feedback" in response.content.decode() or "is-invalid" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_the_delivery_log_shows_event_state_tries_and_answer(client, hr_user, subscription, receiver):
    row = _one_delivery(subscription)
    receiver.answer(400)
    delivery_send(kind="webhook", pk=row.pk)
    client.force_login(hr_user)
    page = client.get(reverse("events:subscription_detail", args=[subscription.public_id]) + "?status=failed")
    html = page.content.decode()
    assert "candidate.erased" in html and "400" in html and "Send again" in html and str(row.event_id) in html


def test_a_letter_that_fails_for_good_announces_letter_failed(subscription, mailoutbox):
    from outbox.models import Suppression
    from outbox.reports import suppression_add

    (letter,) = make_letters(1)
    suppression_add(address=letter.application.candidate.email, reason=Suppression.Reason.HARD_BOUNCE)
    assert delivery_send(kind="letter", pk=letter.pk) == Outcome.FAILED
    (row,) = WebhookDelivery.objects.all()
    assert row.event == "letter.failed" and row.payload["status"] == "failed"
    assert row.payload["public_id"] == str(letter.public_id) and len(mailoutbox) == 0


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://169.254.169.254/latest/meta-data/", "private or internal"),
        ("http://127.0.0.1:8000/hook", "private or internal"),
        ("http://10.1.2.3/hook", "private or internal"),
        ("http://[::1]/hook", "private or internal"),
        ("http://localhost:9000/hook", "own machine"),
        ("https://user:pass@hooks.example.com/x", "user name and password"),
    ],
)
def test_receiver_urls_into_candors_own_network_or_with_credentials_are_refused(settings, url, words):
    """Fresh eyes: the cloud metadata address was accepted and posted to, and credentials in the
    URL were shown to HR in clear and never used."""
    from events.forms import SubscriptionForm

    settings.CANDOR_WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    form = SubscriptionForm(data={"name": "ATS", "url": url, "events": ["letter.sent"], "active": "on"})
    assert not form.is_valid()
    assert words in " ".join(form.errors["url"])
    ok = SubscriptionForm(
        data={"name": "ATS", "url": "https://hooks.example.com/candor", "events": ["letter.sent"]}
    )
    assert ok.is_valid(), ok.errors
