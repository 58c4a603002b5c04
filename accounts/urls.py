"""URLs of the accounts app: allauth's pages under /accounts/ (login, logout, password reset,
SSO, 2FA) and the Admin's security policy page. The names ``login`` and ``logout`` stay (as
Django's auth views had them): LOGIN_URL, templates and tests reverse them."""

from allauth.account import views as allauth_views
from allauth.socialaccount.providers.openid_connect import views as oidc_views
from django.urls import include, path

from accounts import views
from accounts.csp import allow_provider_form_targets

login = allow_provider_form_targets(allauth_views.login)

urlpatterns = [
    path("accounts/login/", login, name="login"),
    path("accounts/logout/", allauth_views.logout, name="logout"),
    path("accounts/security/", views.security_policy, name="accounts_security_policy"),
    # Email addresses are not managed by staff themselves (accounts.views.not_offered).
    path("accounts/email/", views.not_offered, name="accounts_email_not_offered"),
    # The same views as allauth's own patterns below, their CSP allowing the provider's origin.
    path("accounts/oidc/<str:provider_id>/login/", allow_provider_form_targets(oidc_views.login)),
    path("accounts/", include("allauth.urls")),
]
