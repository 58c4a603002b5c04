"""Feedback letter services: draft, edit, check, approve and schedule, cancel, retry.

Statuses: a no-hire drafts a letter (``draft``); HR saves edits (``in_review``);
approval schedules it (``scheduled`` with ``send_after``); the sending sweep
takes it from there (``sending`` → ``sent`` or ``failed``). Cancelling puts a
scheduled letter back in review; retrying puts a failed one back in the queue.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.audit import audit_record
from core.dates import add_business_days, end_of_local_day, next_business_morning, org_tz
from core.models import AuditEvent
from feedback.letters import placeholders
from feedback.letters.progress import application_progress, human_date, reapply_on
from feedback.models import FeedbackLetter, LetterTemplate
from feedback.quality import rules as quality
from hiring.models import Decision, FeedbackPoint
from outbox.services import DeliveryStateError, delivery_message_id, delivery_retry


class LetterStateError(Exception):
    """The letter is not in a state that allows this action."""


class LetterFindingsError(Exception):
    """Approval refused: the quality check found problems and no override reason was given."""

    def __init__(self, findings: "LetterFindings"):
        self.findings = findings
        count = len(findings)
        super().__init__(
            f"The quality check found {count} problem{'s' if count != 1 else ''}. "
            "Fix the letter, or approve it with a written reason for overriding the check."
        )


# --- Findings ---------------------------------------------------------------

POINT_CATEGORIES = ("no_observation", "no_suggestion")
CATEGORY_LABELS = {
    "boilerplate": "Boilerplate",
    "personal_attribute": "Personal attribute",
    "no_observation": "No observation",
    "no_suggestion": "No suggestion",
}


@dataclass(frozen=True)
class PointFinding:
    point: FeedbackPoint
    finding: quality.Finding


@dataclass
class LetterFindings:
    subject: list = field(default_factory=list)
    body: list = field(default_factory=list)
    points: list = field(default_factory=list)  # PointFinding

    def __len__(self) -> int:
        return len(self.subject) + len(self.body) + len(self.points)

    def __bool__(self) -> bool:
        return len(self) > 0

    def listing(self) -> list[dict]:
        """Every finding with where it is, for pages: subject, letter, or a point of the decision."""
        rows = [{"where": "Subject", "finding": f} for f in self.subject]
        rows += [{"where": "Letter", "finding": f} for f in self.body]
        rows += [{"where": f"Point on {p.point.criterion.name}", "finding": p.finding} for p in self.points]
        for row in rows:
            row["label"] = CATEGORY_LABELS.get(row["finding"].category, row["finding"].category)
        return rows

    def categories(self) -> list[str]:
        found = [f.category for f in self.subject + self.body] + [p.finding.category for p in self.points]
        return sorted(set(found))


class TextChecker:
    """The check used for letters: built-in phrases plus HR's own (the Phrase table).

    Loads HR's phrases once (one query), so that checking many letters costs no
    query per letter. ``fingerprint`` names the rule set: a stored findings count
    is current when it was checked with the same fingerprint.
    """

    def __init__(self):
        self.rules = quality.rules_from_db()
        digest = hashlib.sha256(
            "\n".join(f"{rule.name}\t{rule.category}\t{rule.pattern}" for rule in self.rules).encode()
        ).hexdigest()[:32]
        self.fingerprint = f"{quality.phrases_version()}:{digest}"[:80]

    def __call__(self, text: str) -> list:
        return quality.check_text(text, extra_rules=self.rules)


def text_checker() -> TextChecker:
    return TextChecker()


def text_findings(*, subject: str, body: str, check: Callable[[str], list] | None = None):
    check = check or text_checker()
    return check(subject), check(body)


def point_findings(points: Iterable[FeedbackPoint]) -> list[PointFinding]:
    found = []
    for point in points:
        result = quality.check_point(point.observation, point.suggestion)
        for finding in result.get("observation", []) + result.get("suggestion", []):
            # Wording problems in a point show up in the letter body; here only
            # a missing observation or suggestion counts.
            if finding.category in POINT_CATEGORIES:
                found.append(PointFinding(point=point, finding=finding))
    return found


def letter_findings(
    *, letter: FeedbackLetter, check: Callable[[str], list] | None = None, subject=None, body=None
) -> LetterFindings:
    """Findings in the subject and body (or the given unsaved text), and in the decision's points."""
    subject_found, body_found = text_findings(
        subject=letter.subject if subject is None else subject,
        body=letter.body if body is None else body,
        check=check,
    )
    return LetterFindings(
        subject=subject_found,
        body=body_found,
        points=point_findings(letter.decision.points.all()),
    )


