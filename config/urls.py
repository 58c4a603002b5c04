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
    # Staff sign-in (allauth: login, logout, SSO, 2FA, password reset): accounts/urls.py.
    path("", include("accounts.urls")),
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
    path("", include("staff.urls")),
]
