"""URLs of the api app (mounted at /api/): the resources, the schema and its reference page,
and the Admin's token pages."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from api import token_views, views
from api.permissions import ReferencePermission
from api.reference import ReferenceView

app_name = "api"

router = SimpleRouter()
router.register("jobs", views.JobViewSet, basename="job")
router.register("candidates", views.CandidateViewSet, basename="candidate")
router.register("applications", views.ApplicationViewSet, basename="application")
router.register("interviews", views.InterviewViewSet, basename="interview")
router.register("decisions", views.DecisionViewSet, basename="decision")
router.register("letters", views.LetterViewSet, basename="letter")
router.register("reminders", views.ReminderViewSet, basename="reminder")
router.register("requests", views.RequestViewSet, basename="request")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[ReferencePermission]), name="schema"),
    path("docs/", ReferenceView.as_view(), name="docs"),
    path("tokens/", token_views.token_list, name="token_list"),
    path("tokens/new/", token_views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", token_views.token_revoke, name="token_revoke"),
    *router.urls,
]
