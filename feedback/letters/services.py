"""Feedback letter services: draft, edit, approve and schedule, cancel, retry; letter templates.

Statuses: a no-hire drafts a letter (``draft``); HR saves edits (``in_review``);
approval schedules it (``scheduled`` with ``send_after``); the sending sweep
takes it from there (``sending`` → ``sent``, ``failed`` or ``unknown``). Cancelling puts a
scheduled letter back in review; retrying puts a failed one back in the queue, and an
unknown one once HR confirmed it did not arrive (``reminder_retry`` does the same for
reapply reminders).

Every service that takes ``by`` acts for HR only (``selectors.can_review_letters``)
and raises ``PermissionDenied`` for anyone else. The quality check of a letter
lives in ``feedback.letters.findings``.
"""

import datetime as dt
import hashlib
import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Case, DateField, F, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext

from core.audit import audit_for, audit_matching, audit_record
from core.dates import business_deadline, next_business_morning
from core.text import one_line
from feedback import placeholders
from feedback.letters.findings import (
    STORED_FIELDS,
    LetterFindings,
    LetterInput,
    letter_findings,
    letters_check_summaries,
    points_by_decision,
    store_findings,
    text_checker,
)
from feedback.letters.languages import (  # noqa: F401 - re-exported: callers use services.*
    default_template,
    letter_language,
    template_for_language,
    template_language,
)
from feedback.letters.progress import application_progress, human_date, reapply_day, reapply_on
from feedback.letters.selectors import can_review_letters
from feedback.models import FeedbackLetter, LetterTemplate, ReapplyReminder
from feedback.quality.check import Addressee
from hiring.models import Decision, FeedbackPoint
from outbox.models import DeliveryStatus
from outbox.services import DeliveryStateError, delivery_message_id, delivery_retry


class LetterStateError(Exception):
    """The letter is not in a state that allows this action."""


class LetterFindingsError(Exception):
    """Approval refused: the quality check found problems that block approval and no override
    reason (or no real one, ``override_reason_problem``) was given. ``saved_edits``: the text on
    HR's screen was saved before the check; ``reason_problem``: why the reason given is not one."""

    def __init__(self, findings: LetterFindings, *, saved_edits: bool = False, reason_problem: str = ""):
        self.findings = findings
        self.saved_edits = saved_edits
        self.reason_problem = reason_problem
        count = len(findings.blocking)
        saved = "Your edits were saved, but the letter was not approved. " if saved_edits else ""
        advice = reason_problem or (
            "Fix the letter, or approve it with a written reason for overriding the check."
        )
        found = f"The quality check found {count} problem{'s' if count != 1 else ''}."
        super().__init__(f"{saved}{found} {advice}")


class LetterConflictError(LetterStateError):
    """The letter's text changed since HR opened it (another tab or another HR user saved it):
    nothing was saved or approved. ``by`` / ``at``: who last changed it and when (may be None)."""

    def __init__(self, *, by_name: str, at: dt.datetime | None):
        self.by_name = by_name
        self.at = at
        when = f" at {timezone.localtime(at):%H:%M on %d %B}" if at else ""
        super().__init__(
            f"This letter was changed by {by_name}{when} since you opened it; nothing was saved or "
            "approved. Your text is below: copy what you need, then reload to see theirs."
        )


# An override reason must say something: "x" or "ok" is not a reason (brief 4 of the review).
OVERRIDE_REASON_MIN_CHARS = 15
OVERRIDE_REASON_MIN_WORDS = 3
_REASON_WORD = re.compile(r"[^\W_]{2,}")


