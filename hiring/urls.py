from django.urls import path

from hiring.views import applications, decisions, imports, interview_changes, interviews, jobs, scorecards

app_name = "hiring"

urlpatterns = [
    path("interviews/", interviews.my_interviews, name="my_interviews"),
    path("interviews/all/<slug:section>/", interviews.my_interviews_section, name="my_interviews_section"),
    path("interviews/<int:pk>/scorecard/", scorecards.scorecard, name="scorecard"),
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/new/", jobs.job_create, name="job_create"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job_detail"),
    path("jobs/<int:pk>/edit/", jobs.job_edit, name="job_edit"),
    path("jobs/<int:pk>/stages/add/", jobs.stage_add, name="stage_add"),
    path("stages/<int:pk>/edit/", jobs.stage_update, name="stage_update"),
    path("stages/<int:pk>/move/", jobs.stage_move, name="stage_move"),
    path("stages/<int:pk>/remove/", jobs.stage_remove, name="stage_remove"),
    path("stages/<int:pk>/criteria/add/", jobs.criterion_add, name="criterion_add"),
    path("criteria/<int:pk>/edit/", jobs.criterion_update, name="criterion_update"),
    path("criteria/<int:pk>/move/", jobs.criterion_move, name="criterion_move"),
    path("criteria/<int:pk>/remove/", jobs.criterion_remove, name="criterion_remove"),
    path("candidates/<int:candidate_pk>/apply/", applications.application_create, name="application_create"),
    path("applications/<int:pk>/", applications.application_detail, name="application_detail"),
    path("applications/<int:pk>/assign/", interviews.interview_assign, name="interview_assign"),
    path(
        "interviews/<int:pk>/unassign/", interview_changes.interview_unassign_view, name="interview_unassign"
    ),
    path(
        "interviews/<int:pk>/reschedule/",
        interview_changes.interview_reschedule_view,
        name="interview_reschedule",
    ),
    path("decisions/<int:pk>/withdraw/", interview_changes.decision_withdraw_view, name="decision_withdraw"),
    path("applications/<int:pk>/decision/", decisions.decision_create, name="decision_create"),
    path(
        "applications/<int:pk>/decision/point-row/", decisions.decision_point_row, name="decision_point_row"
    ),
    path("import/", imports.import_upload, name="import_upload"),
    path("import/confirm/", imports.import_confirm, name="import_confirm"),
    path("import/candor-import-template.csv", imports.import_template, name="import_template"),
]
