"""HR-facing feedback pages."""

from django.urls import path

from feedback.letters import views as views_hr

app_name = "feedback"

urlpatterns = [
    path("hr/", views_hr.hr_home, name="hr_home"),
    path("hr/letters/", views_hr.letter_queue, name="letter_queue"),
    path("hr/letters/approve/", views_hr.letters_bulk_approve, name="letters_bulk_approve"),
    path("hr/letters/<int:pk>/", views_hr.letter_edit, name="letter_edit"),
    path("hr/letters/<int:pk>/lint/", views_hr.letter_lint, name="letter_lint"),
    path("hr/letters/<int:pk>/preview/", views_hr.letter_preview, name="letter_preview"),
    path("hr/letters/<int:pk>/approve/", views_hr.letter_approve, name="letter_approve"),
    path("hr/letters/<int:pk>/cancel/", views_hr.letter_cancel, name="letter_cancel"),
    path("hr/letters/<int:pk>/retry/", views_hr.letter_retry, name="letter_retry"),
    path("hr/letter-templates/", views_hr.template_list, name="template_list"),
    path("hr/letter-templates/new/", views_hr.template_create, name="template_create"),
    path("hr/letter-templates/<int:pk>/", views_hr.template_edit, name="template_edit"),
    path("hr/insights/", views_hr.insights, name="insights"),
]
