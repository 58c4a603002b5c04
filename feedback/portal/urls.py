"""Candidate pages: no account, signed links only (see feedback.links)."""

from django.urls import path

from feedback.portal import views as views_candidate
from feedback.portal.i18n import set_page_language

app_name = "candidate"

urlpatterns = [
    # The page's language switch (a POST with CSRF; sets Django's language cookie): before
    # "<token>/", which would otherwise match it.
    path("language/", set_page_language, name="language"),
    path("unsubscribe/<str:token>/", views_candidate.unsubscribe, name="unsubscribe"),
    path("reapply/<str:token>/", views_candidate.reapply, name="reapply"),
    path("<str:token>/", views_candidate.letter_page, name="letter"),
    path("<str:token>/remind/", views_candidate.remind, name="remind"),
    path("<str:token>/ask/", views_candidate.ask, name="ask"),
    path("<str:token>/rate/", views_candidate.rate, name="rate"),
    path("<str:token>/reapply-date.ics", views_candidate.calendar, name="calendar"),
]