MAX_STORED_FINDINGS = 32767


def _store_findings(letter: FeedbackLetter, findings: LetterFindings, check: TextChecker) -> None:
    """Keep the result of the check on the letter (saved by the caller)."""
    letter.findings_count = min(len(findings), MAX_STORED_FINDINGS)
    letter.findings_checked_with = check.fingerprint


def stored_findings_count(letter: FeedbackLetter, check: TextChecker) -> int | None:
    """The stored number of findings if it was checked with the current rules, else None."""
    if letter.findings_count is None or letter.findings_checked_with != check.fingerprint:
        return None
    return letter.findings_count


def letters_findings_counts(*, letters: Iterable[FeedbackLetter], check: TextChecker) -> dict[int, int]:
    """Findings counts of many letters: stored ones where current, the others checked and stored.

    The letters need only ``findings_count`` and ``findings_checked_with`` loaded;
    the stale ones are read again with their text and points in a fixed number of
    queries, and their counts saved with one UPDATE (a cache of the check, not a
    change anyone sees).
    """
    counts: dict[int, int] = {}
    stale: list[int] = []
    for letter in letters:
        count = stored_findings_count(letter, check)
        if count is None:
            stale.append(letter.pk)
        else:
            counts[letter.pk] = count
    if stale:
        fresh = list(
            FeedbackLetter.objects.filter(pk__in=stale)
            .select_related("decision")
            .only("id", "subject", "body", "decision__id", "findings_count", "findings_checked_with")
            .prefetch_related("decision__points")
        )
        for letter in fresh:
            _store_findings(letter, letter_findings(letter=letter, check=check), check)
            counts[letter.pk] = letter.findings_count
        FeedbackLetter.objects.bulk_update(fresh, ["findings_count", "findings_checked_with"])
    return counts


