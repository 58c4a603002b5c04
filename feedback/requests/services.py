"""Requests for more detail: the candidate asks, the decider answers, HR reviews and sends.

Statuses: a question is ``open`` (due in CANDOR_REQUEST_DEADLINE_DAYS business
days); the answer puts it ``in_review``; HR's approval schedules the email
(``scheduled``, then the sending engine's ``sending`` → ``sent``), or cancels it
when the candidate unsubscribed; HR may close a request without an answer
(``cancelled``).

Who may act is asked of ``feedback.requests.selectors``: the decider or the
job's hiring manager answers (``can_answer_request``); HR approves and closes
(``can_review_requests``). Anyone else gets ``PermissionDenied``.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from candidates.models import Candidate
from core.audit import audit_record
from core.dates import business_deadline
from core.events import emit_event
from feedback.letters.selectors import CLOSED_TO_CANDIDATE, letter_closed_to_candidate
from feedback.models import FeedbackLetter, FeedbackRequest
from feedback.quality import check as quality
from feedback.requests.selectors import (
    ANSWERABLE,
    answers_emailed_to,
    can_answer_request,
    can_review_requests,
)
from outbox.message_ids import delivery_message_id

QUESTION_MAX_LENGTH = 1000
ANSWER_MAX_LENGTH = 4000
# Requests a candidate may make per letter: enough to follow up, not a channel for spam.
REQUESTS_PER_LETTER = 3
# The same question on the same letter within this time is one request submitted twice (a double
# click, a resent form): the candidate gets the first one back, not a second.
DUPLICATE_WINDOW = dt.timedelta(hours=1)


class RequestStateError(Exception):
    """A request action refused in the current state; ``message`` is shown to the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class QualityCheckFailed(RequestStateError):
    """The answer has quality findings and no override reason was given."""

    def __init__(self, findings):
        super().__init__("The answer has quality flags: fix them, or give a reason to override.")
        self.findings = findings


def candidate_touch(candidate: Candidate, now: dt.datetime) -> None:
    """The candidate acted (asked, opted in, rated, reapplied): retention counts from ``now``.

    Updates the row and the given object. Used by every candidate action, here and in
    ``feedback.portal.services``.
    """
    Candidate.objects.filter(pk=candidate.pk).update(last_activity_at=now)
    candidate.last_activity_at = now


def request_deadline(now: dt.datetime) -> dt.datetime:
    """When the answer is due: the end (23:59:59, organisation's time zone) of the business day
    CANDOR_REQUEST_DEADLINE_DAYS business days after ``now`` (``core.dates.business_deadline``)."""
    return business_deadline(now, settings.CANDOR_REQUEST_DEADLINE_DAYS)


@transaction.atomic
def request_create(*, letter: FeedbackLetter, question: str) -> FeedbackRequest:
    """The candidate asks for more detail: routed to the decider, due by ``request_deadline``.

    The same question (after trimming) asked again within DUPLICATE_WINDOW (one hour), and
    not closed by HR, is a double submit: that request is returned, nothing is created
    (two submissions at once included: the letter's row is locked first).

    Raises ValidationError for an empty or too long question, RequestStateError when
    the letter is not open to the candidate or REQUESTS_PER_LETTER were already asked.
    """
    closed = letter_closed_to_candidate(letter)
    if closed:
        raise RequestStateError(CLOSED_TO_CANDIDATE[closed])
    candidate = letter.application.candidate
    question = (question or "").strip()
    if not question:
        raise ValidationError({"question": "Write your question."})
    if len(question) > QUESTION_MAX_LENGTH:
        raise ValidationError({"question": f"Keep it under {QUESTION_MAX_LENGTH} characters."})
    # Lock the letter so two quick submissions cannot both pass the limit, and so that the
    # second of a double submit waits for the first and then finds its request.
    FeedbackLetter.objects.select_for_update().filter(pk=letter.pk).first()
    now = timezone.now()
    same = (
        FeedbackRequest.objects.filter(letter=letter, question=question, asked_at__gte=now - DUPLICATE_WINDOW)
        .exclude(status=FeedbackRequest.Status.CANCELLED)
        .order_by("pk")
        .first()
    )
    if same is not None:
        return same
    if FeedbackRequest.objects.filter(letter=letter).count() >= REQUESTS_PER_LETTER:
        raise RequestStateError(
            f"You have already asked {REQUESTS_PER_LETTER} questions about this letter. "
            f"For anything else, write to {settings.CANDOR_HR_EMAIL}."
        )
    request = FeedbackRequest(
        letter=letter,
        question=question,
        status=FeedbackRequest.Status.OPEN,
        asked_at=now,
        deadline=request_deadline(now),
        message_id=delivery_message_id("answer"),
    )
    request.full_clean()
    request.save()
    candidate_touch(candidate, now)
    audit_record(actor=None, verb="request.created", target=request)
    # Events out (core/events.py; docs/events.md): ids and states only, no question text.
    emit_event("request.created", _request_event(request))
    return request


