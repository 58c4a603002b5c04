"""HR pages of the feedback app (letters, templates, dashboard)."""

from django.urls import reverse

from core.tests.authz import Case, hr_only

CASES = {
    "feedback:hr_home": Case(url=lambda w: reverse("feedback:hr_home"), expect=hr_only()),
}
