"""Hiring pages. Thin: load through selectors (404 for what the user may not see), check the
form, call one service, redirect or render a partial."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from candidates.selectors import candidate_for_hr
from core import roles
from core.permissions import hr_required, staff_required
from hiring import csv_import, selectors, services
from hiring.forms import (
    ApplicationOpenForm,
    CriterionForm,
    DecisionForm,
    ImportUploadForm,
    InterviewAssignForm,
    JobForm,
    PointForm,
    PointFormSet,
    RatingForm,
    ScorecardForm,
    StageForm,
)
from hiring.models import Decision, Scorecard


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _form_errors_from(form, exc) -> None:
    """Put a service's refusal next to the field it names (or at the top of the form)."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
        return
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


# --- Interviewer home -----------------------------------------------------------------------


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


# --- Jobs and pipelines (HR) ----------------------------------------------------------------


@login_required
@hr_required
@require_GET
def job_list(request):
    jobs = selectors.jobs_for_hr(request.user).annotate(
        stage_count=Count("stages", distinct=True),
        open_count=Count("applications", filter=Q(applications__status="active"), distinct=True),
    )
    page = Paginator(jobs.order_by("status", "title", "id"), 50).get_page(request.GET.get("page"))
    return render(request, "hiring/job_list.html", {"page": page})


@login_required
@hr_required
@require_http_methods(["GET", "POST"])
def job_create(request):
    form = JobForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.job_create(by=request.user, **form.cleaned_data)
        except (services.HiringError, ValidationError) as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, "Job created. Now add its stages and criteria.")
            return redirect("hiring:job_edit", pk=job.pk)
    return render(request, "hiring/job_form.html", {"form": form, "job": None})


@login_required
@hr_required
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
@hr_required
@require_http_methods(["GET", "POST"])
def job_edit(request, pk):
    job = selectors.job_for_hr(request.user, pk)
    form = JobForm(request.POST or None, instance=job)
    if request.method == "POST" and form.is_valid():
        try:
            services.job_update(job=job, by=request.user, **form.cleaned_data)
        except (services.HiringError, ValidationError) as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, "Job saved.")
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
    except (services.HiringError, ValidationError) as exc:
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
@hr_required
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
        lambda: services.stage_add(job=job, by=request.user, **form.cleaned_data),
        kind="new",
        stage_add_form=_focused_stage_form(),
    )


@login_required
@hr_required
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
        lambda: services.stage_update(stage=stage, by=request.user, **form.cleaned_data),
        kind="stage",
        pk=stage.pk,
    )


def _direction(request) -> int:
    return -1 if request.POST.get("direction") == "up" else 1


@login_required
@hr_required
@require_POST
def stage_move(request, pk):
    stage = selectors.stage_for_hr(request.user, pk)
    return _run(
        request,
        stage.job,
        lambda: services.stage_move(stage=stage, by=request.user, direction=_direction(request)),
        kind="stage",
        pk=stage.pk,
    )


@login_required
@hr_required
@require_POST
def stage_remove(request, pk):
    stage = selectors.stage_for_hr(request.user, pk)
    return _run(
        request,
        stage.job,
        lambda: services.stage_remove(stage=stage, by=request.user),
        kind="stage",
        pk=stage.pk,
    )


@login_required
@hr_required
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
        lambda: services.criterion_add(stage=stage, by=request.user, **form.cleaned_data),
        kind="new-criterion",
        pk=stage.pk,
    )


@login_required
@hr_required
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
        lambda: services.criterion_update(criterion=criterion, by=request.user, **form.cleaned_data),
        kind="criterion",
        pk=criterion.pk,
    )


@login_required
@hr_required
@require_POST
def criterion_move(request, pk):
    criterion = selectors.criterion_for_hr(request.user, pk)
    return _run(
        request,
        criterion.stage.job,
        lambda: services.criterion_move(criterion=criterion, by=request.user, direction=_direction(request)),
        kind="criterion",
        pk=criterion.pk,
    )


@login_required
@hr_required
@require_POST
def criterion_remove(request, pk):
    criterion = selectors.criterion_for_hr(request.user, pk)
    return _run(
        request,
        criterion.stage.job,
        lambda: services.criterion_remove(criterion=criterion, by=request.user),
        kind="criterion",
        pk=criterion.pk,
    )


# --- Applications and panels ----------------------------------------------------------------


@login_required
@hr_required
@require_http_methods(["GET", "POST"])
def application_create(request, candidate_pk):
    candidate = candidate_for_hr(request.user, candidate_pk)
    form = ApplicationOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_open(
                candidate=candidate, job=form.cleaned_data["job"], by=request.user
            )
        except (services.HiringError, ValidationError) as exc:
            _form_errors_from(form, exc)
        else:
            messages.success(request, "Application opened. Assign its first interviewers.")
            return redirect("hiring:interview_assign", pk=application.pk)
    return render(request, "hiring/application_form.html", {"form": form, "candidate": candidate})


