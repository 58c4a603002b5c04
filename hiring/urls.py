from django.urls import path

from hiring import views

app_name = "hiring"

urlpatterns = [
    path("interviews/", views.my_interviews, name="my_interviews"),
    path("interviews/all/<slug:section>/", views.my_interviews_section, name="my_interviews_section"),
    path("interviews/<int:pk>/scorecard/", views.scorecard, name="scorecard"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/new/", views.job_create, name="job_create"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/edit/", views.job_edit, name="job_edit"),
    path("jobs/<int:pk>/stages/add/", views.stage_add, name="stage_add"),
    path("stages/<int:pk>/edit/", views.stage_update, name="stage_update"),
    path("stages/<int:pk>/move/", views.stage_move, name="stage_move"),
    path("stages/<int:pk>/remove/", views.stage_remove, name="stage_remove"),
    path("stages/<int:pk>/criteria/add/", views.criterion_add, name="criterion_add"),
    path("criteria/<int:pk>/edit/", views.criterion_update, name="criterion_update"),
    path("criteria/<int:pk>/move/", views.criterion_move, name="criterion_move"),
    path("criteria/<int:pk>/remove/", views.criterion_remove, name="criterion_remove"),
    path("candidates/<int:candidate_pk>/apply/", views.application_create, name="application_create"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/assign/", views.interview_assign, name="interview_assign"),
    path("applications/<int:pk>/decision/", views.decision_create, name="decision_create"),
    path("applications/<int:pk>/decision/point-row/", views.decision_point_row, name="decision_point_row"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
]
