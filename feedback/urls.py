"""HR-facing feedback pages."""

from django.urls import path

from . import views_hr

app_name = "feedback"

urlpatterns = [
    path("hr/", views_hr.hr_home, name="hr_home"),
]
