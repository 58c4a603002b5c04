"""HR pages and candidate pages of the feedback app."""

from django.urls import reverse

from core.tests.authz import NOT_FOUND, Case, everyone, hr_only

CASES = {
    "feedback:hr_home": Case(url=lambda w: reverse("feedback:hr_home"), expect=hr_only()),
    # Candidate pages: a bad token is a friendly 404-like page for everyone.
    "candidate:letter": Case(
        url=lambda w: reverse("candidate:letter", args=["x"]), expect=everyone(NOT_FOUND)
    ),
    "candidate:unsubscribe": Case(
        url=lambda w: reverse("candidate:unsubscribe", args=["x"]), expect=everyone(NOT_FOUND)
    ),
    "candidate:reapply": Case(
        url=lambda w: reverse("candidate:reapply", args=["x"]), expect=everyone(NOT_FOUND)
    ),
}
