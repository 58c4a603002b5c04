"""Jobs pages (HR): the jobs list, a job's page, and the editor of its pipeline (stages and
their criteria), which htmx refreshes in place after every change."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hiring import predicates, selectors
from hiring.forms import CriterionForm, JobForm, StageForm
from hiring.services import jobs as job_services
from hiring.services.errors import HiringError
from hiring.views.common import add_refusal, only_if


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
@only_if(predicates.can_manage_jobs)
@require_GET
def job_list(request):
    jobs = selectors.jobs_for_hr(request.user).annotate(
        stage_count=Count("stages", distinct=True),
        open_count=Count("applications", filter=Q(applications__status="active"), distinct=True),
    )
    page = Paginator(jobs.order_by("status", "title", "id"), 50).get_page(request.GET.get("page"))
    return render(request, "hiring/job_list.html", {"page": page})


@login_required
@only_if(predicates.can_manage_jobs)
@require_http_methods(["GET", "POST"])
def job_create(request):
    form = JobForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = job_services.job_create(by=request.user, **form.cleaned_data)
        except (HiringError, ValidationError) as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Job created. Now add its stages and criteria.")
            return redirect("hiring:job_edit", pk=job.pk)
    return render(request, "hiring/job_form.html", {"form": form, "job": None})


@login_required
@only_if(predicates.can_manage_jobs)
@require_GET
def job_detail(request, pk):
    job = selectors.job_for_hr(request.user, pk)
    applications = job.applications.select_related("candidate", "current_stage").order_by("-created_at")
    page = Paginator(applications, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "hiring/job_detail.html",
        {"job": job, "stages": selectors.job_pipeline(job), "page": page},
    )


@login_required
@only_if(predicates.can_manage_jobs)
@require_http_methods(["GET", "POST"])
def job_edit(request, pk):
    job = selectors.job_for_hr(request.user, pk)
    form = JobForm(request.POST or None, instance=job)
    if request.method == "POST" and form.is_valid():
        try:
            saved = job_services.job_update(job=job, by=request.user, **form.cleaned_data)
        except (HiringError, ValidationError) as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Job saved.")
            for notice in saved.notices:
                messages.info(request, notice)
            return redirect("hiring:job_edit", pk=job.pk)
    if form.errors:
        job.refresh_from_db()
    return render(request, "hiring/job_form.html", {"form": form, "job": job, **_pipeline_context(job)})


def _pipeline_context(job, *, stage_add_form=None, errors=(), error_kind=None, error_pk=None):
    return {
        "job": job,
        "stages": selectors.job_pipeline(job),
        "stage_add_form": stage_add_form or StageForm(prefix="new-stage"),
        "pipeline_errors": list(errors),
        "error_kind": error_kind,
        "error_pk": error_pk,
    }


def _messages_of(form) -> list[str]:
    out = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        out.extend(f"{label}: {e}" if label else e for e in errors)
    return out


def _pipeline_response(request, job, **kwargs):
    """After a pipeline edit: the refreshed editor for htmx, or back to the edit page."""
    if _is_htmx(request):
        return render(request, "hiring/partials/pipeline.html", _pipeline_context(job, **kwargs))
    for message in kwargs.get("errors", ()):
        messages.error(request, message)
    return redirect(reverse("hiring:job_edit", args=[job.pk]) + "#pipeline")


def _run(request, job, action, *, kind=None, pk=None, **on_success):
    try:
        action()
    except (HiringError, ValidationError) as exc:
        message = getattr(exc, "message", None) or " ".join(getattr(exc, "messages", []))
        return _pipeline_response(request, job, errors=[message], error_kind=kind, error_pk=pk)
    return _pipeline_response(request, job, **on_success)


def _focused_stage_form() -> StageForm:
    """A fresh "add a stage" form that takes the focus after an htmx swap (keyboard users
    adding several stages keep typing)."""
    form = StageForm(prefix="new-stage")
    form.fields["name"].widget.attrs["autofocus"] = True
    return form


@login_required
@only_if(predicates.can_manage_jobs)
@require_POST
def stage_add(request, pk):
    job = selectors.job_for_hr(request.user, pk)
    form = StageForm(request.POST, prefix="new-stage")
    if not form.is_valid():
        return _pipeline_response(
            request, job, stage_add_form=form, errors=_messages_of(form), error_kind="new"
        )
    return _run(
        request,
        job,
        lambda: job_services.stage_add(job=job, by=request.user, **form.cleaned_data),
        kind="new",
        stage_add_form=_focused_stage_form(),
    )


@login_required
@only_if(predicates.can_manage_jobs)
@require_POST
def stage_update(request, pk):
    stage = selectors.stage_for_hr(request.user, pk)
    form = StageForm(request.POST, prefix=f"stage-{stage.pk}")
    if not form.is_valid():
        return _pipeline_response(
            request, stage.job, errors=_messages_of(form), error_kind="stage", error_pk=stage.pk
        )
    return _run(
        request,
        stage.job,
        lambda: job_services.stage_update(stage=stage, by=request.user, **form.cleaned_data),
        kind="stage",
        pk=stage.pk,
    )


def _direction(request) -> int:
    return -1 if request.POST.get("direction") == "up" else 1


@login_required
@only_if(predicates.can_manage_jobs)
@require_POST
def stage_move(request, pk):
    stage = selectors.stage_for_hr(request.user, pk)
    return _run(
        request,
        stage.job,
        lambda: job_services.stage_move(stage=stage, by=request.user, direction=_direction(request)),
        kind="stage",
        pk=stage.pk,
    )


@login_required
@only_if(predicates.can_manage_jobs)
@require_POST
def stage_remove(request, pk):
    stage = selectors.stage_for_hr(request.user, pk)
    return _run(
        request,
        stage.job,
        lambda: job_services.stage_remove(stage=stage, by=request.user),
        kind="stage",
        pk=stage.pk,
    )


@login_required
@only_if(predicates.can_manage_jobs)
@require_POST
def criterion_add(request, pk):
    stage = selectors.stage_for_hr(request.user, pk)
    form = CriterionForm(request.POST, prefix=f"new-criterion-{stage.pk}")
    if not form.is_valid():
        return _pipeline_response(
            request, stage.job, errors=_messages_of(form), error_kind="new-criterion", error_pk=stage.pk
        )
    return _run(
        request,
        stage.job,
        lambda: job_services.criterion_add(stage=stage, by=request.user, **form.cleaned_data),
        kind="new-criterion",
        pk=stage.pk,
    )


@login_required
@only_if(predicates.can_manage_jobs)
@require_POST
def criterion_update(request, pk):
    criterion = selectors.criterion_for_hr(request.user, pk)
    form = CriterionForm(request.POST, prefix=f"criterion-{criterion.pk}")
    job = criterion.stage.job
    if not form.is_valid():
        return _pipeline_response(
            request, job, errors=_messages_of(form), error_kind="criterion", error_pk=criterion.pk
        )
    return _run(
        request,
        job,
        lambda: job_services.criterion_update(criterion=criterion, by=request.user, **form.cleaned_data),
        kind="criterion",
        pk=criterion.pk,
    )


@login_required
@only_if(predicates.can_manage_jobs)
@require_POST
def criterion_move(request, pk):
    criterion = selectors.criterion_for_hr(request.user, pk)
    return _run(
        request,
        criterion.stage.job,
        lambda: job_services.criterion_move(
            criterion=criterion, by=request.user, direction=_direction(request)
        ),
        kind="criterion",
        pk=criterion.pk,
    )


@login_required
@only_if(predicates.can_manage_jobs)
@require_POST
def criterion_remove(request, pk):
    criterion = selectors.criterion_for_hr(request.user, pk)
    return _run(
        request,
        criterion.stage.job,
        lambda: job_services.criterion_remove(criterion=criterion, by=request.user),
        kind="criterion",
        pk=criterion.pk,
    )
