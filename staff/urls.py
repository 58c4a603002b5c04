"""URLs of the staff app."""

urlpatterns = []
