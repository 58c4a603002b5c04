"""Interview pages: the interviewer's home (their interviews, and for hiring managers the open
applications of their jobs) and HR's panel assignment for an application."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core import roles
from core.permissions import staff_required
from hiring import predicates, selectors
from hiring.forms import InterviewAssignForm
from hiring.services.errors import HiringError
from hiring.services.interviews import interview_assign as interview_assign_service
from hiring.views.common import add_refusal, only_if


@login_required
@staff_required
@require_GET
def my_interviews(request):
    lists = selectors.my_interviews(request.user)
    managed = managed_more = None
    if roles.is_hiring_manager(request.user):
        managed, total = selectors.first_rows(selectors.applications_managed_by(request.user))
        managed_more = total - len(managed)
    return render(
        request, "hiring/my_interviews.html", {**lists, "managed": managed, "managed_more": managed_more}
    )


MY_SECTIONS = {
    "waiting": "Waiting for my scorecard",
    "upcoming": "Upcoming interviews",
    "managed": "Open applications for jobs I manage",
}


@login_required
@staff_required
@require_GET
def my_interviews_section(request, section):
    """One list of the interviewer home in full, 50 rows a page, in the same order."""
    if section not in MY_SECTIONS:
        raise Http404
    if section == "managed":
        if not roles.is_hiring_manager(request.user):
            raise Http404
        rows = selectors.applications_managed_by(request.user)
    else:
        rows = selectors.my_interview_lists(request.user)[section]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "hiring/my_interviews_section.html",
        {"section": section, "title": MY_SECTIONS[section], "page": page},
    )


@login_required
@only_if(predicates.can_assign_interviewers)
@require_http_methods(["GET", "POST"])
def interview_assign(request, pk):
    application = selectors.application_for(request.user, pk)
    stages = application.job.stages.order_by("position")
    form = InterviewAssignForm(
        request.POST or None,
        stages=stages,
        interviewers=selectors.assignable_interviewers(),
        initial={"stage": application.current_stage_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            interview_assign_service(application=application, by=request.user, **form.cleaned_data)
        except (HiringError, ValidationError) as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Interviewer assigned.")
            if "another" in request.POST:
                return redirect("hiring:interview_assign", pk=application.pk)
            return redirect("hiring:application_detail", pk=application.pk)
    earlier_ids = selectors.previous_interviewer_ids(application)
    earlier = list(selectors.assignable_interviewers().filter(pk__in=earlier_ids)) if earlier_ids else []
    return render(
        request,
        "hiring/interview_assign.html",
        {
            "application": application,
            "form": form,
            "interviews": selectors.application_interviews(application),
            "earlier_panel": earlier,
        },
    )
