"""Requests for more detail: the decider answers, HR reviews the answer and approves the send."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.permissions import hr_required, staff_required
from feedback.models import FeedbackRequest
from feedback.quality import check as quality
from feedback.requests import services
from feedback.requests.forms import AnswerForm, CloseForm, ReviewForm
from feedback.requests.selectors import (
    ANSWERABLE,
    answers_emailed_to,
    can_answer_request,
    can_review_requests,
    request_for_hr,
    request_to_answer,
    requests_for_review,
    requests_routed_to,
)
from feedback.requests.services import ANSWER_MAX_LENGTH, QualityCheckFailed, RequestStateError
from hiring.models import Interview


def _own_interviews(user, application_ids) -> dict[int, list]:
    """{application id: [the user's own interviews of it, with their stage]}, in one query."""
    if not application_ids:
        return {}
    found: dict[int, list] = {}
    for interview in (
        Interview.objects.filter(application_id__in=application_ids, interviewer=user)
        .select_related("stage")
        .order_by("stage__position", "id")
    ):
        found.setdefault(interview.application_id, []).append(interview)
    return found


@login_required
@staff_required
@require_GET
def mine(request):
    """The requests routed to me: open first, by deadline."""
    items = list(requests_routed_to(request.user).order_by("deadline", "id"))
    # Each question names the candidate and links to the application and to my own scorecard(s)
    # of it (issue #17): my interviews of those applications, in one query.
    own = _own_interviews(request.user, {r.letter.application_id for r in items})
    for item in items:
        item.own_interviews = own.get(item.letter.application_id, [])
    open_items = [r for r in items if r.status == FeedbackRequest.Status.OPEN]
    other_items = [r for r in items if r.status != FeedbackRequest.Status.OPEN]
    return render(
        request,
        "feedback/requests/mine.html",
        {"open_items": open_items, "other_items": other_items, "now": timezone.now()},
    )


@login_required
@staff_required
@require_http_methods(["GET", "POST"])
def answer(request, pk):
    item = request_to_answer(request.user, pk)
    item.own_interviews = _own_interviews(request.user, {item.letter.application_id}).get(
        item.letter.application_id, []
    )
    can_answer = can_answer_request(request.user, item) and item.status in ANSWERABLE
    form = AnswerForm(request.POST or None, initial={"answer": item.answer})
    _live_check(form)
    if request.method == "POST":
        if not can_answer:
            messages.error(request, "This request cannot be answered here.")
            return redirect("requests:answer", pk=item.pk)
        if form.is_valid():
            try:
                services.request_answer(request=item, by=request.user, answer=form.cleaned_data["answer"])
            except ValidationError as exc:
                form.add_error("answer", exc.messages)
            except RequestStateError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Thank you: your answer is with HR for review.")
                return redirect("requests:mine")
    context = {
        "item": item,
        "letter": item.letter,
        "form": form,
        "can_answer": can_answer,
        "is_hr": can_review_requests(request.user),
    }
    return render(request, "feedback/requests/answer.html", context, status=400 if form.errors else 200)


def _live_check(form) -> None:
    """Check the answer as it is typed (htmx posts it to requests:check)."""
    form.fields["answer"].widget.attrs.update(
        {
            "hx-post": reverse("requests:check"),
            "hx-trigger": "input changed delay:400ms",
            "hx-target": "#findings",
            "hx-swap": "innerHTML",
        }
    )


@login_required
@staff_required
@require_POST
def check(request):
    """The quality check of the answer being typed (not saved): a partial for htmx.

    The same check HR's approval runs (``services.check_answer``): blocking flags, advisory
    ones, parts in a language the check does not read.
    """
    text = request.POST.get("answer", "")[:ANSWER_MAX_LENGTH]
    findings = services.check_answer(text) if text.strip() else []
    context = {"panel": quality.panel(text, findings, checked=bool(text.strip()))}
    return render(request, "feedback/requests/_findings.html", context)


@login_required
@hr_required
@require_GET
def review_list(request):
    status = request.GET.get("status") or FeedbackRequest.Status.IN_REVIEW
    if status not in FeedbackRequest.Status.values and status != "all":
        status = FeedbackRequest.Status.IN_REVIEW
    items = requests_for_review(status=None if status == "all" else status)[:200]
    return render(
        request,
        "feedback/requests/review_list.html",
        {"items": items, "status": status, "statuses": FeedbackRequest.Status.choices},
    )


@login_required
@hr_required
@require_http_methods(["GET", "POST"])
def review(request, pk):
    item = request_for_hr(pk)
    can_approve = item.status == FeedbackRequest.Status.IN_REVIEW
    can_close = item.status in ANSWERABLE
    if request.method == "POST" and request.POST.get("action") == "close":
        return _close(request, item, can_close)
    form = ReviewForm(request.POST or None, initial={"answer": item.answer})
    _live_check(form)
    close_form = CloseForm()
    candidate = item.letter.application.candidate
    findings = services.check_answer(item.answer, candidate=candidate) if item.answer else []
    text_for_findings = item.answer
    if request.method == "POST":
        if not can_approve:
            messages.error(request, "Only an answered request waiting for review can be approved.")
            return redirect("requests:review", pk=item.pk)
        if form.is_valid():
            try:
                approved = services.request_approve(
                    request=item,
                    by=request.user,
                    answer=form.cleaned_data["answer"],
                    override_reason=form.cleaned_data["override_reason"],
                )
            except QualityCheckFailed as exc:
                findings = exc.findings
                text_for_findings = form.cleaned_data["answer"]
                form.add_error("override_reason", exc.message)
            except ValidationError as exc:
                form.add_error("answer", exc.messages)
            except RequestStateError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _approved_message(approved.letter.application.candidate))
                return redirect("requests:review_list")
    context = {
        "item": item,
        "letter": item.letter,
        "form": form,
        "can_approve": can_approve,
        "can_close": can_close,
        "close_form": close_form,
        "answer_emailed": answers_emailed_to(item.letter.application.candidate),
        "panel": quality.panel(text_for_findings, findings, checked=bool(item.answer)),
    }
    return render(request, "feedback/requests/review.html", context, status=400 if form.errors else 200)


def _approved_message(candidate) -> str:
    """What HR's approval did: emailed (``answers_emailed_to``), or only on the candidate's page."""
    if answers_emailed_to(candidate):
        return "Approved: the answer is on its way to the candidate."
    return (
        "Approved: the answer is on the candidate's page. "
        "It was not emailed because the candidate unsubscribed."
    )


def _close(request, item, can_close):
    """HR closes a request without an answer (spam, abuse, or handled elsewhere), with a reason."""
    form = CloseForm(request.POST)
    if not can_close:
        messages.error(request, "This request can no longer be closed.")
    elif form.is_valid():
        try:
            services.request_close(request=item, by=request.user, reason=form.cleaned_data["reason"])
        except RequestStateError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "The request is closed. The candidate's page says so.")
            return redirect("requests:review_list")
    else:
        messages.error(request, "Give a reason to close the request.")
    return redirect("requests:review", pk=item.pk)