def override_reason_problem(reason: str) -> str:
    """Why ``reason`` is not a real reason for approving despite blocking findings, or "" if it is.

    The one rule for the editor, the API and the service: at least ``OVERRIDE_REASON_MIN_CHARS``
    (15) characters once stripped and ``OVERRIDE_REASON_MIN_WORDS`` (3) words of two or more
    letters or digits. An empty reason is a problem too (the caller decides whether one is needed).
    """
    reason = (reason or "").strip()
    if not reason:
        return "Write why the letter may go despite the check's findings (it is kept in the audit trail)."
    words = len(_REASON_WORD.findall(reason))
    if len(reason) < OVERRIDE_REASON_MIN_CHARS or words < OVERRIDE_REASON_MIN_WORDS:
        return (
            f"Write a real reason for overriding the check: at least {OVERRIDE_REASON_MIN_WORDS} words and "
            f"{OVERRIDE_REASON_MIN_CHARS} characters, e.g. \u201cThe candidate asked for this wording.\u201d"
        )
    return ""


def letter_version(subject: str, body: str) -> str:
    """The version of a letter's text HR loaded in the editor: 16 hex digits of a hash of the
    subject and body as stored. The editor posts it back; ``letter_edit`` and ``letter_approve``
    refuse (``LetterConflictError``) when the stored text no longer has it."""
    digest = hashlib.sha256()
    for part in (subject or "", body or ""):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
    return digest.hexdigest()[:16]


def _refuse_if_changed(current: FeedbackLetter, expected_version: str | None) -> None:
    """Raise ``LetterConflictError`` if ``expected_version`` is given and the stored text differs."""
    if expected_version is None or letter_version(current.subject, current.body) == expected_version:
        return
    last = (
        audit_for(current)
        .filter(verb__in=("letter.edited", "letter.drafted"))
        .order_by("-created_at", "-id")
        .first()
    )
    if last is None or last.actor is None:
        by_name, at = "someone else", current.updated_at
    else:
        by_name = one_line(last.actor.get_full_name()) or last.actor.get_username()
        at = last.created_at
    raise LetterConflictError(by_name=by_name, at=at)


# --- Drafting ---------------------------------------------------------------


def letter_message_id(letter: FeedbackLetter) -> str:
    """A stable Message-ID derived from the letter's public id (no personal data)."""
    return delivery_message_id("letter", letter)


