"""Core pages: closure days (HR)."""

from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("hr/closure-days/", views.closure_days, name="closure_days"),
    path("hr/closure-days/<int:pk>/remove/", views.closure_day_remove, name="closure_day_remove"),
]
