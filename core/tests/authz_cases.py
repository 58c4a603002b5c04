from django.urls import reverse

from tests.support.authz import LOGIN, OK, Case, everyone, staff_only

CASES = {
    "home": Case(url=lambda w: reverse("home"), expect={**staff_only(), "admin": OK}),
    "healthz": Case(url=lambda w: reverse("healthz"), expect=everyone(OK)),
    "login": Case(url=lambda w: reverse("login"), expect=everyone(OK)),
    "logout": Case(url=lambda w: reverse("logout"), method="post", expect=everyone(LOGIN)),
}
