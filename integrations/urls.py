"""URLs of the integrations app."""

urlpatterns = []
