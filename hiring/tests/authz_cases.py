from django.urls import reverse

from core.tests.authz import Case, staff_only

CASES = {
    "hiring:my_interviews": Case(url=lambda w: reverse("hiring:my_interviews"), expect=staff_only()),
}