def _request_event(request: FeedbackRequest) -> dict:
    """The payload of ``request.created`` / ``request.answered`` events: ids, state and times only."""
    return {
        "request_id": request.pk,
        "letter_public_id": str(request.letter.public_id),
        "application_id": request.letter.application_id,
        "status": request.status,
        "asked_at": request.asked_at.isoformat() if request.asked_at else None,
        "answered_at": request.answered_at.isoformat() if request.answered_at else None,
        "deadline": request.deadline.isoformat() if request.deadline else None,
    }


def _locked_request(request: FeedbackRequest) -> FeedbackRequest:
    return (
        FeedbackRequest.objects.select_for_update(of=("self",))
        .select_related("letter__application__candidate", "letter__application__job", "letter__decision")
        .get(pk=request.pk)
    )


def _clean_answer(answer: str, *, empty: str) -> str:
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": empty})
    if len(answer) > ANSWER_MAX_LENGTH:
        raise ValidationError({"answer": f"Keep it under {ANSWER_MAX_LENGTH} characters."})
    return answer


@transaction.atomic
def request_answer(*, request: FeedbackRequest, by, answer: str) -> FeedbackRequest:
    """The decider (or the job's hiring manager) answers; the answer goes to HR review.

    They may revise it until it is approved. Raises RequestStateError once approved or
    closed (checked first: that is true for anyone who asks), PermissionDenied unless
    ``by`` may answer (``can_answer_request``), ValidationError for an empty or too long
    answer.
    """
    request = _locked_request(request)
    if request.status not in ANSWERABLE:
        raise RequestStateError("This request has already been answered and approved.")
    if not can_answer_request(by, request):
        raise PermissionDenied(
            "Only the person who made the decision, or the job's hiring manager, can answer."
        )
    request.answer = _clean_answer(answer, empty="Write an answer.")
    request.answered_by = by
    request.answered_at = timezone.now()
    request.status = FeedbackRequest.Status.IN_REVIEW
    request.full_clean()
    request.save()
    audit_record(actor=by, verb="request.answered", target=request)
    emit_event("request.answered", _request_event(request))
    return request


def check_answer(text: str, *, candidate=None) -> list:
    """Quality findings for an answer: the same check as letters (``feedback.quality.check``:
    phrase lists with HR's own, the sentence classifier, merge fields, languages). Only
    findings with ``blocking`` set block approval; advisory ones are shown."""
    return quality.checker().check_text(text, addressee=quality.Addressee.of(candidate))


@transaction.atomic
def request_approve(
    *, request: FeedbackRequest, by, override_reason: str = "", answer: str | None = None
) -> FeedbackRequest:
    """HR approves the answer (optionally edited): it is scheduled to send now.

    Quality flags block approval unless HR gives a reason, which is audited.
    A candidate who unsubscribed is not emailed; the approved answer still
    shows on their feedback page. Raises PermissionDenied unless ``by`` is HR,
    RequestStateError unless the request is in review, QualityCheckFailed (with
    ``findings``) for blocking flags without a reason, ValidationError for a bad answer.
    """
    if not can_review_requests(by):
        raise PermissionDenied("Only HR can approve answers.")
    request = _locked_request(request)
    if request.status != FeedbackRequest.Status.IN_REVIEW:
        raise RequestStateError("Only an answered request waiting for review can be approved.")
    if answer is not None:
        answer = _clean_answer(answer, empty="The answer cannot be empty.")
        if answer != request.answer:
            request.answer = answer
            audit_record(actor=by, verb="request.edited", target=request)
    override_reason = (override_reason or "").strip()
    findings = check_answer(request.answer, candidate=request.letter.application.candidate)
    blocking = quality.blocking(findings)
    if blocking and not override_reason:
        raise QualityCheckFailed(findings)
    now = timezone.now()
    request.approved_by = by
    request.override_reason = override_reason if blocking else ""
    request.message_id = request.message_id or delivery_message_id("answer")
    candidate = request.letter.application.candidate
    if answers_emailed_to(candidate):
        request.status = FeedbackRequest.Status.SCHEDULED
        request.send_after = now
    else:
        request.status = FeedbackRequest.Status.CANCELLED
        request.last_error = "Not emailed: the candidate unsubscribed. The answer shows on their page."
    request.full_clean()
    request.save()
    if blocking:
        audit_record(
            actor=by,
            verb="request.override",
            target=request,
            reason=override_reason,
            data={"categories": sorted({f.category for f in blocking})},
        )
    audit_record(actor=by, verb="request.approved", target=request)
    return request


@transaction.atomic
def request_close(*, request: FeedbackRequest, by, reason: str) -> FeedbackRequest:
    """HR closes a request without answering it (abuse, spam, handled another way). Audited.

    Raises PermissionDenied unless ``by`` is HR, RequestStateError once approved or
    closed, ValidationError without a reason.
    """
    if not can_review_requests(by):
        raise PermissionDenied("Only HR can close requests.")
    request = _locked_request(request)
    if request.status not in ANSWERABLE:
        raise RequestStateError("Only a request that has not been approved can be closed.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason."})
    request.status = FeedbackRequest.Status.CANCELLED
    request.last_error = "Closed by HR without an answer."
    request.save(update_fields=["status", "last_error"])
    audit_record(actor=by, verb="request.closed", target=request, reason=reason)
    return request