@login_required
@staff_required
@require_GET
def application_detail(request, pk):
    application = selectors.application_for(request.user, pk)
    user = request.user
    interviews = selectors.application_interviews(application)
    decisions = selectors.application_decisions(application)
    sees_others = selectors.may_see_others_scorecards(user, application, interviews=interviews)
    visible = {
        s.interview_id: s for s in selectors.scorecards_visible_to(user, application, sees_others=sees_others)
    }
    by_stage_decision = {d.stage_id: d for d in decisions}
    current_position = application.current_stage.position if application.current_stage else -1
    timeline = []
    for stage in selectors.job_pipeline(application.job):
        stage_interviews = []
        for interview in interviews:
            if interview.stage_id != stage.pk:
                continue
            # Reverse one-to-one: select_related caches a missing scorecard as absent.
            card = getattr(interview, "scorecard", None)
            stage_interviews.append(
                {
                    "interview": interview,
                    "mine": interview.interviewer_id == user.pk,
                    "submitted": bool(card and card.locked),
                    "scorecard": visible.get(interview.pk),
                }
            )
        decision = by_stage_decision.get(stage.pk)
        if decision:
            state = decision.get_outcome_display()
        elif stage.pk == application.current_stage_id and application.is_open:
            state = "In progress"
        elif stage.position > current_position:
            state = "Not reached"
        else:
            state = ""
        timeline.append(
            {"stage": stage, "interviews": stage_interviews, "decision": decision, "state": state}
        )
    can_decide = selectors.can_decide(user, application, interviews=interviews)
    decided_current = application.current_stage_id in by_stage_decision
    history = selectors.application_history(application)
    return render(
        request,
        "hiring/application_detail.html",
        {
            "application": application,
            "timeline": timeline,
            "history": history,
            "reapply_answers": selectors.reapply_answers(application) if history else [],
            "can_decide": can_decide and not decided_current,
            "my_pending": [
                row["interview"]
                for t in timeline
                for row in t["interviews"]
                if row["mine"] and not row["submitted"]
            ],
            "hidden_scorecards": not sees_others,
        },
    )


@login_required
@hr_required
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
            services.interview_assign(application=application, by=request.user, **form.cleaned_data)
        except (services.HiringError, ValidationError) as exc:
            _form_errors_from(form, exc)
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


# --- Scorecards -----------------------------------------------------------------------------


@login_required
@staff_required
@require_http_methods(["GET", "POST"])
def scorecard(request, pk):
    interview = selectors.interview_of(request.user, pk)
    application = interview.application
    card = Scorecard.objects.filter(interview=interview).first()
    criteria = list(interview.stage.criteria.order_by("position", "id"))
    ratings = selectors.scorecard_ratings(card)
    if card is not None and card.locked:
        if request.method == "POST":
            messages.error(request, "This scorecard is submitted and locked; it cannot be changed.")
            return redirect("hiring:scorecard", pk=interview.pk)
        rows = [{"criterion": c, "rating": ratings.get(c.pk)} for c in criteria]
        return render(
            request,
            "hiring/scorecard_done.html",
            {
                "interview": interview,
                "application": application,
                "scorecard": card,
                "rows": rows,
                "can_decide": selectors.can_decide(request.user, application)
                and not application.decisions.filter(stage_id=application.current_stage_id).exists(),
            },
        )
    data = request.POST if request.method == "POST" else None
    rating_forms = [
        RatingForm(
            data,
            prefix=f"c{c.pk}",
            criterion=c,
            initial=(
                {
                    "score": ratings[c.pk].score,
                    "evidence": ratings[c.pk].evidence,
                    "shareable_note": ratings[c.pk].shareable_note,
                }
                if c.pk in ratings
                else None
            ),
        )
        for c in criteria
    ]
    form = ScorecardForm(
        data, initial={"recommendation": card.recommendation, "summary": card.summary} if card else None
    )
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for f in rating_forms):
        submit = request.POST.get("action") == "submit"
        try:
            services.scorecard_save(
                interview=interview,
                by=request.user,
                ratings=[{"criterion": f.criterion, **f.cleaned_data} for f in rating_forms],
                submit=submit,
                **form.cleaned_data,
            )
        except services.ScorecardError as exc:
            by_criterion = {f.criterion.pk: f for f in rating_forms}
            for key, message in exc.errors.items():
                if key == "recommendation":
                    form.add_error("recommendation", message)
                else:
                    by_criterion[key[0]].add_error(key[1], message)
            if not exc.errors:
                form.add_error(None, exc.message)
        else:
            if submit:
                messages.success(request, "Scorecard submitted. It is now locked.")
            else:
                messages.success(request, "Draft saved. Only you can see it until you submit it.")
            return redirect("hiring:scorecard", pk=interview.pk)
    return render(
        request,
        "hiring/scorecard_form.html",
        {
            "interview": interview,
            "application": application,
            "form": form,
            "rating_forms": rating_forms,
            "has_errors": request.method == "POST",
        },
    )


