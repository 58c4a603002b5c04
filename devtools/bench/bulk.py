"""The bulk approval bench: HR approves N letters from the queue in one POST."""

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from devtools.bench.pages import client_for
from devtools.bench.seed import BENCH_HR
from feedback.models import FeedbackLetter


def editable_letter_ids(n: int) -> list[int]:
    """Letters waiting for HR, those in review first, to candidates who can be emailed.

    The seed unsubscribes 2% of the candidates; their approved letters are rightly never
    emailed (``feedback.letters.emails.letter_skip_reason`` cancels them at send time), so
    the sending phase, which expects every letter at the SMTP sink, does not take them.
    """
    emailable = FeedbackLetter.objects.filter(
        application__candidate__unsubscribed_at__isnull=True,
        application__candidate__erased_at__isnull=True,
    )
    in_review = list(
        emailable.filter(status=FeedbackLetter.Status.IN_REVIEW)
        .order_by("id")
        .values_list("pk", flat=True)[:n]
    )
    if len(in_review) < n:
        in_review += list(
            emailable.filter(status=FeedbackLetter.Status.DRAFT)
            .order_by("id")
            .values_list("pk", flat=True)[: n - len(in_review)]
        )
    return in_review


def _post(client, url: str, data: dict) -> dict:
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        response = client.post(url, data)
        seconds = time.perf_counter() - start
    return {"status": response.status_code, "seconds": seconds, "queries": len(ctx.captured_queries)}


def run(ids: list[int]) -> dict:
    """HR approves the letters in one POST from the queue; time, queries, letters scheduled.

    HR's way to approve thousands is the queue's "Approve every clean letter in review"
    (``scope=all``). So that exactly these ids are the ones in review, the other letters
    in review are parked as drafts for the request and put back after it (outside the
    timing).
    """
    try:
        url = reverse("feedback:letters_bulk_approve")
    except NoReverseMatch:
        return {"missing": True}
    in_review = FeedbackLetter.Status.IN_REVIEW
    parked = list(
        FeedbackLetter.objects.filter(status=in_review).exclude(pk__in=ids).values_list("pk", flat=True)
    )
    FeedbackLetter.objects.filter(pk__in=parked).update(status=FeedbackLetter.Status.DRAFT)
    FeedbackLetter.objects.filter(pk__in=ids).update(status=in_review)
    client = client_for(BENCH_HR)
    client.get(reverse("feedback:letter_queue"))  # warm-up, as HR would open the queue first
    try:
        result = _post(client, url, {"scope": "all"})
    finally:
        FeedbackLetter.objects.filter(pk__in=parked).update(status=in_review)
    result["limited"] = False
    result["approved"] = FeedbackLetter.objects.filter(
        pk__in=ids, status=FeedbackLetter.Status.SCHEDULED
    ).count()
    result["letters"] = len(ids)
    return result
