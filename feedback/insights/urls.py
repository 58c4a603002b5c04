"""HR's dashboard and insight pages.

Their URL names stay in the ``feedback`` namespace that they share with the
letter pages (``feedback:hr_home``, ``feedback:insights``): config/urls.py
includes both pattern lists under that one namespace.
"""

from django.urls import path

from feedback.insights import pipeline_views, views

app_name = "feedback"

urlpatterns = [
    path("hr/", views.hr_home, name="hr_home"),
    path("hr/insights/", views.insights, name="insights"),
    path("pipeline/", pipeline_views.pipeline, name="pipeline"),
]