# --- Decisions ------------------------------------------------------------------------------


def _decision_target(request, pk):
    """The application if the user may decide on it; 404 if they may not see it."""
    application = selectors.application_for(request.user, pk)
    return application, selectors.can_decide(request.user, application)


def _refused(request, application):
    return render(request, "hiring/decision_refused.html", {"application": application}, status=403)


@login_required
@staff_required
@require_http_methods(["GET", "POST"])
def decision_create(request, pk):
    application, allowed = _decision_target(request, pk)
    if not allowed:
        return _refused(request, application)
    stage = application.current_stage
    criteria = selectors.decision_criteria(application)
    can_advance = selectors.next_stage(application) is not None
    if request.method == "POST":
        form = DecisionForm(request.POST, can_advance=can_advance)
        formset = PointFormSet(request.POST, prefix="points", form_kwargs={"criteria": criteria})
        if form.is_valid() and formset.is_valid():
            outcome = form.cleaned_data["outcome"]
            point_forms = [f for f in formset.forms if not f.is_blank]
            points = [f.cleaned_data for f in point_forms] if outcome == Decision.Outcome.NO_HIRE else []
            try:
                services.decision_record(
                    application=application,
                    stage=stage,
                    outcome=outcome,
                    decided_by=request.user,
                    points=points,
                )
            except services.DecisionError as exc:
                if exc.point_errors:
                    for index, errors in exc.point_errors.items():
                        for field, message in errors.items():
                            point_forms[index].add_error(field, message)
                    form.points_error = exc.message
                elif exc.field == "points":
                    form.points_error = exc.message
                else:
                    _form_errors_from(form, exc)
            else:
                if outcome == Decision.Outcome.NO_HIRE:
                    messages.success(
                        request,
                        "No hire recorded. A feedback letter was drafted from your points for HR to review.",
                    )
                elif outcome == Decision.Outcome.HIRE:
                    messages.success(request, "Hire recorded.")
                else:
                    messages.success(request, "The candidate advances to the next stage.")
                return redirect("hiring:application_detail", pk=application.pk)
    else:
        form = DecisionForm(can_advance=can_advance)
        proposals = selectors.proposed_points(request.user, application)
        formset = PointFormSet(prefix="points", initial=proposals or [{}], form_kwargs={"criteria": criteria})
        formset.extra = 0
    return render(
        request,
        "hiring/decision_form.html",
        {"application": application, "stage": stage, "form": form, "formset": formset},
    )


@login_required
@staff_required
@require_GET
def decision_point_row(request, pk):
    """htmx: one more empty feedback-point row, and the formset's new total."""
    application, allowed = _decision_target(request, pk)
    if not allowed:
        raise Http404
    try:
        index = int(request.GET.get("points-TOTAL_FORMS", "0"))
    except ValueError:
        index = 0
    if not 0 <= index < PointFormSet.absolute_max:
        return render(request, "hiring/partials/point_limit.html", {})
    form = PointForm(prefix=f"points-{index}", criteria=selectors.decision_criteria(application))
    return render(request, "hiring/partials/point_row.html", {"pform": form, "total": index + 1, "oob": True})


# --- CSV import (HR) ------------------------------------------------------------------------


@login_required
@hr_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Upload → preview. The preview carries the file's text back in a signed hidden field,
    so what is confirmed is exactly what was previewed; it is checked again on confirm."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    plan = token = None
    if request.method == "POST" and form.is_valid():
        try:
            text = csv_import.decode(form.cleaned_data["file"].read())
        except ValueError as exc:
            form.add_error("file", str(exc))
        else:
            plan = csv_import.plan_import(text)
            if plan.ok:
                token = csv_import.sign(text, request.user)
    return render(request, "hiring/import.html", {"form": form, "plan": plan, "token": token})


@login_required
@hr_required
@require_POST
def import_confirm(request):
    try:
        text = csv_import.unsign(request.POST.get("token", ""), request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("hiring:import_upload")
    try:
        plan = csv_import.applications_import(text=text, by=request.user)
    except csv_import.ImportRefused as exc:
        return render(
            request,
            "hiring/import.html",
            {"form": ImportUploadForm(), "plan": exc.plan, "token": None, "refused": True},
        )
    messages.success(
        request,
        f"Imported: {plan.new_candidates} new candidate(s), {plan.new_applications} new application(s); "
        f"{plan.unchanged} row(s) were already there and were left unchanged.",
    )
    return redirect("candidates:candidate_list")
