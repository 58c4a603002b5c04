"""What candidates do from their signed links: the reapply reminder, rating, unsubscribing, reapplying.

Candidates have no account: the views read a signed token, load the letter
through ``feedback.portal.selectors`` and call one of these services (or, to
ask a question, ``feedback.requests.services.request_create``). None takes
``by``: the signed link is the candidate's credential.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.emails import normalise_email
from candidates.models import Candidate
from candidates.selectors import candidate_by_email
from candidates.services import candidate_update, is_duplicate_email
from core.audit import audit_record
from core.languages import long_date
from feedback.letters.selectors import CLOSED_TO_CANDIDATE, letter_closed_to_candidate
from feedback.models import (
    CandidateRating,
    DeliveryStatus,
    FeedbackLetter,
    FeedbackRequest,
    ReapplyAnswer,
    ReapplyReminder,
)
from feedback.portal.selectors import reapply_date, reapply_is_open, reapply_jobs, reminder_due_at
from feedback.requests.services import candidate_touch
from hiring.models import Application
from hiring.services.applications import AlreadyOpen, CooldownActive, application_open
from hiring.services.errors import HiringError
from outbox.message_ids import delivery_message_id

REAPPLY_ANSWER_MAX_LENGTH = 4000
RATING_COMMENT_MAX_LENGTH = 2000


class CandidateActionError(Exception):
    """An action refused in the current state; ``message`` is shown to the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ReminderStateError(CandidateActionError):
    pass


class ReapplyStateError(CandidateActionError):
    pass


def _require_open_letter(letter: FeedbackLetter) -> Candidate:
    """The letter's candidate, or CandidateActionError when the letter is not open to them."""
    closed = letter_closed_to_candidate(letter)
    if closed:
        raise CandidateActionError(CLOSED_TO_CANDIDATE[closed])
    return letter.application.candidate


# Reminder ------------------------------------------------------------------


@transaction.atomic
def reminder_opt_in(*, letter: FeedbackLetter) -> ReapplyReminder:
    """Remind me when I can reapply: a row due on the reapply date (idempotent).

    Opting in is consent to this one email, and to nothing else: a candidate who
    unsubscribed stays unsubscribed (letters and answers stay on their page, not
    emailed) and gets this reminder (``emails.reminder_skip_reason`` sends a reminder
    asked for after the unsubscribe). Raises ReminderStateError when there is nothing
    to remind them of, or it was sent; CandidateActionError when the letter is closed to them.
    """
    candidate = _require_open_letter(letter)
    now = timezone.now()
    if reapply_is_open(letter, now):
        raise ReminderStateError(_("You can already reapply, so there is nothing to remind you of."))
    due = reminder_due_at(letter)
    reminder, created = ReapplyReminder.objects.select_for_update().get_or_create(
        application=letter.application,
        defaults={
            "candidate": candidate,
            "status": DeliveryStatus.SCHEDULED,
            "send_after": due,
            "opted_in_at": now,
            "message_id": delivery_message_id("reminder"),
        },
    )
    if not created:
        if reminder.status in (DeliveryStatus.SENT, DeliveryStatus.SENDING):
            raise ReminderStateError(_("Your reminder has already been sent."))
        if reminder.status != DeliveryStatus.SCHEDULED:
            reminder.status = DeliveryStatus.SCHEDULED
            reminder.opted_in_at = now
            reminder.attempts = 0
            reminder.last_error = ""
            reminder.claimed_until = None
        elif candidate.unsubscribed_at and reminder.opted_in_at < candidate.unsubscribed_at:
            # Asked for again since unsubscribing: this request is the consent that counts.
            reminder.opted_in_at = now
        reminder.send_after = due
        reminder.message_id = reminder.message_id or delivery_message_id("reminder")
        reminder.full_clean()
        reminder.save()
    candidate_touch(candidate, now)
    audit_record(
        actor=None,
        verb="reminder.opted_in",
        target=reminder,
        data={"while_unsubscribed": True} if candidate.unsubscribed else None,
    )
    return reminder


@transaction.atomic
def reminder_opt_out(*, letter: FeedbackLetter) -> ReapplyReminder | None:
    """Undo "remind me": the reminder is cancelled (idempotent)."""
    candidate = _require_open_letter(letter)
    reminder = ReapplyReminder.objects.select_for_update().filter(application=letter.application).first()
    if reminder is None or reminder.status in (DeliveryStatus.CANCELLED, DeliveryStatus.FAILED):
        return reminder
    if reminder.status != DeliveryStatus.SCHEDULED:
        raise ReminderStateError(_("Your reminder has already been sent."))
    reminder.status = DeliveryStatus.CANCELLED
    reminder.claimed_until = None
    reminder.save(update_fields=["status", "claimed_until"])
    candidate_touch(candidate, timezone.now())
    audit_record(actor=None, verb="reminder.opted_out", target=reminder)
    return reminder


