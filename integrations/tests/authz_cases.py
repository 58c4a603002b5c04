"""Who may open each URL of the integrations app (tests/support/authz.py).

The receivers are open to anyone but need the vendor's signature: an unsigned POST gets 403,
whoever sends it. Connections, mappings and the inbox are HR's; every staff role has the list of
ATS rejections waiting for their own points."""

from django.urls import reverse

from tests.support.authz import FORBIDDEN, Case, everyone, hr_only, staff_only


def _connection(w):
    from integrations.models import AtsConnection

    connection, _ = AtsConnection.objects.get_or_create(
        vendor="greenhouse", defaults={"webhook_secret": "authz-secret-0123456789"}
    )
    return connection


def _mapping(w):
    from integrations.models import AtsMapping

    mapping, _ = AtsMapping.objects.get_or_create(
        connection=_connection(w), kind="job", external_id="authz-job", defaults={"job": w.job}
    )
    return mapping


def _event(w):
    from integrations.models import InboundEvent

    event, _ = InboundEvent.objects.get_or_create(
        vendor="greenhouse",
        event_id="authz-event",
        defaults={"connection": _connection(w), "payload": {"action": "ping"}, "state": "failed"},
    )
    if event.state != "failed":
        InboundEvent.objects.filter(pk=event.pk).update(state="failed")
    return event


CASES = {
    "integrations:webhook": Case(
        url=lambda w: (_connection(w), reverse("integrations:webhook", args=["greenhouse"]))[1],
        method="post",
        data={"action": "reject_candidate"},
        expect=everyone(FORBIDDEN),
    ),
    "integrations:home": Case(url=lambda w: reverse("integrations:home"), expect=hr_only()),
    "integrations:connection_edit": Case(
        url=lambda w: reverse("integrations:connection_edit", args=["lever"]), expect=hr_only()
    ),
    "integrations:mappings": Case(
        url=lambda w: (_connection(w), reverse("integrations:mappings", args=["greenhouse"]))[1],
        expect=hr_only(),
    ),
    "integrations:mapping_remove": Case(
        url=lambda w: reverse("integrations:mapping_remove", args=[_mapping(w).pk]),
        method="post",
        expect=hr_only(),
    ),
    "integrations:event_reprocess": Case(
        url=lambda w: reverse("integrations:event_reprocess", args=[_event(w).pk]),
        method="post",
        expect=hr_only(),
    ),
    "integrations:event_dismiss": Case(
        url=lambda w: reverse("integrations:event_dismiss", args=[_event(w).pk]),
        method="post",
        expect=hr_only(),
    ),
    "integrations:waiting_for_me": Case(
        url=lambda w: reverse("integrations:waiting_for_me"), expect=staff_only()
    ),
}
