"""Fixtures of the events tests: a receiver on localhost, a subscription to it, plain letters."""

import dataclasses

import pytest
from django.core.mail import EmailMessage

from events.delivery import webhooks_wanted_forget
from events.tests.receiver import WebhookReceiver
from outbox import services as delivery


def plain_letter(letter):
    """A letter as a plain message to the candidate (the engine, not the wording, is tested here)."""
    return EmailMessage(subject=letter.subject, body=letter.body, to=[letter.application.candidate.email])


@pytest.fixture(autouse=True)
def _plain_letters(monkeypatch):
    kind = dataclasses.replace(delivery.KINDS["letter"], builder="events.tests.conftest.plain_letter")
    monkeypatch.setitem(delivery.KINDS, "letter", kind)
    webhooks_wanted_forget()
    yield
    webhooks_wanted_forget()


@pytest.fixture
def receiver():
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def subscription(db, receiver, hr_user):
    from events.services import subscription_create

    sub = subscription_create(
        by=hr_user,
        name="Test receiver",
        url=receiver.url,
        events=[
            "letter.sent",
            "letter.failed",
            "letter.bounced",
            "reminder.sent",
            "request.created",
            "request.answered",
            "candidate.erased",
        ],
    )
    receiver.secret = sub.secret
    return sub
