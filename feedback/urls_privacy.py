"""HR: export and erase a candidate's data."""

app_name = "privacy"

urlpatterns = []
