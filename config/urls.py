from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("candidates.urls")),
    path("", include("hiring.urls")),
    path("", include("feedback.letters.urls")),
    path("", include("feedback.requests.urls")),
    path("", include("feedback.privacy.urls")),
    path("c/", include("feedback.portal.urls")),
]
