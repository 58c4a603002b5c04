from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import views as core_views
from core.admin_site import site as admin_site
from feedback.insights import urls as insights_urls
from feedback.letters import urls as letters_urls

urlpatterns = [
    path("", core_views.home, name="home"),
    # Liveness (plain "ok") and readiness (JSON: database, broker, worker, beat, outbox).
    path("healthz", core_views.healthz, name="healthz"),
    path("healthz/ready", core_views.health_ready, name="healthz_ready"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The admin is for the Admin role only, and read-only for records (core/admin_site.py).
    path("admin/", admin_site.urls),
    path("", include("core.urls")),
    path("", include("candidates.urls")),
    path("", include("hiring.urls")),
    # One "feedback" namespace for HR's letter pages and the dashboard/insight pages
    # (feedback:hr_home, feedback:letter_queue, ...): two sub-packages, one URL namespace.
    path("", include((letters_urls.urlpatterns + insights_urls.urlpatterns, "feedback"))),
    path("", include("feedback.requests.urls")),
    path("", include("feedback.privacy.urls")),
    path("c/", include("feedback.portal.urls")),
    path("api/", include("api.urls")),
    path("", include("integrations.urls")),
    path("", include("events.urls")),
    path("", include("accounts.urls")),
    path("", include("staff.urls")),
]
