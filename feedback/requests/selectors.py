"""Reads of requests for more detail: who may see, answer and review which request.

Every staff page about requests loads them through these selectors, and the
services ask the same predicates (``can_answer_request``,
``can_review_requests``) before they write, so who may do what is decided here.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from core import roles
from feedback.models import FeedbackLetter, FeedbackRequest

# Requests still waiting for the decider's answer or for HR's review.
ANSWERABLE = (FeedbackRequest.Status.OPEN, FeedbackRequest.Status.IN_REVIEW)


def can_review_requests(user) -> bool:
    """Read every request, approve answers (editing them), close requests: HR only."""
    return user is not None and roles.is_hr(user)


def answers_emailed_to(candidate) -> bool:
    """Whether an answer HR approves now is emailed to ``candidate`` (a ``Candidate``).

    The one rule, read by ``services.request_approve`` (which cancels the email otherwise) and by
    every page that says where the answer goes: not when they unsubscribed (or were erased).
    Either way an approved answer shows on the candidate's feedback page. At send time the
    engine asks ``portal.emails.answer_skip_reason`` the same question again.
    """
    return candidate.contactable


def answer_on_page_only(request: FeedbackRequest) -> bool:
    """An approved answer that was not emailed because the candidate unsubscribed.

    Cancelled at approval (``services.request_approve``) or when they unsubscribed before it
    went (``portal.services.candidate_unsubscribe``); it shows on their page all the same.
    (HR's "close without an answer" also cancels, but nobody approved that one.) Reads
    ``request.letter.application.candidate``.
    """
    return (
        request.status == FeedbackRequest.Status.CANCELLED
        and request.approved_by_id is not None
        and request.letter.application.candidate.unsubscribed
    )


def can_answer_request(user, request: FeedbackRequest) -> bool:
    """Answer a request: the person who made the decision, or the job's hiring manager.

    Reads ``request.letter.decision`` and ``request.letter.application.job`` (load them
    with the request; ``_requests()`` does). Says nothing about the request's state.
    """
    if user is None or not user.is_authenticated:
        return False
    letter = request.letter
    return user.pk in (letter.decision.decided_by_id, letter.application.job.hiring_manager_id)


def _requests() -> QuerySet[FeedbackRequest]:
    return FeedbackRequest.objects.select_related(
        "letter__application__candidate",
        "letter__application__job",
        "letter__decision__decided_by",
        "letter__decision__stage",
        "answered_by",
        "approved_by",
    )


def requests_routed_to(user) -> QuerySet[FeedbackRequest]:
    """Requests the user answers: they made the decision, or they manage the job."""
    if not user.is_authenticated:
        return FeedbackRequest.objects.none()
    return _requests().filter(
        Q(letter__decision__decided_by=user) | Q(letter__application__job__hiring_manager=user)
    )


def request_to_answer(user, pk: int) -> FeedbackRequest:
    """A request the user may answer (404 otherwise). HR may open any, to read it."""
    queryset = _requests() if can_review_requests(user) else requests_routed_to(user)
    request = queryset.filter(pk=pk).first()
    if request is None:
        raise Http404
    return request


def requests_for_review(*, status: str | None = None) -> QuerySet[FeedbackRequest]:
    """HR's list, by deadline; ``status`` (a ``FeedbackRequest.Status``) narrows it, None lists all."""
    queryset = _requests()
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("deadline", "id")


def request_for_hr(pk: int) -> FeedbackRequest:
    """Any request with what the review page shows (404 if there is none); the view checks HR."""
    request = _requests().filter(pk=pk).first()
    if request is None:
        raise Http404
    return request


def candidate_requests(letter: FeedbackLetter) -> QuerySet[FeedbackRequest]:
    """The candidate's questions about their letter, oldest first (their feedback page lists them)."""
    return FeedbackRequest.objects.filter(letter=letter).order_by("asked_at", "id")
