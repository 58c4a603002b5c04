"""Application pages: opening an application for a candidate (HR), and an application's page,
with its timeline of stages, interviews, the scorecards the user may read and decisions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from candidates.selectors import candidate_for_hr
from core.permissions import staff_required
from hiring import predicates, selectors
from hiring.cooldowns import active_cooldowns
from hiring.forms import ApplicationOpenForm
from hiring.services.applications import application_open
from hiring.services.errors import HiringError
from hiring.views.common import add_refusal, only_if


@login_required
@only_if(predicates.can_open_application)
@require_http_methods(["GET", "POST"])
def application_create(request, candidate_pk):
    candidate = candidate_for_hr(request.user, candidate_pk)
    form = ApplicationOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = application_open(
                candidate=candidate,
                job=form.cleaned_data["job"],
                by=request.user,
                override_reason=form.cleaned_data["override_reason"],
            )
        except (HiringError, ValidationError) as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Application opened. Assign its first interviewers.")
            return redirect("hiring:interview_assign", pk=application.pk)
    # The cool-downs still running for this candidate, so HR sees them before choosing a job.
    cooldowns = sorted(
        active_cooldowns((candidate, job) for job in form.fields["job"].queryset).values(),
        key=lambda c: (c.job.title, c.job.pk),
    )
    return render(
        request,
        "hiring/application_form.html",
        {"form": form, "candidate": candidate, "cooldowns": cooldowns},
    )


@login_required
@staff_required
@require_GET
def application_detail(request, pk):
    application = selectors.application_for(request.user, pk)
    user = request.user
    interviews = selectors.application_interviews(application)
    decisions, withdrawn_decisions = selectors.application_decisions_and_withdrawn(application)
    sees_others = predicates.can_see_others_scorecards(user, application, interviews=interviews)
    visible = {
        s.interview_id: s for s in selectors.scorecards_visible_to(user, application, sees_others=sees_others)
    }
    by_stage_decision = {d.stage_id: d for d in decisions}
    # Decisions HR withdrew (recorded by mistake) stay visible on their stage, marked.
    withdrawn_by_stage: dict[int, list] = {}
    for withdrawn in withdrawn_decisions:
        withdrawn_by_stage.setdefault(withdrawn.stage_id, []).append(withdrawn)
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
            {
                "stage": stage,
                "interviews": stage_interviews,
                "decision": decision,
                "state": state,
                "withdrawn": withdrawn_by_stage.get(stage.pk, []),
            }
        )
    can_decide = predicates.can_decide(user, application, interviews=interviews)
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
            "can_assign": predicates.can_assign_interviewers(user),
            "can_change_panel": application.is_open and predicates.can_change_interview(user, application),
            "can_withdraw": predicates.can_withdraw_decision(user),
            "latest_decision_id": max(decisions, key=lambda d: (d.decided_at, d.pk)).pk
            if decisions
            else None,
        },
    )
