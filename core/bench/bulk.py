"""The bulk approval bench: HR approves N letters from the queue in one POST."""

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse

from feedback.models import FeedbackLetter

from .pages import client_for
from .seed import BENCH_HR


def editable_letter_ids(n: int) -> list[int]:
    """Letters waiting for HR, those in review first."""
    in_review = list(
        FeedbackLetter.objects.filter(status=FeedbackLetter.Status.IN_REVIEW)
        .order_by("id")
        .values_list("pk", flat=True)[:n]
    )
    if len(in_review) < n:
        in_review += list(
            FeedbackLetter.objects.filter(status=FeedbackLetter.Status.DRAFT)
            .order_by("id")
            .values_list("pk", flat=True)[: n - len(in_review)]
        )
    return in_review


def _post(client, url: str, ids: list[int]) -> dict:
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        response = client.post(url, {"letters": [str(pk) for pk in ids]})
        seconds = time.perf_counter() - start
    return {"status": response.status_code, "seconds": seconds, "queries": len(ctx.captured_queries)}


def run(ids: list[int]) -> dict:
    """POST the ids to the queue's bulk-approve URL as HR; time, queries, letters scheduled.

    If Django refuses the request for its number of fields (DATA_UPLOAD_MAX_NUMBER_FIELDS,
    1,000 by default), that is reported, and the request is measured again with the
    limit raised, so the rest of the pipeline still has its figure.
    """
    try:
        url = reverse("feedback:letters_bulk_approve")
    except NoReverseMatch:
        return {"missing": True}
    client = client_for(BENCH_HR)
    client.get(reverse("feedback:letter_queue"))  # warm-up, as HR would open the queue first
    result = _post(client, url, ids)
    result["limited"] = result["status"] == 400
    if result["limited"]:
        with override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=len(ids) + 100):
            result.update(_post(client, url, ids))
    result["approved"] = FeedbackLetter.objects.filter(
        pk__in=ids, status=FeedbackLetter.Status.SCHEDULED
    ).count()
    result["letters"] = len(ids)
    return result
