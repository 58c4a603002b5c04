"""Who may open each URL of the events app (tests/support/authz.py).

Webhook pages: HR and Admins (events.selectors.can_manage_webhooks); everyone else 404.
The mail providers' report URLs: POST-only machine endpoints checked by anymail (basic auth,
signatures); with no provider configured (the test settings) they answer 404 to everyone.
"""

import uuid

from django.urls import reverse
from django.utils import timezone

from tests.support.authz import ADMIN, LOGIN, NOT_FOUND, OK, Case, everyone


def _managers() -> dict:
    return {
        "anonymous": LOGIN,
        "interviewer_other_job": NOT_FOUND,
        "interviewer_this_job": NOT_FOUND,
        "manager_other_job": NOT_FOUND,
        "manager_this_job": NOT_FOUND,
        "hr": OK,
        ADMIN: OK,
    }


def _subscription(w, fresh: bool = False):
    from events.models import WebhookSubscription

    if not fresh:
        existing = WebhookSubscription.objects.filter(name="Matrix").first()
        if existing:
            return existing
    return WebhookSubscription.objects.create(
        name="Matrix", url="https://receiver.example/hook", events=["letter.sent"]
    )


def _failed_delivery(w):
    from events.models import WebhookDelivery
    from outbox.models import DeliveryStatus

    now = timezone.now()
    return WebhookDelivery.objects.create(
        subscription=_subscription(w),
        event_id=uuid.uuid4(),
        event="letter.sent",
        payload={},
        occurred_at=now,
        send_after=now,
        status=DeliveryStatus.FAILED,
    )


_FORM = {
    "name": "Matrix hook",
    "url": "https://receiver.example/other",
    "events": ["letter.failed"],
    "active": "on",
}

CASES = {
    "events:subscription_list": Case(url=lambda w: reverse("events:subscription_list"), expect=_managers()),
    "events:subscription_create": Case(
        url=lambda w: reverse("events:subscription_create"), expect=_managers()
    ),
    "events:subscription_detail": Case(
        url=lambda w: reverse("events:subscription_detail", args=[_subscription(w).public_id]),
        expect=_managers(),
    ),
    "events:subscription_edit": Case(
        url=lambda w: reverse("events:subscription_edit", args=[_subscription(w).public_id]),
        method="post",
        data=_FORM,
        expect=_managers(),
    ),
    "events:subscription_rotate": Case(
        url=lambda w: reverse("events:subscription_rotate", args=[_subscription(w).public_id]),
        method="post",
        expect=_managers(),
    ),
    "events:subscription_delete": Case(
        url=lambda w: reverse("events:subscription_delete", args=[_subscription(w, fresh=True).public_id]),
        method="post",
        expect=_managers(),
    ),
    "events:delivery_resend": Case(
        url=lambda w: reverse("events:delivery_resend", args=[_failed_delivery(w).public_id]),
        method="post",
        expect=_managers(),
    ),
    "events:anymail_postmark_tracking": Case(
        url=lambda w: reverse("events:anymail_postmark_tracking"), method="post", expect=everyone(NOT_FOUND)
    ),
    "events:anymail_mailgun_tracking": Case(
        url=lambda w: reverse("events:anymail_mailgun_tracking"), method="post", expect=everyone(NOT_FOUND)
    ),
    "events:anymail_sendgrid_tracking": Case(
        url=lambda w: reverse("events:anymail_sendgrid_tracking"), method="post", expect=everyone(NOT_FOUND)
    ),
}