def letters_store_findings(*, batch_size: int = 500) -> int:
    """Check every editable letter whose stored findings count is missing or stale; return how many.

    For letters from before the count was stored (or after HR changed the phrase
    list), so that the queue and bulk approval find it ready. Each batch is its own
    transaction.
    """
    check = text_checker()
    stale = FeedbackLetter.objects.filter(status__in=FeedbackLetter.EDITABLE).exclude(
        findings_count__isnull=False, findings_checked_with=check.fingerprint
    )
    done = 0
    last = 0
    while True:
        ids = list(stale.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return done
        with transaction.atomic():
            # Unsaved stand-ins without a count: each is read with its text and checked.
            done += len(letters_findings_counts(letters=[FeedbackLetter(pk=pk) for pk in ids], check=check))
        last = ids[-1]


# --- Drafting ---------------------------------------------------------------


def letter_message_id(letter: FeedbackLetter) -> str:
    """A stable Message-ID derived from the letter's public id (no personal data)."""
    return delivery_message_id("letter", letter)


def letter_deadline(*, decision: Decision) -> dt.datetime:
    """End of the local business day ``feedback_deadline_days`` business days after the decision."""
    decided_on = decision.decided_at.astimezone(org_tz()).date()
    return end_of_local_day(add_business_days(decided_on, decision.application.job.feedback_deadline_days))


def _first_name(full_name: str) -> str:
    parts = full_name.split()
    return parts[0] if parts else full_name


def _one_line(text: str) -> str:
    return " ".join(text.split())


def points_text(points: Iterable[FeedbackPoint]) -> str:
    """The points grouped by criterion, in pipeline order, as plain text with "- " lists."""
    ordered = sorted(
        points,
        key=lambda p: (
            p.criterion.stage.position,
            p.criterion.position,
            p.criterion_id,
            p.position,
            p.id or 0,
        ),
    )
    groups: dict[int, list[FeedbackPoint]] = {}
    for point in ordered:
        groups.setdefault(point.criterion_id, []).append(point)
    blocks = []
    for group in groups.values():
        lines = [_one_line(group[0].criterion.name)]
        for point in group:
            lines.append(f"- What we saw: {_one_line(point.observation)}")
            lines.append(f"  What would have been stronger: {_one_line(point.suggestion)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def decider_name(decision: Decision) -> str:
    user = decision.decided_by
    return _one_line(user.get_full_name()) or user.get_username()


def letter_values(*, decision: Decision) -> dict:
    """Values of the placeholders of the subject and text templates."""
    application = decision.application
    job = application.job
    candidate = application.candidate
    points = decision.points.select_related("criterion__stage")
    name = decider_name(decision)
    return {
        "candidate_first_name": _first_name(_one_line(candidate.name)),
        "candidate_name": _one_line(candidate.name),
        "job_title": _one_line(job.title),
        "team": _one_line(job.team) or settings.CANDOR_ORG_NAME,
        "progress": application_progress(decision=decision).sentence,
        "points": points_text(points),
        "reapply_date": human_date(reapply_on(decision=decision)),
        "decider_name": name,
        "decider_first_name": _one_line(decision.decided_by.first_name) or name,
        "org_name": settings.CANDOR_ORG_NAME,
        "hr_email": settings.CANDOR_HR_EMAIL,
    }


def default_template() -> LetterTemplate | None:
    return LetterTemplate.objects.filter(is_default=True).first() or LetterTemplate.objects.first()


def _render_draft(template: LetterTemplate | None, values: dict) -> tuple[str, str]:
    subject_tpl = template.subject if template else placeholders.DEFAULT_SUBJECT
    text_tpl = template.body_text if template else placeholders.DEFAULT_TEXT
    try:
        subject = placeholders.render(subject_tpl, values)
        body = placeholders.render(text_tpl, values)
    except placeholders.PlaceholderError:
        # A template saved around the form's check: fall back to the built-in one.
        subject = placeholders.render(placeholders.DEFAULT_SUBJECT, values)
        body = placeholders.render(placeholders.DEFAULT_TEXT, values)
    return _one_line(subject)[:300], body.strip()


@transaction.atomic
def letter_draft(*, decision: Decision) -> FeedbackLetter:
    """Draft the one letter of a no-hire decision (idempotent: returns the existing one)."""
    existing = FeedbackLetter.objects.filter(decision=decision).first()
    if existing:
        return existing
    if decision.outcome != Decision.Outcome.NO_HIRE:
        raise LetterStateError("Only a no-hire decision drafts a feedback letter.")
    template = default_template()
    subject, body = _render_draft(template, letter_values(decision=decision))
    letter = FeedbackLetter(
        decision=decision,
        application=decision.application,
        template=template,
        status=FeedbackLetter.Status.DRAFT,
        subject=subject,
        body=body,
        deadline=letter_deadline(decision=decision),
    )
    letter.message_id = letter_message_id(letter)
    check = text_checker()
    _store_findings(letter, letter_findings(letter=letter, check=check), check)
    letter.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            letter.save()
    except IntegrityError:
        # Drafted at the same moment by another request: the database keeps one.
        return FeedbackLetter.objects.get(decision=decision)
    audit_record(
        actor=decision.decided_by, verb="letter.drafted", target=letter, data={"decision": decision.pk}
    )
    return letter


# --- Review -----------------------------------------------------------------


def _locked(letter: FeedbackLetter) -> FeedbackLetter:
    return FeedbackLetter.objects.select_for_update(of=("self",)).get(pk=letter.pk)


def _refuse_unless_editable(letter: FeedbackLetter, action: str) -> None:
    if not letter.editable:
        raise LetterStateError(
            f"This letter is {letter.get_status_display().lower()}: it cannot be {action}."
        )


@transaction.atomic
def letter_edit(*, letter: FeedbackLetter, by, subject: str, body: str) -> FeedbackLetter:
    """Save HR's edits; the letter is then in review."""
    current = _locked(letter)
    _refuse_unless_editable(current, "edited")
    before = current.status
    current.subject = _one_line(subject)
    current.body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    current.status = FeedbackLetter.Status.IN_REVIEW
    check = text_checker()
    _store_findings(current, letter_findings(letter=current, check=check), check)
    current.full_clean(validate_unique=False, validate_constraints=False)
    current.save()
    audit_record(actor=by, verb="letter.edited", target=current, data={"from_status": before})
    return current


def _send_time(send_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if send_at is None:
        return next_business_morning(now)
    if timezone.is_naive(send_at):
        raise LetterStateError("The send time needs a time zone.")
    if send_at <= now:
        raise LetterStateError("The send time must be in the future.")
    return send_at


@transaction.atomic
def letter_approve(
    *, letter: FeedbackLetter, by, send_at: dt.datetime | None = None, override_reason: str = ""
) -> FeedbackLetter:
    """Approve and schedule a letter; blocked while findings remain unless a reason is written."""
    now = timezone.now()
    current = _locked(letter)
    _refuse_unless_editable(current, "approved")
    due = _send_time(send_at, now)
    reason = override_reason.strip()
    # Always checked afresh here: the stored count only spares the queue and bulk approval.
    check = text_checker()
    findings = letter_findings(letter=current, check=check)
    if findings and not reason:
        raise LetterFindingsError(findings)
    _store_findings(current, findings, check)
    current.status = FeedbackLetter.Status.SCHEDULED
    current.send_after = due
    current.approved_by = by
    current.approved_at = now
    current.override_reason = reason if findings else ""
    current.attempts = 0
    current.last_error = ""
    current.claimed_until = None
    if not current.message_id:
        current.message_id = letter_message_id(current)
    current.full_clean(validate_unique=False, validate_constraints=False)
    current.save()
    if findings:
        audit_record(
            actor=by,
            verb="letter.override",
            target=current,
            reason=reason,
            data={"findings": len(findings), "categories": findings.categories()},
        )
    audit_record(actor=by, verb="letter.approved", target=current)
    audit_record(actor=by, verb="letter.scheduled", target=current, data={"send_after": due.isoformat()})
    return current


def _audit_approved_in_bulk(*, approved_at: dt.datetime, actor, due: dt.datetime) -> None:
    """``letter.approved`` and ``letter.scheduled`` for every letter this bulk approval scheduled.

    Two ``INSERT … SELECT`` statements whatever the number of letters: building
    20,000 audit objects in Python took longer than the rest of the request. The
    letters are those scheduled with this approval's timestamp (locked by this
    transaction); per letter, "approved" comes before "scheduled", as with
    ``audit_record``.
    """
    qn = connection.ops.quote_name
    audit, letter = AuditEvent._meta, FeedbackLetter._meta
    field = audit.get_field
    columns = ", ".join(
        qn(field(name).column)
        for name in ("actor", "verb", "target_type", "target_id", "reason", "data", "created_at")
    )
    when = connection.ops.adapt_datetimefield_value(approved_at)
    # Table and column names come from the models' meta; every value is a parameter.
    sql = (
        f"INSERT INTO {qn(audit.db_table)} ({columns}) "  # nosec B608
        f"SELECT %s, %s, %s, {qn(letter.pk.column)}, '', %s, %s FROM {qn(letter.db_table)} "
        f"WHERE {qn(letter.get_field('status').column)} = %s "
        f"AND {qn(letter.get_field('approved_at').column)} = %s "
        f"ORDER BY {qn(letter.pk.column)}"
    )
    events = (
        ("letter.approved", {}),
        ("letter.scheduled", {"send_after": due.isoformat(), "bulk": True}),
    )
    with connection.cursor() as cursor:
        for verb, data in events:
            cursor.execute(
                sql,
                [
                    actor.pk if actor else None,
                    verb,
                    letter.label_lower,
                    json.dumps(data),
                    when,
                    FeedbackLetter.Status.SCHEDULED,
                    when,
                ],
            )


@transaction.atomic
def letters_bulk_approve(
    *,
    letter_ids: Iterable[int] | None = None,
    all_in_review: bool = False,
    by,
    send_at: dt.datetime | None = None,
) -> tuple[list[int], dict[int, str]]:
    """Approve many letters in one go: those without findings are scheduled, the others reported.

    Either the given ``letter_ids`` or, with ``all_in_review``, every letter in review.
    A letter whose stored findings count is 0 under the current rules is approved
    without checking it again; the others are read with their points and checked.
    Then one UPDATE and bulk-created audit events: the number of queries does not
    grow with the number of letters (bar one audit INSERT per 1,000 rows).
    """
    if (letter_ids is None) == (not all_in_review):
        raise ValueError("Give either letter_ids or all_in_review=True.")
    now = timezone.now()
    due = _send_time(send_at, now)
    locked = FeedbackLetter.objects.select_for_update(of=("self",))
    if all_in_review:
        wanted = None
        locked = locked.filter(status=FeedbackLetter.Status.IN_REVIEW)
    else:
        wanted = {int(pk) for pk in letter_ids}
        locked = locked.filter(pk__in=wanted)
    rows = list(locked.only("id", "status", "findings_count", "findings_checked_with").order_by("id"))
    check = text_checker()
    approved: list[int] = []
    skipped: dict[int, str] = {}
    found_ids = set()
    to_check: list[int] = []
    for letter in rows:
        found_ids.add(letter.pk)
        if letter.status not in FeedbackLetter.EDITABLE:
            skipped[letter.pk] = f"already {letter.get_status_display().lower()}"
        elif stored_findings_count(letter, check) == 0:
            approved.append(letter.pk)
        else:
            to_check.append(letter.pk)
    if to_check:
        checking = set(to_check)
        counts = letters_findings_counts(letters=[row for row in rows if row.pk in checking], check=check)
        for pk in to_check:
            count = counts[pk]
            if count:
                skipped[pk] = (
                    f"{count} finding{'s' if count != 1 else ''}: fix the letter, "
                    "or approve it on its own page with a reason"
                )
            else:
                approved.append(pk)
        approved.sort()
        skipped = dict(sorted(skipped.items()))
    for pk in sorted((wanted or set()) - found_ids):
        skipped[pk] = "not found"
    if approved:
        FeedbackLetter.objects.filter(pk__in=approved, status__in=FeedbackLetter.EDITABLE).update(
            status=FeedbackLetter.Status.SCHEDULED,
            send_after=due,
            approved_by=by,
            approved_at=now,
            override_reason="",
            attempts=0,
            last_error="",
            claimed_until=None,
            updated_at=now,
        )
        actor = by if getattr(by, "is_authenticated", False) else None
        _audit_approved_in_bulk(approved_at=now, actor=actor, due=due)
    return approved, skipped


@transaction.atomic
def letter_cancel(*, letter: FeedbackLetter, by) -> FeedbackLetter:
    """Stop a scheduled letter and put it back in review, unless sending has started."""
    changed = FeedbackLetter.objects.filter(pk=letter.pk, status=FeedbackLetter.Status.SCHEDULED).update(
        status=FeedbackLetter.Status.IN_REVIEW,
        send_after=None,
        approved_by=None,
        approved_at=None,
        override_reason="",
        updated_at=timezone.now(),
    )
    current = FeedbackLetter.objects.get(pk=letter.pk)
    if not changed:
        if current.status in (FeedbackLetter.Status.SENDING, FeedbackLetter.Status.SENT):
            raise LetterStateError("Too late to cancel: this letter has already started sending.")
        raise LetterStateError(
            f"This letter is {current.get_status_display().lower()}: "
            "only a scheduled letter can be cancelled."
        )
    audit_record(actor=by, verb="letter.cancelled", target=current)
    return current


@transaction.atomic
def letter_retry(*, letter: FeedbackLetter, by) -> FeedbackLetter:
    """Put a failed letter back in the queue, due now, with its tries reset (the sender's own retry)."""
    previous_error = FeedbackLetter.objects.filter(pk=letter.pk).values_list("last_error", flat=True).first()
    try:
        delivery_retry(kind="letter", pk=letter.pk)
    except DeliveryStateError as exc:
        current = FeedbackLetter.objects.get(pk=letter.pk)
        raise LetterStateError(
            f"This letter is {current.get_status_display().lower()}: only a failed letter can be retried."
        ) from exc
    current = FeedbackLetter.objects.get(pk=letter.pk)
    audit_record(
        actor=by,
        verb="letter.retried",
        target=current,
        reason=previous_error or "",
        data={"send_after": current.send_after.isoformat()},
    )
    return current


# --- Templates --------------------------------------------------------------


@transaction.atomic
def letter_template_save(*, template: LetterTemplate, by, make_default: bool = False) -> LetterTemplate:
    """Save a letter template (placeholders checked by its clean()); optionally make it the default."""
    created = template.pk is None
    template.updated_by = by
    if make_default:
        LetterTemplate.objects.exclude(pk=template.pk).filter(is_default=True).update(is_default=False)
        template.is_default = True
    template.full_clean()
    template.save()
    audit_record(
        actor=by,
        verb="letter_template.created" if created else "letter_template.edited",
        target=template,
        data={"default": template.is_default},
    )
    return template
