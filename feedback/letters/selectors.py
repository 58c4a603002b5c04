"""Reads of letters: who may see and review which letter, the HR queue, and which letters a
candidate may open.

Every HR view loads letters through ``letters_visible_to``; services ask
``can_review_letters`` before they write; the candidate's pages and services ask
``letter_closed_to_candidate``. The dashboard and insight figures are in
``feedback.insights.selectors``.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from core.audit import audit_for
from core.roles import is_hr
from feedback.models import FeedbackLetter, LetterTemplate, ReapplyReminder
from outbox.models import DeliveryStatus
from outbox.reports import BOUNCED

Status = FeedbackLetter.Status
# Letters HR still has to act on or watch: not yet sent.
QUEUE_STATUSES = (Status.DRAFT, Status.IN_REVIEW, Status.SCHEDULED, Status.FAILED)
# A letter in one of these has not reached the candidate yet.
UNSENT_STATUSES = (Status.DRAFT, Status.IN_REVIEW, Status.SCHEDULED, Status.SENDING, Status.FAILED)


# Letters a candidate may open. A letter in "sending" may already be in their
# inbox (the SMTP hand-off happens before the row is marked sent); so may an
# "unknown" one (the server may have taken it before the connection broke).
CANDIDATE_VISIBLE = (Status.SENT, Status.SENDING, Status.UNKNOWN)
# Why a candidate may not open or act on a letter, in words for them.
CLOSED_TO_CANDIDATE = {
    "erased": "This feedback has been deleted.",
    "not_sent": "This letter has not been sent.",
}


def can_review_letters(user) -> bool:
    """Read, edit, approve, cancel and retry letters, and edit letter templates: HR only.

    ``user`` may be None (no one signed in): False.
    """
    return user is not None and is_hr(user)


def letter_on_page_only(letter: FeedbackLetter) -> bool:
    """An approved letter the sending engine did not email because the candidate had unsubscribed.

    It is cancelled at its send time (``letters.emails.letter_skip_reason``), keeps
    ``approved_at``, and is the candidate's to read on their page all the same. (HR's own
    "cancel" puts a letter back in review and clears ``approved_at``; erasure cancels too,
    but an erased candidate opens nothing.) Reads ``letter.application.candidate``.
    """
    return (
        letter.status == Status.CANCELLED
        and letter.approved_at is not None
        and letter.application.candidate.unsubscribed
    )


def letter_closed_to_candidate(letter: FeedbackLetter) -> str | None:
    """Why the candidate may not open or act on ``letter``, or None if they may.

    "erased": their data was erased; "not_sent": the letter has not gone out
    (``CANDIDATE_VISIBLE``) and is not one kept for their page (``letter_on_page_only``).
    ``CLOSED_TO_CANDIDATE`` has the words for each. Reads ``letter.application.candidate``
    (load it with the letter).
    """
    if letter.application.candidate.erased:
        return "erased"
    if letter.status not in CANDIDATE_VISIBLE and not letter_on_page_only(letter):
        return "not_sent"
    return None


def letters_visible_to(user) -> QuerySet[FeedbackLetter]:
    """HR sees every letter; nobody else sees letters on these pages."""
    if can_review_letters(user):
        return FeedbackLetter.objects.all()
    return FeedbackLetter.objects.none()


def letter_for_user(*, user, pk: int) -> FeedbackLetter:
    """The letter with everything the editor shows, or 404."""
    letter = (
        letters_visible_to(user)
        .select_related(
            "application__candidate",
            "application__job",
            "decision__decided_by",
            "decision__stage",
            "template",
            "approved_by",
        )
        .filter(pk=pk)
        .first()
    )
    if letter is None:
        raise Http404
    return letter


def letter_queue(*, user, now: dt.datetime | None = None) -> QuerySet[FeedbackLetter]:
    """Letters not yet sent, nearest deadline first, each flagged ``is_overdue``."""
    now = now or timezone.now()
    return (
        letters_visible_to(user)
        .filter(status__in=QUEUE_STATUSES)
        .select_related("application__candidate", "application__job", "decision__decided_by")
        # The list shows none of the texts (read in order from letter_queue_idx).
        .defer("body", "sent_text", "sent_html", "last_error", "sent_raw", "sent_envelope")
        .annotate(
            is_overdue=Case(
                When(deadline__lt=now, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .order_by("deadline", "id")
    )


# -- where sending stands, for HR (letters and reminders) --------------------------

# A due row the sweeps have not sent within this is overdue: the letter sweep runs every
# minute and the recovery sweep every 15 s, so a healthy system never gets there.
SEND_OVERDUE_AFTER = dt.timedelta(minutes=5)
# Reminders are swept every 15 minutes (config/settings/base.py).
REMINDER_OVERDUE_AFTER = dt.timedelta(minutes=30)
# How many rows each "needs attention" list shows.
ATTENTION_LIMIT = 50


@dataclass(frozen=True)
class SendingState:
    """Where a row stands in sending, in words for HR, and what HR can do about it.

    ``key``: scheduled | waiting | overdue | sending | stalled | unknown | failed | other.
    ``action``: "cancel" (take a scheduled letter back), "retry" (send a failed one again),
    "resend" (send an unknown one again, once HR confirmed it did not arrive), or "".
    """

    key: str
    label: str
    note: str
    action: str


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return "soon"
    local = timezone.localtime(value)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def sending_state(
    row, *, now: dt.datetime | None = None, noun: str = "letter", detail: bool = True
) -> SendingState:
    """Where ``row`` (a letter, reminder or any outbox row) stands in sending, for HR.

    - scheduled, after a temporary failure: "Waiting for the mail server (try n, next at …)";
    - scheduled and due for longer than ``SEND_OVERDUE_AFTER`` (``REMINDER_OVERDUE_AFTER``
      for reminders): overdue, with what to check;
    - sending: being sent now, or (lease run out) its sender stopped and it goes again
      within a minute;
    - unknown: "The mail server may have received this <noun>; check before sending it
      again", to resend with a confirmation;
    - failed: the reason and the tries, to retry.

    ``detail``: include ``last_error`` (False on lists that defer it). Reads only the row.
    """
    now = now or timezone.now()
    status = row.status
    cancel = "cancel" if noun == "letter" else ""
    error = (row.last_error or "") if detail else ""
    if status == "scheduled":
        if row.failing_since is not None and row.attempts:
            reason = error.split("trying again: ", 1)[-1] if error else ""
            note = f"Waiting for the mail server (try {row.attempts}, next at {_when(row.claimed_until)})."
            return SendingState("waiting", "Waiting for the mail server", f"{note} {reason}".strip(), cancel)
        overdue_after = SEND_OVERDUE_AFTER if noun == "letter" else REMINDER_OVERDUE_AFTER
        if row.send_after is not None and row.send_after <= now - overdue_after:
            note = (
                f"Due since {_when(row.send_after)} and not sent yet. It goes with the next sweep; "
                "if it stays here, check that the worker and beat are running."
            )
            return SendingState("overdue", "Overdue to send", note, cancel)
        return SendingState("scheduled", "Scheduled", f"To be sent on {_when(row.send_after)}.", cancel)
    if status == "sending":
        if row.claimed_until is not None and row.claimed_until >= now:
            return SendingState("sending", "Sending", "Being sent now.", "")
        note = "Its sender stopped while sending it; it will be sent again within a minute."
        return SendingState("stalled", "Sending", note, "")
    if status == "unknown":
        note = f"The mail server may have received this {noun}; check before sending it again."
        return SendingState("unknown", "Unknown: may have been received", f"{note} {error}".strip(), "resend")
    if status == "failed":
        tries = f"{row.attempts} tr{'y' if row.attempts == 1 else 'ies'}"
        note = f"Sending failed: {error or 'no reason recorded.'} ({tries})" if detail else "Sending failed."
        return SendingState("failed", "Failed", note, "retry")
    label = row.get_status_display() if hasattr(row, "get_status_display") else str(status)
    return SendingState("other", label, "", "")


def letters_needing_attention(*, user, now: dt.datetime | None = None, limit: int = ATTENTION_LIMIT) -> list:
    """Letters whose sending needs HR's eye: failed, unknown, in sending, overdue or waiting for the
    mail server. Each carries ``.sending`` (a ``SendingState``); failed and unknown first.

    Two short indexed reads of at most ``limit`` rows each (``letter_status_deadline_idx``
    for the states, ``letter_due_idx`` for due scheduled letters), whatever the backlog.
    """
    now = now or timezone.now()
    visible = (
        letters_visible_to(user)
        .select_related("application__candidate", "application__job")
        .defer("body", "sent_text", "sent_html", "sent_raw", "sent_envelope")
    )
    stuck = list(
        visible.filter(status__in=(Status.FAILED, Status.UNKNOWN, Status.SENDING)).order_by("deadline", "id")[
            :limit
        ]
    )
    due = list(
        visible.filter(status=Status.SCHEDULED, send_after__lte=now)
        .filter(Q(send_after__lte=now - SEND_OVERDUE_AFTER) | Q(failing_since__isnull=False))
        .order_by("send_after", "id")[:limit]
    )
    order = {"failed": 0, "unknown": 1, "stalled": 2, "overdue": 3, "waiting": 4, "sending": 5}
    letters = stuck + due
    for letter in letters:
        letter.sending = sending_state(letter, now=now)
    return sorted(letters, key=lambda letter: (order.get(letter.sending.key, 9), letter.deadline, letter.pk))


def reminders_needing_attention(
    *, user, now: dt.datetime | None = None, limit: int = ATTENTION_LIMIT
) -> list:
    """Reapply reminders whose sending needs HR's eye (failed, unknown, stuck, overdue, waiting),
    each with ``.sending``; empty for anyone but HR. Indexed reads of at most ``limit`` rows each
    (``reminder_attention_idx``, ``reminder_sending_idx``, ``reminder_due_idx``)."""
    if not can_review_letters(user):
        return []
    now = now or timezone.now()
    rows = ReapplyReminder.objects.select_related("candidate", "application__job").defer(
        "sent_text", "sent_html", "sent_raw", "sent_envelope"
    )
    found = list(
        rows.filter(status__in=(DeliveryStatus.FAILED, DeliveryStatus.UNKNOWN)).order_by("id")[:limit]
    )
    found += list(
        rows.filter(status=DeliveryStatus.SENDING, claimed_until__lt=now).order_by("claimed_until")[:limit]
    )
    found += list(
        rows.filter(status=DeliveryStatus.SCHEDULED, send_after__lte=now)
        .filter(Q(send_after__lte=now - REMINDER_OVERDUE_AFTER) | Q(failing_since__isnull=False))
        .order_by("send_after")[:limit]
    )
    for reminder in found:
        reminder.sending = sending_state(reminder, now=now, noun="reminder")
    return found


def reminder_for_user(*, user, pk: int) -> ReapplyReminder:
    """The reminder, for HR's retry, or 404."""
    if not can_review_letters(user):
        raise Http404
    reminder = ReapplyReminder.objects.filter(pk=pk).first()
    if reminder is None:
        raise Http404
    return reminder


def letters_in_review_count(*, user) -> int:
    """How many letters "approve every clean letter in review" would consider."""
    return letters_visible_to(user).filter(status=Status.IN_REVIEW).count()


def letter_events(letter: FeedbackLetter):
    """The letter's audit trail, oldest first."""
    return audit_for(letter).order_by("created_at", "id")


def letter_templates_visible_to(user) -> QuerySet[LetterTemplate]:
    if can_review_letters(user):
        return LetterTemplate.objects.select_related("updated_by")
    return LetterTemplate.objects.none()


def letter_template_for_user(*, user, pk: int) -> LetterTemplate:
    template = letter_templates_visible_to(user).filter(pk=pk).first()
    if template is None:
        raise Http404
    return template


def letters_bounced():
    """Failed letters whose message bounced (a provider's report: ``outbox.reports.BOUNCED``), by deadline."""
    return (
        FeedbackLetter.objects.filter(status=FeedbackLetter.Status.FAILED, last_error=BOUNCED)
        .select_related("application__candidate", "application__job")
        .order_by("deadline", "pk")
    )