def letter_deadline(*, decision: Decision) -> dt.datetime:
    """When the letter is due: the end (23:59:59, organisation's time zone) of the business day
    ``job.feedback_deadline_days`` business days after the decision (``core.dates.business_deadline``)."""
    return business_deadline(decision.decided_at, decision.application.job.feedback_deadline_days)


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
    # The labels in the active language (the letter's); the points as the decider wrote them.
    saw, stronger = gettext("What we saw:"), gettext("What would have been stronger:")
    for group in groups.values():
        lines = [one_line(group[0].criterion.name)]
        for point in group:
            lines.append(f"- {saw} {one_line(point.observation)}")
            lines.append(f"  {stronger} {one_line(point.suggestion)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def decider_name(decision: Decision) -> str:
    user = decision.decided_by
    return one_line(user.get_full_name()) or user.get_username()


def letter_values(*, decision: Decision) -> dict:
    """Values of the placeholders of the subject and text templates, in the active language
    (``letter_draft`` activates the template's): the progress sentence, the points' labels and
    the reapply date; the decider's points stay as written."""
    application = decision.application
    job = application.job
    candidate = application.candidate
    points = decision.points.select_related("criterion__stage")
    name = decider_name(decision)
    return {
        "candidate_first_name": placeholders.greeting_name(candidate),
        "candidate_name": one_line(candidate.name),
        "job_title": one_line(job.title),
        "team": one_line(job.team) or settings.CANDOR_ORG_NAME,
        "progress": application_progress(decision=decision).sentence,
        "points": points_text(points),
        "reapply_date": human_date(reapply_on(decision=decision)),
        "decider_name": name,
        "decider_first_name": one_line(decision.decided_by.first_name) or name,
        "org_name": settings.CANDOR_ORG_NAME,
        "hr_email": settings.CANDOR_HR_EMAIL,
    }


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
    return one_line(subject)[:300], body.strip()


@transaction.atomic
def letter_draft(*, decision: Decision) -> FeedbackLetter:
    """Draft the one letter of a no-hire decision (idempotent: returns the existing one)."""
    existing = FeedbackLetter.objects.filter(decision=decision).first()
    if existing:
        return existing
    if decision.outcome != Decision.Outcome.NO_HIRE:
        raise LetterStateError("Only a no-hire decision drafts a feedback letter.")
    # In the candidate's language when a template of it exists, else the organisation's.
    template = template_for_language(decision.application.candidate.language)
    with translation.override(template_language(template)):
        subject, body = _render_draft(template, letter_values(decision=decision))
    letter = FeedbackLetter(
        decision=decision,
        application=decision.application,
        template=template,
        status=FeedbackLetter.Status.DRAFT,
        subject=subject,
        body=body,
        deadline=letter_deadline(decision=decision),
        # The date the text is drafted with; fixed (and the text brought in line) at approval.
        reapply_on=reapply_on(decision=decision),
    )
    letter.message_id = letter_message_id(letter)
    store_findings(letter, letter_findings(letter=letter))
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


def letter_draft_on_no_hire(*, decision: Decision) -> None:
    """hiring's no-hire handler (``hiring.hooks``, registered in ``FeedbackConfig.ready()``).

    Drafts the decision's letter inside ``decision_record``'s transaction, so a failure here
    undoes the decision. ``letter_draft`` is looked up when called, not when registered.
    """
    letter_draft(decision=decision)


# --- Review -----------------------------------------------------------------


def _require_reviewer(by, what: str) -> None:
    """Refuse anyone but HR (``can_review_letters``): PermissionDenied, with a sentence for a person."""
    if not can_review_letters(by):
        raise PermissionDenied(f"Only HR can {what}.")


def _locked(letter: FeedbackLetter) -> FeedbackLetter:
    return FeedbackLetter.objects.select_for_update(of=("self",)).get(pk=letter.pk)


def _refuse_unless_editable(letter: FeedbackLetter, action: str) -> None:
    if not letter.editable:
        raise LetterStateError(
            f"This letter is {letter.get_status_display().lower()}: it cannot be {action}."
        )


@transaction.atomic
def letter_edit(
    *, letter: FeedbackLetter, by, subject: str, body: str, expected_version: str | None = None
) -> FeedbackLetter:
    """Save HR's edits; the letter is then in review.

    ``expected_version``: ``letter_version`` of the text HR's editor was loaded with (None: not
    checked, for callers without an editor). Raises PermissionDenied unless ``by`` is HR,
    LetterStateError unless the letter is editable, LetterConflictError (a LetterStateError,
    nothing saved) when the stored text is no longer that version.
    """
    _require_reviewer(by, "edit letters")
    current = _locked(letter)
    _refuse_unless_editable(current, "edited")
    _refuse_if_changed(current, expected_version)
    before = current.status
    current.subject = one_line(subject)
    current.body = _body_text(body)
    current.status = FeedbackLetter.Status.IN_REVIEW
    store_findings(current, letter_findings(letter=current))
    current.full_clean(validate_unique=False, validate_constraints=False)
    current.save()
    audit_record(actor=by, verb="letter.edited", target=current, data={"from_status": before})
    return current


def _restate_reapply_date(
    subject: str, body: str, drafted: dt.date | None, fixed: dt.date
) -> tuple[str, str]:
    """The subject and text with the reapply date they were drafted with (``drafted``) replaced
    by the date being fixed at approval (``fixed``), when the job's cool-down changed in between.

    Only the exact words the draft used (``human_date``) are replaced; a letter that does
    not state the date, or states it in HR's own words, is left as it is.
    """
    if drafted is None or drafted == fixed:
        return subject, body
    # The date as each shipped language writes it (the letter is in one of them).
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            old, new = human_date(drafted), human_date(fixed)
        subject, body = subject.replace(old, new), body.replace(old, new)
    return subject, body


# How far ahead HR may schedule a letter (calendar days). A letter scheduled further out would
# leave review for good by mistake (a typo in the year): candidates wait weeks, not years.
SEND_AT_MAX_AHEAD_DAYS = 365


def send_time_problem(send_at: dt.datetime, now: dt.datetime | None = None) -> str:
    """A sentence saying why ``send_at`` (an aware datetime) cannot be a letter's send time, or "".

    It must be in the future and at most ``SEND_AT_MAX_AHEAD_DAYS`` calendar days ahead of
    ``now`` (default: the current time). Used by the approval form and ``letter_approve``.
    """
    now = now or timezone.now()
    if send_at <= now:
        return "The send time must be in the future."
    if send_at > now + dt.timedelta(days=SEND_AT_MAX_AHEAD_DAYS):
        latest = timezone.localtime(now + dt.timedelta(days=SEND_AT_MAX_AHEAD_DAYS))
        return (
            f"The send time must be within a year from now (at the latest {latest:%d %B %Y}); check the year."
        )
    return ""


def _send_time(send_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if send_at is None:
        return next_business_morning(now)
    if timezone.is_naive(send_at):
        raise LetterStateError("The send time needs a time zone.")
    problem = send_time_problem(send_at, now)
    if problem:
        raise LetterStateError(problem)
    return send_at


def _body_text(body: str) -> str:
    """The letter's text as it is stored: Unix line ends, no surrounding blank space."""
    return body.replace("\r\n", "\n").replace("\r", "\n").strip()


def stored_text(subject: str, body: str) -> tuple[str, str]:
    """The (subject, body) as ``letter_edit`` would store them: one line; Unix line ends, stripped.

    The editor checks and highlights typed text in this form, so the offsets of findings (and a
    paragraph's language: a browser posts line ends as CR LF) are those of the text saved.
    """
    return one_line(subject or ""), _body_text(body or "")


def letter_approve(
    *,
    letter: FeedbackLetter,
    by,
    send_at: dt.datetime | None = None,
    override_reason: str = "",
    subject: str | None = None,
    body: str | None = None,
    expected_version: str | None = None,
) -> FeedbackLetter:
    """Approve and schedule a letter; blocked while blocking findings remain unless a reason is written.

    ``expected_version``: ``letter_version`` of the text the editor was loaded with; when given
    and the stored text changed since (another tab, another HR user), nothing is saved or
    approved: LetterConflictError (a LetterStateError). The override reason must be a real one
    (``override_reason_problem``), else LetterFindingsError with ``reason_problem`` set.

    ``subject`` / ``body``: the text on HR's screen, when the approval comes from the editor.
    If it differs from the saved text it is saved first (``letter_edit``: audited, the letter
    goes in review), then checked and approved: approval approves what HR sees, and edits are
    never dropped (they stay saved when the approval is refused). ``send_at``: an aware
    datetime in the future and at most ``SEND_AT_MAX_AHEAD_DAYS`` (365) calendar days ahead,
    default the next business morning
    (``core.dates.next_business_morning``: weekends, public holidays and closure days
    skipped). Approval fixes the letter's reapply date (``reapply_on``: the decision's
    date plus the job's cool-down now, in calendar days); if the cool-down changed since
    the letter was drafted, the date in its text is brought in line. Advisory findings
    (``Finding.blocking`` false) never block. Raises PermissionDenied unless ``by`` is HR,
    LetterFindingsError when the check finds blocking problems and ``override_reason`` is
    empty (``saved_edits`` tells whether the screen's text was saved), LetterStateError in
    the wrong state or for a bad ``send_at``.
    """
    _require_reviewer(by, "approve letters")
    saved_edits = False
    if expected_version is not None:
        with transaction.atomic():
            _refuse_if_changed(_locked(letter), expected_version)
    if subject is not None or body is not None:
        stored = FeedbackLetter.objects.get(pk=letter.pk)
        new_subject = stored.subject if subject is None else one_line(subject)
        new_body = stored.body if body is None else _body_text(body)
        if (new_subject, new_body) != (stored.subject, stored.body):
            letter = letter_edit(
                letter=letter, by=by, subject=new_subject, body=new_body, expected_version=expected_version
            )
            saved_edits = True
    # After a save by this approval, the stored text is the one HR sees: check it is still that.
    version = letter_version(new_subject, new_body) if saved_edits else expected_version
    return _letter_approve(
        letter=letter,
        by=by,
        send_at=send_at,
        override_reason=override_reason,
        saved_edits=saved_edits,
        expected_version=version,
    )


@transaction.atomic
def _letter_approve(
    *,
    letter: FeedbackLetter,
    by,
    send_at: dt.datetime | None,
    override_reason: str,
    saved_edits: bool,
    expected_version: str | None = None,
) -> FeedbackLetter:
    now = timezone.now()
    current = _locked(letter)
    _refuse_unless_editable(current, "approved")
    _refuse_if_changed(current, expected_version)
    due = _send_time(send_at, now)
    fixed = reapply_on(decision=current.decision)
    current.subject, current.body = _restate_reapply_date(
        current.subject, current.body, current.reapply_on, fixed
    )
    current.reapply_on = fixed
    reason = override_reason.strip()
    # Always checked afresh here: the stored result only spares the queue and bulk approval.
    findings = letter_findings(letter=current)
    blocking = findings.blocking
    if blocking and (problem := override_reason_problem(reason)):
        raise LetterFindingsError(findings, saved_edits=saved_edits, reason_problem=problem if reason else "")
    store_findings(current, findings)
    current.status = FeedbackLetter.Status.SCHEDULED
    current.send_after = due
    current.approved_by = by
    current.approved_at = now
    current.override_reason = reason if blocking else ""
    current.attempts = 0
    current.last_error = ""
    current.claimed_until = None
    if not current.message_id:
        current.message_id = letter_message_id(current)
    current.full_clean(validate_unique=False, validate_constraints=False)
    current.save()
    if blocking:
        audit_record(
            actor=by,
            verb="letter.override",
            target=current,
            reason=reason,
            data={"findings": len(blocking), "categories": findings.categories()},
        )
    audit_record(actor=by, verb="letter.approved", target=current)
    audit_record(actor=by, verb="letter.scheduled", target=current, data={"send_after": due.isoformat()})
    return current


def _audit_approved_in_bulk(*, approved_at: dt.datetime, actor, due: dt.datetime) -> None:
    """``letter.approved`` and ``letter.scheduled`` for every letter this bulk approval scheduled.

    The letters are those scheduled with this approval's timestamp (locked by
    this transaction); per letter, "approved" comes before "scheduled", as with
    ``audit_record``. Two statements whatever the number of letters.
    """
    scheduled = FeedbackLetter.objects.filter(status=FeedbackLetter.Status.SCHEDULED, approved_at=approved_at)
    audit_matching(actor=actor, verb="letter.approved", queryset=scheduled, at=approved_at)
    audit_matching(
        actor=actor,
        verb="letter.scheduled",
        queryset=scheduled,
        data={"send_after": due.isoformat(), "bulk": True},
        at=approved_at,
    )


def _reapply_dates_case(fixed: dict[int, dt.date]) -> Case:
    """The reapply date of each approved letter (``{id: date}``), as one CASE for the approval's
    UPDATE: one WHEN per distinct date."""
    by_date: dict[dt.date, list[int]] = {}
    for pk, day in fixed.items():
        by_date.setdefault(day, []).append(pk)
    return Case(
        *(When(pk__in=sorted(pks), then=Value(day)) for day, pks in sorted(by_date.items())),
        default=F("reapply_on"),
        output_field=DateField(),
    )


@transaction.atomic
def letters_bulk_approve(
    *,
    letter_ids: Iterable[int] | None = None,
    all_in_review: bool = False,
    by,
    send_at: dt.datetime | None = None,
) -> tuple[list[int], dict[int, str]]:
    """Approve many letters in one go: those whose current text is clean are scheduled, the
    others reported.

    Either the given ``letter_ids`` or, with ``all_in_review``, every letter in review. Each
    letter is read as it is now (subject, body, its decision's points, the candidate's names;
    with the reapply date its approval fixes, as ``letter_approve`` does) and its stored
    check result is used only if its key matches that content and the current rules
    (``feedback.letters.findings``): a letter changed by any path since it was last checked
    (a service, the admin, raw SQL, a bulk load) is checked again, all of those in one batch.
    Only letters without a blocking finding are approved (advisory findings do not block;
    an override needs a reason, given on the letter's own page). Then one UPDATE and
    bulk-created audit events: the number of queries does not grow with the number of
    letters (bar one UPDATE per 500 letters checked again or whose date is restated, and one
    audit INSERT per 1,000 rows). The default send time is the next business morning
    (``core.dates.next_business_morning``).

    Returns (ids approved, {id not approved: why}), both in id order. Raises
    PermissionDenied unless ``by`` is HR, ValueError unless exactly one of
    ``letter_ids`` and ``all_in_review`` is given.
    """
    if (letter_ids is None) == (not all_in_review):
        raise ValueError("Give either letter_ids or all_in_review=True.")
    _require_reviewer(by, "approve letters")
    now = timezone.now()
    due = _send_time(send_at, now)
    locked = FeedbackLetter.objects.select_for_update(of=("self",))
    if all_in_review:
        wanted = None
        locked = locked.filter(status=FeedbackLetter.Status.IN_REVIEW)
    else:
        wanted = {int(pk) for pk in letter_ids}
        locked = locked.filter(pk__in=wanted)
    # Everything the check and the reapply date need, read with the lock in one query.
    rows = list(
        locked.only("id", "status", "subject", "body", "reapply_on", "decision_id", *STORED_FIELDS)
        .annotate(
            bulk_decided_at=F("decision__decided_at"),
            bulk_cooldown_days=F("application__job__reapply_cooldown_days"),
            bulk_name=F("application__candidate__name"),
            bulk_preferred_name=F("application__candidate__preferred_name"),
        )
        .order_by("id")
    )
    approved: list[int] = []
    skipped: dict[int, str] = {}
    editable = []
    for letter in rows:
        if letter.status in FeedbackLetter.EDITABLE:
            editable.append(letter)
        else:
            skipped[letter.pk] = f"already {letter.get_status_display().lower()}"
    points = points_by_decision([letter.decision_id for letter in editable])
    # The text each letter would be approved with: its current text, the reapply date fixed now.
    fixed: dict[int, dt.date] = {}
    restated: set[int] = set()
    inputs: dict[int, LetterInput] = {}
    for letter in editable:
        fixed[letter.pk] = reapply_day(
            decided_at=letter.bulk_decided_at, cooldown_days=letter.bulk_cooldown_days
        )
        subject, body = _restate_reapply_date(
            letter.subject, letter.body, letter.reapply_on, fixed[letter.pk]
        )
        if (subject, body) != (letter.subject, letter.body):
            letter.subject, letter.body = subject, body
            restated.add(letter.pk)
        inputs[letter.pk] = LetterInput(
            subject=subject,
            body=body,
            points=points.get(letter.decision_id, ()),
            addressee=Addressee(name=letter.bulk_name or "", preferred_name=letter.bulk_preferred_name or ""),
            pk=letter.pk,
        )
    summaries, _ = letters_check_summaries(letters=editable, check=text_checker(), inputs=inputs)
    for letter in editable:
        count = summaries[letter.pk].blocking
        if count:
            skipped[letter.pk] = (
                f"{count} finding{'s' if count != 1 else ''}: fix the letter, "
                "or approve it on its own page with a reason"
            )
        else:
            approved.append(letter.pk)
    skipped = dict(sorted(skipped.items()))
    for pk in sorted((wanted or set()) - {letter.pk for letter in rows}):
        skipped[pk] = "not found"
    if approved:
        chosen = set(approved)
        # Texts whose reapply date was restated are saved as they were checked.
        texts = [letter for letter in editable if letter.pk in chosen and letter.pk in restated]
        if texts:
            FeedbackLetter.objects.bulk_update(texts, ["subject", "body", *STORED_FIELDS], batch_size=500)
        FeedbackLetter.objects.filter(pk__in=approved, status__in=FeedbackLetter.EDITABLE).update(
            reapply_on=_reapply_dates_case({pk: fixed[pk] for pk in approved}),
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
        _audit_approved_in_bulk(approved_at=now, actor=by, due=due)
    return approved, skipped


@transaction.atomic
def letter_cancel(*, letter: FeedbackLetter, by) -> FeedbackLetter:
    """Stop a scheduled letter and put it back in review, unless sending has started.

    Raises PermissionDenied unless ``by`` is HR, LetterStateError unless the letter is scheduled.
    """
    _require_reviewer(by, "cancel letters")
    changed = FeedbackLetter.objects.filter(pk=letter.pk, status=FeedbackLetter.Status.SCHEDULED).update(
        status=FeedbackLetter.Status.IN_REVIEW,
        send_after=None,
        approved_by=None,
        approved_at=None,
        override_reason="",
        updated_at=timezone.now(),
        # A message built by a try that did not go through is built again from the edited text.
        sent_raw=None,
        sent_envelope=None,
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
def letter_retry(*, letter: FeedbackLetter, by, confirm_resend: bool = False) -> FeedbackLetter:
    """Send a failed letter again, or (confirmed) one whose delivery is unknown: due now, tries reset.

    A *failed* letter never reached the mail server: it is built again and sent.
    An *unknown* one may have arrived (the connection broke after the server had it):
    HR must check first and say so with ``confirm_resend=True``; it is then sent again
    unchanged, with the same Message-ID, so a mailbox that has it can tell it is the
    same letter (``outbox.services.delivery_retry``).

    Raises PermissionDenied unless ``by`` is HR, LetterStateError unless the letter
    failed, or is unknown and the resend is confirmed.
    """
    _require_reviewer(by, "retry letters")
    previous = FeedbackLetter.objects.filter(pk=letter.pk).values("status", "last_error").first() or {}
    try:
        delivery_retry(kind="letter", pk=letter.pk, resend_unknown=confirm_resend)
    except DeliveryStateError as exc:
        current = FeedbackLetter.objects.get(pk=letter.pk)
        if current.status == FeedbackLetter.Status.UNKNOWN:
            raise LetterStateError(
                "The mail server may have received this letter. Check with the candidate (or the "
                "mail server's logs) first, then tick the box to confirm it did not arrive."
            ) from exc
        raise LetterStateError(
            f"This letter is {current.get_status_display().lower()}: only a failed letter, or one "
            "whose delivery is unknown, can be sent again."
        ) from exc
    current = FeedbackLetter.objects.get(pk=letter.pk)
    audit_record(
        actor=by,
        verb="letter.resent" if previous.get("status") == FeedbackLetter.Status.UNKNOWN else "letter.retried",
        target=current,
        reason=previous.get("last_error") or "",
        data={"send_after": current.send_after.isoformat(), "was": previous.get("status", "")},
    )
    return current


@transaction.atomic
def reminder_retry(*, reminder: ReapplyReminder, by, confirm_resend: bool = False) -> ReapplyReminder:
    """Send a failed reapply reminder again now, or (confirmed) one whose delivery is unknown.

    As ``letter_retry``: a failed reminder is built again; an unknown one (it may have
    arrived) is sent again unchanged only with ``confirm_resend=True``. Audited as
    ``reminder.retried`` / ``reminder.resent`` with the error it had.
    Raises PermissionDenied unless ``by`` is HR, LetterStateError in any other state.
    """
    _require_reviewer(by, "retry reminders")
    previous = ReapplyReminder.objects.filter(pk=reminder.pk).values("status", "last_error").first() or {}
    try:
        delivery_retry(kind="reminder", pk=reminder.pk, resend_unknown=confirm_resend)
    except DeliveryStateError as exc:
        if previous.get("status") == DeliveryStatus.UNKNOWN:
            raise LetterStateError(
                "The mail server may have received this reminder. Check first, then tick the box "
                "to confirm it did not arrive."
            ) from exc
        raise LetterStateError(
            "Only a reminder that failed, or whose delivery is unknown, can be sent again."
        ) from exc
    current = ReapplyReminder.objects.get(pk=reminder.pk)
    audit_record(
        actor=by,
        verb="reminder.resent" if previous.get("status") == DeliveryStatus.UNKNOWN else "reminder.retried",
        target=current,
        reason=previous.get("last_error") or "",
        data={"send_after": current.send_after.isoformat(), "was": previous.get("status", "")},
    )
    return current


# --- Templates --------------------------------------------------------------


@transaction.atomic
def letter_template_save(*, template: LetterTemplate, by, make_default: bool = False) -> LetterTemplate:
    """Save a letter template (placeholders checked by its clean()); optionally make it the default.

    Raises PermissionDenied unless ``by`` is HR, ValidationError for a template that does not validate.
    """
    _require_reviewer(by, "edit letter templates")
    created = template.pk is None
    template.updated_by = by
    if make_default:
        # One default per language.
        LetterTemplate.objects.exclude(pk=template.pk).filter(
            is_default=True, language=template.language
        ).update(is_default=False)
        template.is_default = True
    elif template.is_default and (
        LetterTemplate.objects.exclude(pk=template.pk)
        .filter(is_default=True, language=template.language)
        .exists()
    ):
        # Moved to a language that has its own default: it stops being a default.
        template.is_default = False
    template.full_clean()
    template.save()
    audit_record(
        actor=by,
        verb="letter_template.created" if created else "letter_template.edited",
        target=template,
        data={"default": template.is_default},
    )
    return template


# --- A decision withdrawn (hiring.hooks, issue #17) --------------------------------------------


@transaction.atomic
def letter_cancel_on_decision_withdrawn(*, decision: Decision, by) -> None:
    """hiring's decision-withdrawn handler (``hiring.hooks``, registered in ``FeedbackConfig.ready()``).

    The letter a withdrawn no-hire drafted is cancelled (``status`` cancelled, audited
    ``letter.cancelled`` with ``{"why": "decision withdrawn"}``) while it is a draft or in review.
    Once approved (scheduled, sending, sent, failed, unknown) the candidate has been promised it:
    ``hiring.hooks.WithdrawRefused`` says so, and the withdrawal rolls back. No letter (advance,
    hire) or one cancelled already: nothing to do. Runs inside the withdrawal's transaction.
    """
    from hiring.hooks import WithdrawRefused

    letter = FeedbackLetter.objects.select_for_update(of=("self",)).filter(decision_id=decision.pk).first()
    if letter is None or letter.status == FeedbackLetter.Status.CANCELLED:
        return
    if letter.status not in FeedbackLetter.EDITABLE:
        raise WithdrawRefused(
            f"Its feedback letter is {letter.get_status_display().lower()}: a decision can be withdrawn "
            "only before its letter is approved."
            + (
                " Cancel the scheduled letter first."
                if letter.status == FeedbackLetter.Status.SCHEDULED
                else ""
            )
        )
    FeedbackLetter.objects.filter(pk=letter.pk).update(
        status=FeedbackLetter.Status.CANCELLED, send_after=None, updated_at=timezone.now()
    )
    audit_record(actor=by, verb="letter.cancelled", target=letter, data={"why": "decision withdrawn"})
