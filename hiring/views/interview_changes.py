"""Fixing mistakes on an application's page: un-assign an interviewer, reschedule an interview
(HR and the job's hiring manager), withdraw a decision recorded by mistake (HR).

Every change is a POST with CSRF that calls one service in ``hiring/services/``; the pages
answer 404 to anyone who may not see the application or may not make the change.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.permissions import staff_required
from hiring import predicates, selectors
from hiring.forms import DecisionWithdrawForm, InterviewRescheduleForm
from hiring.models import Decision, Interview
from hiring.services.decision_changes import decision_withdraw
from hiring.services.errors import HiringError
from hiring.services.interviews_changes import interview_reschedule, interview_unassign
from hiring.views.common import add_refusal


def _interview_for_change(request, pk) -> Interview:
    """The interview if the user sees its application and may change its panel; else 404."""
    try:
        application_pk = Interview.objects.values_list("application_id", flat=True).get(pk=pk)
    except (Interview.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    application = selectors.application_for(request.user, application_pk)
    if not predicates.can_change_interview(request.user, application):
        raise Http404
    interview = Interview.objects.select_related("interviewer", "stage").get(pk=pk)
    interview.application = application
    return interview


@login_required
@staff_required
@require_POST
def interview_unassign_view(request, pk):
    interview = _interview_for_change(request, pk)
    person = interview.interviewer.get_full_name() or interview.interviewer.get_username()
    try:
        interview_unassign(interview=interview, by=request.user)
    except HiringError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{person} is no longer on the {interview.stage.name} panel.")
    return redirect("hiring:application_detail", pk=interview.application_id)


@login_required
@staff_required
@require_http_methods(["GET", "POST"])
def interview_reschedule_view(request, pk):
    interview = _interview_for_change(request, pk)
    form = InterviewRescheduleForm(request.POST or None, initial={"scheduled_at": interview.scheduled_at})
    if request.method == "POST" and form.is_valid():
        try:
            interview_reschedule(
                interview=interview, by=request.user, scheduled_at=form.cleaned_data["scheduled_at"]
            )
        except (HiringError, ValidationError) as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Interview rescheduled.")
            return redirect("hiring:application_detail", pk=interview.application_id)
    return render(
        request,
        "hiring/interview_reschedule.html",
        {"interview": interview, "application": interview.application, "form": form},
    )


@login_required
@staff_required
@require_http_methods(["GET", "POST"])
def decision_withdraw_view(request, pk):
    """HR: withdraw a decision recorded by mistake, with a reason (a confirmation page, then POST)."""
    if not predicates.can_withdraw_decision(request.user):
        raise Http404
    try:
        decision = Decision.objects.select_related("stage", "decided_by").get(pk=pk)
    except (Decision.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    application = selectors.application_for(request.user, decision.application_id)
    form = DecisionWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decision_withdraw(decision=decision, by=request.user, reason=form.cleaned_data["reason"])
        except HiringError as exc:
            add_refusal(form, exc)
        else:
            messages.success(
                request,
                f"Decision withdrawn. The application is back at {decision.stage.name}"
                + (
                    " and its draft letter is cancelled."
                    if decision.outcome == Decision.Outcome.NO_HIRE
                    else "."
                ),
            )
            return redirect("hiring:application_detail", pk=application.pk)
    return render(
        request,
        "hiring/decision_withdraw.html",
        {"decision": decision, "application": application, "form": form},
    )