# Rating --------------------------------------------------------------------


@transaction.atomic
def rating_save(*, letter: FeedbackLetter, score: int, comment: str = "") -> CandidateRating:
    """How useful the feedback was: one rating per letter, which the candidate may change.

    ``score``: 1 to 5; ``comment``: optional, up to RATING_COMMENT_MAX_LENGTH characters.
    Two submissions at once (a double click, two tabs) both succeed and leave one rating:
    the letter's row is locked first, so the second waits for the first and then changes
    the rating the first made (and if a rating appeared without that lock, the insert's
    unique-key failure is caught in a savepoint and the row re-read). Raises ValidationError
    for a bad score or comment, CandidateActionError when the letter is closed to them.
    """
    candidate = _require_open_letter(letter)
    FeedbackLetter.objects.select_for_update().filter(pk=letter.pk).values_list("pk").first()
    rating = CandidateRating.objects.select_for_update().filter(letter=letter).first()
    rating = rating or CandidateRating(letter=letter)
    rating.score = score
    rating.comment = (comment or "").strip()
    # The one-rating-per-letter rule is the database's (below), not a ValidationError.
    rating.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError:
        # Created a moment ago by another submission: change that rating instead.
        winner = CandidateRating.objects.select_for_update().get(letter=letter)
        winner.score, winner.comment = rating.score, rating.comment
        winner.save()
        rating = winner
    candidate_touch(candidate, timezone.now())
    return rating


# Unsubscribe ---------------------------------------------------------------


NOT_EMAILED_UNSUBSCRIBED = "Not emailed: the candidate unsubscribed. The answer shows on their page."


@transaction.atomic
def candidate_unsubscribe(*, candidate: Candidate) -> Candidate:
    """Stop emailing me, about this or any other application (idempotent).

    What the unsubscribe pages promise, and what this does: every reminder they asked
    for and not yet sent is cancelled (also one asked for after an earlier unsubscribe);
    approved answers waiting to go are not emailed (they show on their page); letters
    are not emailed from now on (``letters.emails.letter_skip_reason``: HR sees why, the
    candidate reads them on their page). The only email they can still get is a reapply
    reminder they ask for afterwards (``reminder_opt_in``). Audited the first time.
    """
    given = candidate
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    first_time = candidate.unsubscribed_at is None
    if first_time:
        candidate.unsubscribed_at = timezone.now()
        candidate.save(update_fields=["unsubscribed_at", "updated_at"])
    given.unsubscribed_at = candidate.unsubscribed_at
    ReapplyReminder.objects.filter(candidate=candidate, status=DeliveryStatus.SCHEDULED).update(
        status=DeliveryStatus.CANCELLED, claimed_until=None, last_error="The candidate unsubscribed."
    )
    FeedbackRequest.objects.filter(
        letter__application__candidate=candidate, status=FeedbackRequest.Status.SCHEDULED
    ).update(status=FeedbackRequest.Status.CANCELLED, last_error=NOT_EMAILED_UNSUBSCRIBED)
    if first_time:
        audit_record(actor=None, verb="candidate.unsubscribed", target=candidate)
    return candidate


# Reapplying ----------------------------------------------------------------


