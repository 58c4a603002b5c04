"""Requests for more detail: the decider answers, HR reviews the answer and approves the send."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from core import roles
from core.permissions import hr_required, staff_required
from feedback import quality
from feedback.forms_candidate import AnswerForm, ReviewForm
from feedback.models import FeedbackRequest
from feedback.selectors_candidate import (
    request_for_hr,
    request_to_answer,
    requests_for_review,
    requests_routed_to,
)
from feedback.services import candidate as services
from feedback.services.candidate import CandidateActionError, QualityCheckFailed


@login_required
@staff_required
@require_GET
def mine(request):
    """The requests routed to me: open first, by deadline."""
    items = requests_routed_to(request.user).order_by("deadline", "id")
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
    routed = requests_routed_to(request.user).filter(pk=item.pk).exists()
    can_answer = routed and item.status in (FeedbackRequest.Status.OPEN, FeedbackRequest.Status.IN_REVIEW)
    form = AnswerForm(request.POST or None, initial={"answer": item.answer})
    if request.method == "POST":
        if not can_answer:
            messages.error(request, "This request cannot be answered here.")
            return redirect("requests:answer", pk=item.pk)
        if form.is_valid():
            try:
                services.request_answer(request=item, by=request.user, answer=form.cleaned_data["answer"])
            except ValidationError as exc:
                form.add_error("answer", exc.messages)
            except CandidateActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Thank you: your answer is with HR for review.")
                return redirect("requests:mine")
    context = {
        "item": item,
        "letter": item.letter,
        "form": form,
        "can_answer": can_answer,
        "is_hr": roles.is_hr(request.user),
    }
    return render(request, "feedback/requests/answer.html", context, status=400 if form.errors else 200)


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
    form = ReviewForm(request.POST or None, initial={"answer": item.answer})
    findings = services.check_answer(item.answer) if item.answer else []
    text_for_findings = item.answer
    if request.method == "POST":
        if not can_approve:
            messages.error(request, "Only an answered request waiting for review can be approved.")
            return redirect("requests:review", pk=item.pk)
        if form.is_valid():
            try:
                services.request_approve(
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
            except CandidateActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Approved: the answer is on its way to the candidate.")
                return redirect("requests:review_list")
    context = {
        "item": item,
        "letter": item.letter,
        "form": form,
        "can_approve": can_approve,
        "findings": findings,
        "highlighted": quality.highlight(text_for_findings, findings) if findings else None,
    }
    return render(request, "feedback/requests/review.html", context, status=400 if form.errors else 200)
