"""HR: export and erase a candidate's data."""

from django.urls import path

from feedback.privacy import views as views_privacy

app_name = "privacy"

urlpatterns = [
    path("privacy/", views_privacy.home, name="home"),
    path("privacy/candidates/<int:pk>/export.json", views_privacy.export, name="export"),
    path("privacy/candidates/<int:pk>/erase/", views_privacy.erase, name="erase"),
]
