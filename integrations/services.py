"""Writes of the integrations app: connections, mappings, the inbox of ATS events, processing a
rejection into Candor, and writing "feedback sent" back to the ATS.

Every Candor write goes through the owning app's services (``candidates.services``,
``hiring.services.*``, ``hiring.services.ats``) as the connection's HR user (``act_as``); this
module adds only its own rows. The HR pages and the Celery task call these functions; the
webhook receivers call ``inbound_event_receive`` and ``connection_bad_signature`` only.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from candidates.emails import normalise_email
from candidates.models import Candidate
from candidates.services import candidate_create
from core import roles
from core.audit import audit_record
from hiring import predicates
from hiring.models import Application, Criterion, Decision, Interview
from hiring.services.applications import application_open
from hiring.services.ats import application_stage_set_from_ats, scorecard_import
from hiring.services.errors import HiringError
from hiring.services.interviews import interview_assign
from integrations import vendors
from integrations.models import AtsConnection, AtsMapping, AtsRejection, InboundEvent, Vendor

logger = logging.getLogger("integrations")

MAX_ERROR = 2000
NEGATIVE = ("strong_no", "no")


class IntegrationError(Exception):
    """A refusal or a processing problem, written for HR. ``field``: the form field it belongs to."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class MappingMissing(IntegrationError):
    """Items of the event HR has not mapped yet; ``missing``: [{kind, external_id, external_name}]."""

    def __init__(self, missing: list[dict]):
        names = ", ".join(
            f"{m['kind']} {m['external_id']}" + (f" ({m['external_name']})" if m.get("external_name") else "")
            for m in missing
        )
        super().__init__(f"Map these first, then process it again: {names}.")
        self.missing = missing


def _require_hr(by, what: str) -> None:
    if by is None or not roles.is_hr(by):
        raise IntegrationError(f"Only HR can {what}.")


# --- Connections and mappings -------------------------------------------------------------------


def connection_for(vendor: str) -> AtsConnection | None:
    """The vendor's connection, or None (never raises)."""
    return AtsConnection.objects.filter(vendor=vendor).select_related("act_as").first()


@transaction.atomic
def connection_save(
    *,
    vendor: str,
    by,
    enabled: bool,
    act_as,
    api_base_url: str = "",
    notes_as_user_id: str = "",
    webhook_secret: str | None = None,
    api_key: str | None = None,
) -> AtsConnection:
    """Create or change the vendor's connection. ``webhook_secret`` / ``api_key``: a new value, or
    None (or "") to keep the stored one. ``act_as``: an HR user Candor's writes are recorded as.
    Audits ``ats_connection.save`` with the names of the changed fields (never the values).
    Raises IntegrationError; ValidationError for a field's value."""
    _require_hr(by, "connect an ATS")
    if vendor not in Vendor.values:
        raise IntegrationError("Unknown ATS.")
    if act_as is not None and not roles.is_hr(act_as):
        raise IntegrationError("Choose a user with the HR role.", field="act_as")
    connection, _ = AtsConnection.objects.select_for_update().get_or_create(vendor=vendor)
    changes = {
        "enabled": bool(enabled),
        "act_as": act_as,
        "api_base_url": (api_base_url or "").strip(),
        "notes_as_user_id": (notes_as_user_id or "").strip(),
    }
    if webhook_secret:
        changes["webhook_secret"] = webhook_secret.strip()
    if api_key:
        changes["api_key"] = api_key.strip()
    changed = sorted(name for name, value in changes.items() if getattr(connection, name) != value)
    for name, value in changes.items():
        setattr(connection, name, value)
    connection.full_clean()
    connection.save()
    if changed:
        audit_record(actor=by, verb="ats_connection.save", target=connection, data={"fields": changed})
    return connection


def _target_ok(kind: str, target) -> bool:
    from django.contrib.auth import get_user_model

    from hiring.models import Job, Stage

    expected = {
        AtsMapping.Kind.JOB: Job,
        AtsMapping.Kind.STAGE: Stage,
        AtsMapping.Kind.USER: get_user_model(),
    }
    return isinstance(target, expected.get(kind, ()))


