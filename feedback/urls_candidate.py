"""Candidate pages: no account, signed links only."""

from django.urls import path

from . import views_candidate

app_name = "candidate"

urlpatterns = [
    path("<str:token>/", views_candidate.letter_page, name="letter"),
    path("unsubscribe/<str:token>/", views_candidate.letter_page, name="unsubscribe"),
    path("reapply/<str:token>/", views_candidate.letter_page, name="reapply"),
]
