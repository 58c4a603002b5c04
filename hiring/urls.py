from django.urls import path

from . import views

app_name = "hiring"

urlpatterns = [
    path("interviews/", views.my_interviews, name="my_interviews"),
]
