from django.urls import reverse

from tests.support.authz import Case, hr_only

CASES = {
    "candidates:candidate_list": Case(url=lambda w: reverse("candidates:candidate_list"), expect=hr_only()),
    "candidates:candidate_create": Case(
        url=lambda w: reverse("candidates:candidate_create"), expect=hr_only()
    ),
    "candidates:candidate_detail": Case(
        url=lambda w: reverse("candidates:candidate_detail", args=[w.candidate.pk]), expect=hr_only()
    ),
    "candidates:candidate_edit": Case(
        url=lambda w: reverse("candidates:candidate_edit", args=[w.candidate.pk]), expect=hr_only()
    ),
}
