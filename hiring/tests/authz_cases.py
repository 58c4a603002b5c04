from django.urls import reverse

from tests.support.authz import LOGIN, NOT_FOUND, OK, Case, hr_only, staff_only, this_job_only


def _only_interviewer() -> dict:
    """The world's interview belongs to interviewer_this_job: only they write its scorecard."""
    return {
        "anonymous": LOGIN,
        "interviewer_other_job": NOT_FOUND,
        "interviewer_this_job": OK,
        "manager_other_job": NOT_FOUND,
        "manager_this_job": NOT_FOUND,
        "hr": NOT_FOUND,
    }


def _deciders(hr=403) -> dict:
    """Interviewers of the current stage and the hiring manager decide; HR sees the application
    but may not decide (a page explaining why, 403)."""
    return {
        "anonymous": LOGIN,
        "interviewer_other_job": NOT_FOUND,
        "interviewer_this_job": OK,
        "manager_other_job": NOT_FOUND,
        "manager_this_job": OK,
        "hr": hr,
    }


def _fresh_interview(w):
    from hiring.tests.factories import InterviewFactory

    return InterviewFactory(application=w.application, stage=w.stage)


def _criterion(w):
    return w.stage.criteria.first()


CASES = {
    "hiring:my_interviews": Case(url=lambda w: reverse("hiring:my_interviews"), expect=staff_only()),
    "hiring:my_interviews_section": Case(
        url=lambda w: reverse("hiring:my_interviews_section", args=["waiting"]), expect=staff_only()
    ),
    "hiring:scorecard": Case(
        url=lambda w: reverse("hiring:scorecard", args=[w.interview.pk]), expect=_only_interviewer()
    ),
    "hiring:job_list": Case(url=lambda w: reverse("hiring:job_list"), expect=hr_only()),
    "hiring:job_create": Case(url=lambda w: reverse("hiring:job_create"), expect=hr_only()),
    "hiring:job_detail": Case(url=lambda w: reverse("hiring:job_detail", args=[w.job.pk]), expect=hr_only()),
    "hiring:job_edit": Case(url=lambda w: reverse("hiring:job_edit", args=[w.job.pk]), expect=hr_only()),
    "hiring:stage_add": Case(
        url=lambda w: reverse("hiring:stage_add", args=[w.job.pk]),
        method="post",
        data={"new-stage-name": "Onsite", "new-stage-interviews_planned": "4"},
        expect=hr_only(),
    ),
    "hiring:stage_update": Case(
        url=lambda w: reverse("hiring:stage_update", args=[w.stage.pk]),
        method="post",
        data=lambda w: {f"stage-{w.stage.pk}-name": "Renamed", f"stage-{w.stage.pk}-interviews_planned": "2"},
        expect=hr_only(),
    ),
    "hiring:stage_move": Case(
        url=lambda w: reverse("hiring:stage_move", args=[w.stage.pk]),
        method="post",
        data={"direction": "down"},
        expect=hr_only(),
    ),
    "hiring:stage_remove": Case(
        url=lambda w: reverse("hiring:stage_remove", args=[w.job.stages.last().pk]),
        method="post",
        expect=hr_only(),
    ),
    "hiring:criterion_add": Case(
        url=lambda w: reverse("hiring:criterion_add", args=[w.stage.pk]),
        method="post",
        data=lambda w: {
            f"new-criterion-{w.stage.pk}-name": "Testing",
            f"new-criterion-{w.stage.pk}-guidance": "",
        },
        expect=hr_only(),
    ),
    "hiring:criterion_update": Case(
        url=lambda w: reverse("hiring:criterion_update", args=[_criterion(w).pk]),
        method="post",
        data=lambda w: {
            f"criterion-{_criterion(w).pk}-name": "Clarity",
            f"criterion-{_criterion(w).pk}-guidance": "",
        },
        expect=hr_only(),
    ),
    "hiring:criterion_move": Case(
        url=lambda w: reverse("hiring:criterion_move", args=[_criterion(w).pk]),
        method="post",
        data={"direction": "down"},
        expect=hr_only(),
    ),
    "hiring:criterion_remove": Case(
        url=lambda w: reverse("hiring:criterion_remove", args=[_criterion(w).pk]),
        method="post",
        expect=hr_only(),
    ),
    "hiring:application_create": Case(
        url=lambda w: reverse("hiring:application_create", args=[w.candidate.pk]), expect=hr_only()
    ),
    "hiring:application_detail": Case(
        url=lambda w: reverse("hiring:application_detail", args=[w.application.pk]), expect=this_job_only()
    ),
    "hiring:interview_assign": Case(
        url=lambda w: reverse("hiring:interview_assign", args=[w.application.pk]), expect=hr_only()
    ),
    "hiring:decision_create": Case(
        url=lambda w: reverse("hiring:decision_create", args=[w.application.pk]), expect=_deciders()
    ),
    "hiring:decision_point_row": Case(
        url=lambda w: reverse("hiring:decision_point_row", args=[w.application.pk]) + "?points-TOTAL_FORMS=1",
        expect=_deciders(hr=NOT_FOUND),
    ),
    # Fixing mistakes (issue #17): HR and the job's hiring manager change the panel.
    "hiring:interview_reschedule": Case(
        url=lambda w: reverse("hiring:interview_reschedule", args=[w.interview.pk]),
        expect={**hr_only(), "manager_this_job": OK},
    ),
    "hiring:interview_unassign": Case(
        # A fresh interview on the world's application for each role: a POST that succeeds removes it.
        url=lambda w: reverse("hiring:interview_unassign", args=[_fresh_interview(w).pk]),
        method="post",
        expect={**hr_only(), "manager_this_job": OK},
    ),
    "hiring:decision_withdraw": Case(
        url=lambda w: reverse("hiring:decision_withdraw", args=[w.decision.pk]), expect=hr_only()
    ),
    "hiring:import_upload": Case(url=lambda w: reverse("hiring:import_upload"), expect=hr_only()),
    "hiring:import_confirm": Case(
        url=lambda w: reverse("hiring:import_confirm"), method="post", expect=hr_only()
    ),
    "hiring:import_template": Case(url=lambda w: reverse("hiring:import_template"), expect=hr_only()),
}