@transaction.atomic
def mapping_save(
    *, connection: AtsConnection, by, kind: str, external_id: str, target, external_name: str = ""
) -> AtsMapping:
    """Map one ATS job, stage or user (``external_id``) to a Candor Job, Stage or user (``target``).

    Mapping the same ATS id again replaces its target. A user must be able to interview
    (Interviewer or Hiring manager role) to decide or have a scorecard recorded. Audited
    ``ats_mapping.save``. Raises IntegrationError (``field`` names the form field)."""
    _require_hr(by, "map ATS items")
    external_id = (external_id or "").strip()
    if not external_id:
        raise IntegrationError("Give the id the ATS uses.", field="external_id")
    if kind not in AtsMapping.Kind.values:
        raise IntegrationError("Choose job, stage or user.", field="kind")
    if target is None or not _target_ok(kind, target):
        raise IntegrationError(f"Choose the Candor {kind} it stands for.", field=kind)
    if kind == AtsMapping.Kind.USER and not predicates.can_interview(target):
        raise IntegrationError(
            "Choose someone with the Interviewer or Hiring manager role: only they can decide.", field="user"
        )
    mapping = AtsMapping.objects.filter(connection=connection, kind=kind, external_id=external_id).first()
    mapping = mapping or AtsMapping(connection=connection, kind=kind, external_id=external_id)
    mapping.external_name = (external_name or "").strip()[:200] or mapping.external_name
    mapping.job = target if kind == AtsMapping.Kind.JOB else None
    mapping.stage = target if kind == AtsMapping.Kind.STAGE else None
    mapping.user = target if kind == AtsMapping.Kind.USER else None
    mapping.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            mapping.save()
    except IntegrityError as exc:
        raise IntegrationError("Someone mapped this ATS id at the same moment; reload the page.") from exc
    audit_record(actor=by, verb="ats_mapping.save", target=mapping, data={"kind": kind})
    return mapping


@transaction.atomic
def mapping_remove(*, mapping: AtsMapping, by) -> None:
    """Remove one mapping (events already processed keep what they created). Audited."""
    _require_hr(by, "map ATS items")
    audit_record(actor=by, verb="ats_mapping.remove", target=mapping.connection, data={"kind": mapping.kind})
    mapping.delete()


# --- The inbox ----------------------------------------------------------------------------------


def connection_bad_signature(*, connection: AtsConnection, reason: str) -> None:
    """Count a delivery whose signature was refused, and log it without anything from the body.

    ``reason``: ``vendors.SignatureRefused.reason`` (no personal data). One UPDATE; nothing else
    is stored."""
    AtsConnection.objects.filter(pk=connection.pk).update(
        bad_signatures=F("bad_signatures") + 1, last_bad_signature_at=timezone.now()
    )
    logger.warning("ATS webhook refused: vendor=%s reason=%s", connection.vendor, reason)


