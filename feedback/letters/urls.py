"""HR's letter pages: the queue, the editor, letter templates; and the live point check of the
decision form (``feedback.quality.views``).

The ``feedback`` namespace is shared with feedback.insights.urls (the
dashboard and insight pages); config/urls.py includes both under it.
"""

from django.urls import path

from feedback.letters import views
from feedback.quality import views as quality_views

app_name = "feedback"

urlpatterns = [
    path("hr/letters/", views.letter_queue, name="letter_queue"),
    path("hr/letters/approve/", views.letters_bulk_approve, name="letters_bulk_approve"),
    path("hr/letters/<int:pk>/", views.letter_edit, name="letter_edit"),
    path("hr/letters/<int:pk>/lint/", views.letter_lint, name="letter_lint"),
    path("hr/letters/<int:pk>/preview/", views.letter_preview, name="letter_preview"),
    path("hr/letters/<int:pk>/approve/", views.letter_approve, name="letter_approve"),
    path("hr/letters/<int:pk>/cancel/", views.letter_cancel, name="letter_cancel"),
    path("hr/letters/<int:pk>/retry/", views.letter_retry, name="letter_retry"),
    path("hr/reminders/<int:pk>/retry/", views.reminder_retry, name="reminder_retry"),
    path("hr/letter-templates/", views.template_list, name="template_list"),
    path("hr/letter-templates/new/", views.template_create, name="template_create"),
    path("hr/letter-templates/<int:pk>/", views.template_edit, name="template_edit"),
    # The live check of feedback points on hiring's decision form (asked for by name there).
    path("quality/point-check/", quality_views.point_check, name="point_check"),
]
