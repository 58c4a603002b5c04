"""URLs of the events app."""

urlpatterns = []
