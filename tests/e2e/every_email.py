"""Send one of every email Candor sends, through the code the Celery tasks run.

``send_every_email(world)`` drives each row to its due state with the apps'
services (approve a letter, opt into a reminder, answer and approve a question,
let a letter go late) and then calls what the worker calls:
``outbox.services.delivery_send`` and ``feedback.digest.late_digest_send``.
Where the mail goes is the caller's choice: Django's test outbox, or the SMTP
sink (``smtp_sink`` fixture) for the bytes a mail server really receives.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from feedback.digest import late_digest_send
from feedback.letters import services as letter_services
from feedback.models import FeedbackLetter, FeedbackRequest, ReapplyReminder
from feedback.portal import services as candidate_services
from feedback.requests import services as request_services
from outbox import services as delivery
from tests.e2e.scenario import World

# What each kind of email is called in reports, and who receives it.
KINDS = ("letter", "reminder", "answer", "HR digest", "decider digest")
CANDIDATE_KINDS = ("letter", "reminder", "answer")  # the candidate can opt out of these


def _due_now(model, pk: int) -> None:
    model.objects.filter(pk=pk).update(send_after=timezone.now() - dt.timedelta(seconds=1))


def send_every_email(world: World) -> dict[str, str]:
    """Send each kind once; return kind -> the recipient's address."""
    # The letter: HR fixes the flagged sentence, approves, and it comes due.
    letter = world.letter
    body = letter.body.replace(
        "We have decided to move forward with other candidates whose experience better matches our needs.",
        "We would be glad to hear from you again.",
    )
    letter = letter_services.letter_edit(letter=letter, by=world.hr, subject=letter.subject, body=body)
    letter = letter_services.letter_approve(
        letter=letter, by=world.hr, send_at=timezone.now() + dt.timedelta(minutes=1)
    )
    _due_now(FeedbackLetter, letter.pk)
    assert delivery.delivery_send(kind="letter", pk=letter.pk) == delivery.Outcome.SENT

    # The reapply reminder, opted into on the candidate page, on its due day.
    reminder = candidate_services.reminder_opt_in(letter=world.sent_letter)
    _due_now(ReapplyReminder, reminder.pk)
    assert delivery.delivery_send(kind="reminder", pk=reminder.pk) == delivery.Outcome.SENT

    # The answer to a request for more detail, written by the decider and approved by HR.
    request = request_services.request_create(
        letter=world.sent_letter, question="Could you say more about what a stronger rate limiter design is?"
    )
    request = request_services.request_answer(
        request=request,
        by=world.bob,
        answer="A token bucket refills at a steady rate and allows short bursts up to its size. "
        "Saying how you would size it for our traffic would have made the design complete.",
    )
    request = request_services.request_approve(request=request, by=world.hr)
    _due_now(FeedbackRequest, request.pk)
    assert delivery.delivery_send(kind="answer", pk=request.pk) == delivery.Outcome.SENT

    # No ghosting: a letter still in review past its deadline puts HR and the decider on notice.
    late = world.late_letter
    FeedbackLetter.objects.filter(pk=late.pk).update(deadline=timezone.now() - dt.timedelta(days=2))
    assert late_digest_send() == 2

    return {
        "letter": letter.application.candidate.email,
        "reminder": world.sent_letter.application.candidate.email,
        "answer": world.sent_letter.application.candidate.email,
        "HR digest": _hr_email(),
        "decider digest": late.decision.decided_by.email,
    }


def _hr_email() -> str:
    from django.conf import settings

    return settings.CANDOR_HR_EMAIL


def by_kind(messages, recipients: dict[str, str]) -> dict[str, object]:
    """Pick each kind's message out of what arrived, by recipient and subject."""
    found = {}
    for kind, address in recipients.items():
        mine = [m for m in messages if address.lower() in _to(m)]
        if kind == "reminder":
            mine = [m for m in mine if "reapply" in _subject(m).lower()]
        elif kind == "answer":
            mine = [m for m in mine if "question" in _subject(m).lower()]
        assert len(mine) == 1, f"expected one {kind} email to {address}, got {len(mine)}"
        found[kind] = mine[0]
    return found


def _to(message) -> str:
    to = message.to if hasattr(message, "to") else [message.get("To", "")]
    return " ".join(str(t) for t in to).lower()


def _subject(message) -> str:
    return str(message.subject if hasattr(message, "subject") else message.get("Subject", ""))
