"""Candidate pages (signed links), requests for more detail, privacy pages."""

from django.urls import reverse

from core.tests.authz import NOT_FOUND, Case, everyone

CASES = {
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
