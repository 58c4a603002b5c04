"""Requests for more detail: the decider answers, HR reviews."""

app_name = "requests"

urlpatterns = []
