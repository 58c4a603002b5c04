"""Candidate pages: no account, signed links only (see feedback.links)."""

from django.urls import path

from feedback.portal import views as views_candidate

app_name = "candidate"

urlpatterns = [
    path("unsubscribe/<str:token>/", views_candidate.unsubscribe, name="unsubscribe"),
    path("reapply/<str:token>/", views_candidate.reapply, name="reapply"),
    path("<str:token>/", views_candidate.letter_page, name="letter"),
    path("<str:token>/remind/", views_candidate.remind, name="remind"),
    path("<str:token>/ask/", views_candidate.ask, name="ask"),
    path("<str:token>/rate/", views_candidate.rate, name="rate"),
    path("<str:token>/reapply-date.ics", views_candidate.calendar, name="calendar"),
]
