"""Requests for more detail: the decider answers, HR reviews."""

from django.urls import path

from feedback.requests import views as views_requests

app_name = "requests"

urlpatterns = [
    path("requests/", views_requests.mine, name="mine"),
    path("requests/<int:pk>/", views_requests.answer, name="answer"),
    path("requests/review/", views_requests.review_list, name="review_list"),
    path("requests/review/<int:pk>/", views_requests.review, name="review"),
    path("requests/check/", views_requests.check, name="check"),
]
