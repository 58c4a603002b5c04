"""URLs of the api app."""

urlpatterns = []
