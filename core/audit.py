from django.db import models

from core.models import AuditEvent


def audit_record(*, actor, verb: str, target: models.Model, reason: str = "", data=None) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        target_type=target._meta.label_lower,
        target_id=target.pk,
        reason=reason,
        data=data or {},
    )


def audit_for(target: models.Model):
    return AuditEvent.objects.filter(
        target_type=target._meta.label_lower, target_id=target.pk
    ).select_related("actor")
