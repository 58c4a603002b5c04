"""Reads of the integrations pages."""

from django.db.models import Count, F

from hiring.models import Application
from integrations.models import AtsConnection, AtsMapping, AtsRejection, InboundEvent, Vendor

ATTENTION = (InboundEvent.State.NEEDS_MAPPING, InboundEvent.State.FAILED, InboundEvent.State.RECEIVED)


def connections_overview() -> list[dict]:
    """One row per vendor: its connection (or None) and how many of its events need HR."""
    connections = {c.vendor: c for c in AtsConnection.objects.select_related("act_as")}
    counts = dict(
        InboundEvent.objects.filter(state__in=ATTENTION)
        .values_list("vendor")
        .annotate(n=Count("id"))
        .values_list("vendor", "n")
    )
    return [
        {
            "vendor": value,
            "label": label,
            "connection": connections.get(value),
            "attention": counts.get(value, 0),
        }
        for value, label in Vendor.choices
    ]


def events_needing_attention(limit: int = 100):
    return (
        InboundEvent.objects.filter(state__in=ATTENTION)
        .select_related("connection")
        .order_by("received_at", "id")[:limit]
    )


def recent_events(limit: int = 30):
    return InboundEvent.objects.exclude(state__in=ATTENTION).select_related("application")[:limit]


def mappings_of(connection: AtsConnection):
    return AtsMapping.objects.filter(connection=connection).select_related("job", "stage__job", "user")


def unmapped_items(connection: AtsConnection) -> list[dict]:
    """What waiting events need mapped for this connection, once each, and not mapped since."""
    mapped = set(AtsMapping.objects.filter(connection=connection).values_list("kind", "external_id"))
    seen, items = set(), []
    for missing in InboundEvent.objects.filter(
        connection=connection, state=InboundEvent.State.NEEDS_MAPPING
    ).values_list("missing", flat=True):
        for item in missing or []:
            key = (item.get("kind"), item.get("external_id"))
            if key not in seen and key not in mapped:
                seen.add(key)
                items.append(item)
    return items


def rejections_waiting_for(user):
    """ATS rejections whose decider is ``user`` and whose application still waits for a decision."""
    return (
        AtsRejection.objects.filter(
            decider=user,
            state=AtsRejection.State.AWAITING_POINTS,
            application__status=Application.Status.ACTIVE,
        )
        .filter(application__current_stage=F("stage"))
        .select_related("application__candidate", "application__job", "stage", "connection")
    )


def rejections_waiting(limit: int = 100):
    """Every ATS rejection still waiting for its decider, oldest first (HR's view)."""
    return (
        AtsRejection.objects.filter(
            state=AtsRejection.State.AWAITING_POINTS, application__status=Application.Status.ACTIVE
        )
        .select_related("application__candidate", "application__job", "stage", "decider", "connection")
        .order_by("created_at", "id")[:limit]
    )
