"""Decision pages: recording advance / hire / no-hire for the current stage, with the feedback
points of a no-hire (rows added with htmx).

The page tells the decider which other interviewers of the stage have not submitted their
scorecards yet (decide anyway, or wait), and shows the quality check HR will run on each point
as it is typed. That check is feedback's: hiring never imports feedback, so the template asks
for the URL by name (``{% url 'feedback:point_check' as ... %}``), which is simply absent when
feedback is not installed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from core.permissions import staff_required
from hiring import predicates, selectors
from hiring.forms import DecisionForm, PointForm, PointFormSet
from hiring.models import Decision
from hiring.services.decisions import DecisionError, decision_record
from hiring.views.common import add_refusal


def _decision_target(request, pk):
    """The application if the user may decide on it; 404 if they may not see it."""
    application = selectors.application_for(request.user, pk)
    return application, predicates.can_decide(request.user, application)


def _refused(request, application):
    return render(request, "hiring/decision_refused.html", {"application": application}, status=403)


def _missing_scorecards(application, stage, user) -> list[str]:
    """Names of the other interviewers of ``stage`` whose scorecard is not submitted yet."""
    names = []
    for interview in selectors.application_interviews(application):
        if stage is None or interview.stage_id != stage.pk or interview.interviewer_id == user.pk:
            continue
        card = getattr(interview, "scorecard", None)
        if card is None or not card.locked:
            person = interview.interviewer
            names.append(person.get_full_name() or person.get_username())
    return names


def _own_scorecard_missing(application, stage, user) -> bool:
    """Whether the decider interviewed at ``stage`` and has not submitted that scorecard yet (told
    on the form; it does not ask for "decide anyway", which is about the others' scorecards)."""
    for interview in selectors.application_interviews(application):
        if stage is not None and interview.stage_id == stage.pk and interview.interviewer_id == user.pk:
            card = getattr(interview, "scorecard", None)
            if card is None or not card.locked:
                return True
    return False


def _future_interviews(application, stage) -> int:
    """How many interviews of ``stage`` are scheduled later than now (not happened yet)."""
    now = timezone.now()
    return sum(
        1
        for interview in selectors.application_interviews(application)
        if stage is not None
        and interview.stage_id == stage.pk
        and interview.scheduled_at is not None
        and interview.scheduled_at > now
    )


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


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
    missing = _missing_scorecards(application, stage, request.user)
    missing_names = _names(missing) if missing else ""
    if request.method == "POST":
        form = DecisionForm(request.POST, can_advance=can_advance, missing_names=missing_names)
        formset = PointFormSet(request.POST, prefix="points", form_kwargs={"criteria": criteria})
        if form.is_valid() and formset.is_valid():
            outcome = form.cleaned_data["outcome"]
            point_forms = [f for f in formset.forms if not f.is_blank]
            points = [f.cleaned_data for f in point_forms] if outcome == Decision.Outcome.NO_HIRE else []
            try:
                decision_record(
                    application=application,
                    stage=stage,
                    outcome=outcome,
                    decided_by=request.user,
                    points=points,
                )
            except DecisionError as exc:
                if exc.point_errors:
                    for index, errors in exc.point_errors.items():
                        for field, message in errors.items():
                            point_forms[index].add_error(field, message)
                    form.points_error = exc.message
                elif exc.field == "points":
                    form.points_error = exc.message
                else:
                    add_refusal(form, exc)
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
        form = DecisionForm(can_advance=can_advance, missing_names=missing_names)
        # Proposals come only from ratings that exist and say something: the decider's own low ones.
        proposals = [
            p
            for p in selectors.proposed_points(request.user, application)
            if (p["observation"] or "").strip() or (p["suggestion"] or "").strip()
        ]
        formset = PointFormSet(prefix="points", initial=proposals or [{}], form_kwargs={"criteria": criteria})
        formset.extra = 0
        form.proposed = bool(proposals)
    return render(
        request,
        "hiring/decision_form.html",
        {
            "application": application,
            "stage": stage,
            "form": form,
            "formset": formset,
            "proposed": getattr(form, "proposed", False),
            "missing_scorecards": missing,
            "missing_names": missing_names,
            "future_interviews": _future_interviews(application, stage),
            "own_scorecard_missing": _own_scorecard_missing(application, stage, request.user),
        },
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