@transaction.atomic
def reapply_submit(
    *,
    letter: FeedbackLetter,
    name: str,
    email: str,
    time_zone: str,
    answers: dict[int, str],
    job=None,
) -> Application:
    """A new application linked to the old one, at the first stage of the job.

    ``job`` defaults to the same job; when that is closed, one of the team's
    open jobs. A link used twice, even twice at once, returns the application made
    the first time (the candidate's row is locked first; the database allows one
    reapplication per application). The application is
    opened by ``hiring.services.applications.application_open`` (source ``reapply``),
    the one door every path goes through, so its cool-down and one-open-application
    rules hold here too.

    The candidate's details change through ``candidates.services.candidate_update``
    (audited by field name; pending reminders follow a new time zone). Emails are
    compared by ``candidates.emails.normalise_email``: the same address in another
    form changes nothing; a new address no other candidate has replaces the old one.
    An address that belongs to another candidate is not taken, and nothing in the
    answer says so (docs/decisions.md): the application is made with the address on
    file, and an audit row ``candidate.email_change_held`` (no address in it) tells HR.

    Raises ReapplyStateError (not open yet, no such role, already applied for that
    role) or ValidationError keyed by field.
    """
    candidate = _require_open_letter(letter)
    now = timezone.now()
    if not reapply_is_open(letter, now):
        raise ReapplyStateError(_("You can reapply from %(day)s.") % {"day": long_date(reapply_date(letter))})
    # The same link submitted twice at once: the second waits here for the first, then finds
    # (and returns) the application the first made. The candidate's row, as application_open
    # and erasure lock it first too.
    Candidate.objects.select_for_update().filter(pk=candidate.pk).values_list("pk").first()
    existing = Application.objects.filter(previous=letter.application).first()
    if existing:
        return existing
    allowed = reapply_jobs(letter)
    job = job or (allowed[0] if len(allowed) == 1 else None)
    if job is None or job not in allowed:
        raise ReapplyStateError(_("Choose one of the open roles."))

    changes = {"name": name, "time_zone": time_zone}
    held = False
    key = normalise_email(email)
    if key and key != candidate.email_key:
        if candidate_by_email(email) is None:
            changes["email"] = email
        else:
            held = True
    try:
        candidate_update(candidate=candidate, by=None, source="candidate", **changes)
    except ValidationError as exc:
        if not is_duplicate_email(exc):
            raise
        # Another candidate took the address a moment ago: the same neutral answer.
        changes.pop("email")
        held = True
        candidate_update(candidate=candidate, by=None, source="candidate", **changes)
    if held:
        audit_record(
            actor=None,
            verb="candidate.email_change_held",
            target=candidate,
            data={"why": "the new address belongs to another candidate", "source": "reapply"},
        )
    Candidate.objects.filter(pk=candidate.pk).update(consent_given_at=now, last_activity_at=now)

    try:
        application = application_open(
            candidate=candidate,
            job=job,
            by=None,
            source=Application.Source.REAPPLY,
            previous=letter.application,
        )
    except CooldownActive as exc:
        raise ReapplyStateError(
            _("You can reapply to %(job_title)s from %(day)s.")
            % {"job_title": job.title, "day": long_date(exc.ends_on)}
        ) from exc
    except HiringError as exc:
        # The same link submitted twice at once: the other submission won.
        existing = Application.objects.filter(previous=letter.application).first()
        if existing:
            return existing
        if isinstance(exc, AlreadyOpen):
            raise ReapplyStateError(
                _(
                    "We already have an open application from you for %(job_title)s: "
                    "there is nothing more to do."
                )
                % {"job_title": job.title}
            ) from exc
        raise ReapplyStateError(exc.message) from exc

    points = {p.pk: p for p in letter.decision.points.all()}
    rows = []
    for point_id, text in (answers or {}).items():
        text = (text or "").strip()
        if not text or int(point_id) not in points:
            continue
        if len(text) > REAPPLY_ANSWER_MAX_LENGTH:
            raise ValidationError(
                {f"point_{point_id}": _("Keep it under %(count)s characters.") % {"count": 4000}}
            )
        rows.append(ReapplyAnswer(application=application, point=points[int(point_id)], text=text))
    ReapplyAnswer.objects.bulk_create(rows)

    ReapplyReminder.objects.filter(application=letter.application, status=DeliveryStatus.SCHEDULED).update(
        status=DeliveryStatus.CANCELLED, claimed_until=None
    )
    audit_record(actor=None, verb="application.reapplied", target=application)
    return application


# Hooks from the apps below (registered in FeedbackConfig.ready()) ------------


def reminders_follow_candidate(*, candidate: Candidate, changed: frozenset[str] = frozenset()) -> int:
    """candidates' "candidate updated" hook (``candidates.hooks``): reminders follow the time zone.

    When ``changed`` (names of the fields that changed; empty means "check anyway")
    includes ``time_zone``, every reapply reminder of ``candidate`` still scheduled
    moves to ``CANDOR_SEND_HOUR`` (09:00 by default) on its reapply date in the new
    zone (``reminder_due_at``: the date itself does not move). Reminders being sent,
    sent or cancelled are left alone. Returns how many moved. Runs inside
    ``candidate_update``'s transaction.
    """
    if changed and "time_zone" not in changed:
        return 0
    reminders = list(
        ReapplyReminder.objects.filter(candidate_id=candidate.pk, status=DeliveryStatus.SCHEDULED).only(
            "id", "application_id", "send_after"
        )
    )
    if not reminders:
        return 0
    letters = {
        letter.application_id: letter
        for letter in FeedbackLetter.objects.filter(
            application_id__in=[r.application_id for r in reminders]
        ).select_related("application__candidate", "application__job", "decision__application__job")
    }
    moved = 0
    for reminder in reminders:
        letter = letters.get(reminder.application_id)
        if letter is None:
            continue
        due = reminder_due_at(letter)
        if due != reminder.send_after:
            moved += ReapplyReminder.objects.filter(pk=reminder.pk, status=DeliveryStatus.SCHEDULED).update(
                send_after=due
            )
    if moved:
        audit_record(actor=None, verb="reminder.rescheduled", target=candidate, data={"reminders": moved})
    return moved