def inbound_event_receive(
    *, connection: AtsConnection, event_id: str, event_type: str, payload: dict
) -> tuple[InboundEvent, bool]:
    """Store a verified event in the inbox and queue its processing after commit.

    Returns (event, created). An event whose ``(vendor, event_id)`` is stored already (a replay)
    changes nothing and returns (the stored event, False)."""
    existing = InboundEvent.objects.filter(vendor=connection.vendor, event_id=event_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            event = InboundEvent.objects.create(
                connection=connection,
                vendor=connection.vendor,
                event_id=event_id,
                event_type=event_type,
                payload=payload,
            )
            transaction.on_commit(lambda: queue_processing(event.pk))
    except IntegrityError:  # the same event delivered twice at the same moment
        return InboundEvent.objects.get(vendor=connection.vendor, event_id=event_id), False
    return event, True


def queue_processing(event_pk: int) -> None:
    """Hand the event to a worker. A broker that is down loses nothing: the event waits in the
    inbox as "Received" and HR processes it again from the integrations page."""
    from celery import current_app

    try:
        # By name: tasks import services, never the reverse (docs/architecture.md).
        current_app.send_task("integrations.tasks.inbound_event_process_task", args=[event_pk])
    except Exception:  # noqa: BLE001 - any broker failure; the row is the record
        logger.exception("ATS event %s could not be queued; it waits in the inbox", event_pk)


def inbound_events_requeue_stale(*, older_than_seconds: int = 300, limit: int = 500) -> int:
    """Queue again the events still "Received" ``older_than_seconds`` after they arrived (their task
    was lost: the broker was down or emptied). Returns how many were queued. A duplicate task is
    harmless: processing locks the event and skips it once processed."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    pks = list(
        InboundEvent.objects.filter(state=InboundEvent.State.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in pks:
        queue_processing(pk)
    return len(pks)


@transaction.atomic
def event_reprocess(*, event: InboundEvent, by) -> InboundEvent:
    """Process an event again (after HR mapped what it needed, or fixed the connection).

    Only events not processed yet (received, needs mapping, failed); refused otherwise. Audited."""
    _require_hr(by, "process ATS events")
    event = InboundEvent.objects.select_for_update().get(pk=event.pk)
    if event.state in (InboundEvent.State.DONE, InboundEvent.State.IGNORED):
        raise IntegrationError("This event was processed already: processing it again would change nothing.")
    event.state = InboundEvent.State.RECEIVED
    event.save(update_fields=["state"])
    audit_record(actor=by, verb="ats_event.reprocess", target=event)
    pk = event.pk
    transaction.on_commit(lambda: queue_processing(pk))
    return event


@transaction.atomic
def event_dismiss(*, event: InboundEvent, by) -> InboundEvent:
    """Put aside an event that needs mapping or failed and will not be processed (for example a
    test delivery, or a candidate without an email address): it leaves HR's list, is kept in the
    inbox as "Dismissed by HR", and can still be processed again. Audited. Raises
    IntegrationError for an event already processed."""
    _require_hr(by, "dismiss ATS events")
    event = InboundEvent.objects.select_for_update().get(pk=event.pk)
    if event.state not in (InboundEvent.State.NEEDS_MAPPING, InboundEvent.State.FAILED):
        raise IntegrationError("Only an event that needs mapping or failed can be dismissed.")
    event.state = InboundEvent.State.DISMISSED
    event.save(update_fields=["state"])
    audit_record(actor=by, verb="ats_event.dismiss", target=event)
    return event


def _finish(
    event: InboundEvent, state: str, *, error: str = "", notes: str = "", missing=None, application=None
):
    """Record the outcome. A processed event (done, nothing to do) keeps its payload without the
    candidate's details: the candidate record holds them, and erasure reaches them there."""
    if state in (InboundEvent.State.DONE, InboundEvent.State.IGNORED):
        event.payload = vendors.without_candidate_details(event.vendor, event.payload)
    event.state = state
    event.error = error[:MAX_ERROR]
    event.notes = notes[:MAX_ERROR]
    event.missing = missing or []
    event.processed_at = timezone.now()
    if application is not None:
        event.application = application
    event.save(update_fields=["state", "error", "notes", "missing", "processed_at", "application", "payload"])


PENDING = (InboundEvent.State.RECEIVED, InboundEvent.State.NEEDS_MAPPING, InboundEvent.State.FAILED)


def inbound_event_process(*, event_pk: int) -> str:
    """Process one inbox event; returns its new state. Safe to run twice: a processed event is left
    as it is, and a rejection already recorded for the ATS application changes nothing.

    Vendor API calls (Lever's opportunity, scorecards) happen before the transaction, so no row
    is locked while the vendor answers. What is written: the candidate (found by email, else
    added), the application (the open one for that job, else opened at the job's first stage),
    its stage as in the ATS, the decider and scorecard authors on that stage's panel, the
    imported scorecards, and the ``AtsRejection`` waiting for the decider's points. Anything
    unmapped leaves the event "needs mapping" and writes nothing.
    """
    event = InboundEvent.objects.select_related("connection").filter(pk=event_pk).first()
    if event is None or event.state not in PENDING:
        return event.state if event else "missing"
    connection = event.connection
    rejection, why = vendors.rejection_in(event.vendor, event.payload)
    with transaction.atomic():
        locked = InboundEvent.objects.select_for_update().get(pk=event.pk)
        if locked.state not in PENDING:
            return locked.state
        locked.attempts = F("attempts") + 1
        locked.save(update_fields=["attempts"])
        if rejection is None:
            _finish(locked, InboundEvent.State.IGNORED, notes=why)
            return locked.state
        if not rejection.application_id:
            _finish(locked, InboundEvent.State.FAILED, error="The event names no application.")
            return locked.state
        known = AtsRejection.objects.filter(
            connection=connection, external_application_id=rejection.application_id
        ).first()
        if known is not None:
            _finish(
                locked,
                InboundEvent.State.DONE,
                notes="This rejection was recorded already; nothing changed.",
                application=known.application,
            )
            return locked.state
    cards, fetch_note = [], ""
    try:
        client = vendors.Client(connection)
        if connection.vendor == Vendor.LEVER:
            client.lever_rejection(rejection)
        if connection.api_key:
            cards = client.scorecards(rejection)
        else:
            fetch_note = "No API key: scorecards were not fetched."
    except vendors.VendorApiError as exc:
        with transaction.atomic():
            locked = InboundEvent.objects.select_for_update().get(pk=event.pk)
            if locked.state in PENDING:
                _finish(locked, InboundEvent.State.FAILED, error=f"{exc} Process it again when it answers.")
        return InboundEvent.State.FAILED
    with transaction.atomic():
        locked = InboundEvent.objects.select_for_update().get(pk=event.pk)
        if locked.state not in PENDING:
            return locked.state
        known = AtsRejection.objects.filter(
            connection=connection, external_application_id=rejection.application_id
        ).first()
        if known is not None:  # another event about it was processed while the vendor answered
            _finish(
                locked,
                InboundEvent.State.DONE,
                notes="This rejection was recorded already; nothing changed.",
                application=known.application,
            )
            return locked.state
        try:
            with transaction.atomic():
                application, notes = _record_rejection(connection, locked, rejection, cards)
        except IntegrityError:
            # Another event about the same ATS application was recorded meanwhile.
            known = AtsRejection.objects.filter(
                connection=connection, external_application_id=rejection.application_id
            ).first()
            _finish(
                locked,
                InboundEvent.State.DONE if known else InboundEvent.State.FAILED,
                notes="This rejection was recorded already; nothing changed." if known else "",
                error="" if known else "Recorded at the same moment by another event; process it again.",
                application=known.application if known else None,
            )
        except MappingMissing as exc:
            _finish(locked, InboundEvent.State.NEEDS_MAPPING, error=exc.message, missing=exc.missing)
        except IntegrationError as exc:
            _finish(locked, InboundEvent.State.FAILED, error=exc.message)
        except HiringError as exc:
            _finish(locked, InboundEvent.State.FAILED, error=exc.message)
        except ValidationError as exc:
            _finish(locked, InboundEvent.State.FAILED, error="; ".join(exc.messages))
        else:
            _finish(
                locked,
                InboundEvent.State.DONE,
                notes=" ".join(n for n in (fetch_note, *notes) if n),
                application=application,
            )
        return locked.state


def _maps(connection) -> dict:
    return {
        (m.kind, m.external_id): m
        for m in AtsMapping.objects.filter(connection=connection).select_related("job", "stage", "user")
    }


def _decider(rejection, cards, maps, job, missing) -> object | None:
    """Who gives the feedback: the author of the latest negative scorecard at the rejection stage;
    without one, the Candor job's hiring manager. None when the author is unmapped (``missing``
    then says so) or nobody can decide."""
    negative = sorted(
        (c for c in cards if c.at_stage and c.recommendation in NEGATIVE and c.user_id),
        key=lambda c: (c.submitted_at is not None, c.submitted_at or timezone.now()),
        reverse=True,
    )
    if negative:
        card = negative[0]
        mapping = maps.get((AtsMapping.Kind.USER, card.user_id))
        if mapping is None:
            missing.append({"kind": "user", "external_id": card.user_id, "external_name": card.user_name})
            return None
        return mapping.user
    return job.hiring_manager if job is not None else None


def _panel(application, stage, user, by, vendor_name) -> Interview:
    existing = Interview.objects.filter(application=application, stage=stage, interviewer=user).first()
    if existing is not None:
        return existing
    return interview_assign(
        application=application,
        stage=stage,
        interviewer=user,
        by=by,
        override_reason=f"On the panel in {vendor_name}: recorded as it happened there.",
    )


def _record_rejection(connection, event, rejection, cards) -> tuple[Application, list[str]]:
    by = connection.act_as
    vendor_name = connection.get_vendor_display()
    if by is None or not by.is_active or not roles.is_hr(by):
        raise IntegrationError(
            f"The {vendor_name} connection has no active HR user to act as: "
            "choose one on its connection page."
        )
    maps = _maps(connection)
    missing: list[dict] = []
    job_map = maps.get((AtsMapping.Kind.JOB, rejection.job_id))
    stage_map = maps.get((AtsMapping.Kind.STAGE, rejection.stage_id))
    if not rejection.job_id:
        raise IntegrationError(
            "The ATS names no job for this application (a prospect?): nothing to give feedback on."
        )
    if job_map is None:
        missing.append({"kind": "job", "external_id": rejection.job_id, "external_name": rejection.job_name})
    if stage_map is None:
        missing.append(
            {"kind": "stage", "external_id": rejection.stage_id, "external_name": rejection.stage_name}
        )
    job = job_map.job if job_map else None
    decider = _decider(rejection, cards, maps, job, missing)
    if missing:
        raise MappingMissing(missing)
    stage = stage_map.stage
    if stage.job_id != job.pk:
        raise IntegrationError(
            f"ATS stage {rejection.stage_id} is mapped to “{stage.name}” of another job than “{job.title}”."
        )
    if decider is None:
        raise IntegrationError(
            f"Nobody can give the feedback: no negative scorecard at this stage, and “{job.title}” has no "
            "hiring manager. Give the job a hiring manager, then process it again."
        )
    if not predicates.can_interview(decider) and job.hiring_manager_id != decider.pk:
        raise IntegrationError("The decider needs the Interviewer or Hiring manager role in Candor.")
    email = rejection.candidate_email
    if not email:
        raise IntegrationError("The ATS sent no email address for the candidate.")
    candidate = Candidate.objects.filter(email_key=normalise_email(email)).first()
    if candidate is None:
        candidate = candidate_create(
            by=by, name=rejection.candidate_name or email, email=email, source=connection.vendor
        )
    elif candidate.erased:
        raise IntegrationError("This candidate's data was erased in Candor: nothing is recorded about them.")
    application = Application.objects.filter(
        candidate=candidate, job=job, status=Application.Status.ACTIVE
    ).first()
    if application is None:
        application = application_open(
            candidate=candidate,
            job=job,
            by=by,
            source=Application.Source.IMPORT,
            override_reason=f"Rejected in {vendor_name}: recorded so the decider can give feedback.",
        )
    if AtsRejection.objects.filter(application=application).exists():
        raise IntegrationError("This Candor application already waits for feedback on another ATS rejection.")
    application = application_stage_set_from_ats(
        application=application, stage=stage, by=by, source=connection.vendor
    )
    if not predicates.can_decide(decider, application):
        _panel(application, stage, decider, by, vendor_name)
    notes = _import_cards(connection, application, stage, cards, maps, by)
    AtsRejection.objects.create(
        connection=connection,
        external_application_id=rejection.application_id,
        external_candidate_id=rejection.candidate_id,
        application=application,
        stage=stage,
        decider=decider,
        event=event,
    )
    audit_record(
        actor=by,
        verb="ats_rejection.record",
        target=application,
        data={"source": connection.vendor, "decider": decider.pk},
    )
    return application, notes


def _import_cards(connection, application, stage, cards, maps, by) -> list[str]:
    criteria = {c.name.casefold(): c for c in Criterion.objects.filter(stage=stage)}
    imported = unmapped = earlier = incomplete = 0
    for card in cards:
        if not card.at_stage:
            earlier += 1
            continue
        mapping = maps.get((AtsMapping.Kind.USER, card.user_id))
        if mapping is None or not predicates.can_interview(mapping.user):
            unmapped += 1
            continue
        if not card.recommendation:
            incomplete += 1
            continue
        interview = _panel(application, stage, mapping.user, by, connection.get_vendor_display())
        ratings = [
            {"criterion": criteria[name.casefold()], "score": score, "evidence": evidence}
            for name, score, evidence in card.ratings
            if name.casefold() in criteria
        ]
        unmatched = [
            f"{name}: {evidence}"
            for name, score, evidence in card.ratings
            if name.casefold() not in criteria and evidence
        ]
        summary = "\n".join(part for part in (card.summary, *unmatched) if part)
        if scorecard_import(
            interview=interview,
            by=by,
            source=connection.vendor,
            recommendation=card.recommendation,
            ratings=ratings,
            summary=summary,
            submitted_at=card.submitted_at,
        ):
            imported += 1
    notes = [f"{imported} scorecard(s) imported."]
    if unmapped:
        notes.append(f"{unmapped} by ATS users not mapped to an interviewer were left out.")
    if earlier:
        notes.append(f"{earlier} from earlier stages were left out.")
    if incomplete:
        notes.append(f"{incomplete} without an overall recommendation were left out.")
    return notes


# --- After the decision -------------------------------------------------------------------------


def ats_rejection_on_no_hire(*, decision: Decision) -> None:
    """hiring's no-hire handler (registered in ``IntegrationsConfig.ready()``): the decider has given
    their points, so the ATS rejection of that application is decided. One UPDATE, in the
    decision's transaction; nothing for applications that did not come from an ATS."""
    AtsRejection.objects.filter(
        application_id=decision.application_id, state=AtsRejection.State.AWAITING_POINTS
    ).update(state=AtsRejection.State.DECIDED, decision=decision)


def write_back_feedback_sent(application: Application) -> bool:
    """Tell the ATS that the candidate's feedback letter went out: a note on the candidate
    (Greenhouse activity feed, private to the hiring team; Lever opportunity note; Ashby
    candidate note). For the events app to call once a letter is sent.

    Returns True when a note was written now; False when the application did not come from an
    ATS, or its note was written already (idempotent: the row is locked while the vendor
    answers, so two calls write one note). Raises ``vendors.VendorApiError`` when the vendor
    refuses or cannot be reached (the caller may retry later); nothing is marked then.
    """
    with transaction.atomic():
        rejection = (
            AtsRejection.objects.select_for_update()
            .select_related("connection")
            .filter(application_id=application.pk)
            .first()
        )
        if rejection is None or rejection.state == AtsRejection.State.FEEDBACK_SENT:
            return False
        now = timezone.now()
        vendors.Client(rejection.connection).note_feedback_sent(
            application_id=rejection.external_application_id,
            candidate_id=rejection.external_candidate_id,
            text=f"Candor: feedback sent. The candidate's feedback letter went out on {now:%d %b %Y}.",
        )
        rejection.state = AtsRejection.State.FEEDBACK_SENT
        rejection.feedback_sent_at = now
        rejection.save(update_fields=["state", "feedback_sent_at"])
        audit_record(
            actor=None,
            verb="ats_rejection.feedback_sent",
            target=rejection,
            data={"source": rejection.connection.vendor},
        )
    return True
