"""Insight (product step 12): figures aggregated in the database, charts fed by json_script."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback.insights.selectors import insight_figures
from feedback.models import CandidateRating, FeedbackLetter
from feedback.tests.test_review_flow import make_letter

pytestmark = pytest.mark.django_db


def sent(letter, *, after_days, override=""):
    FeedbackLetter.objects.filter(pk=letter.pk).update(
        status=FeedbackLetter.Status.SENT,
        sent_at=letter.decision.decided_at + dt.timedelta(days=after_days),
        approved_at=timezone.now(),
        override_reason=override,
    )
    return letter


def test_median_and_p90_time_from_decision_to_letter():
    for days in (1, 2, 3, 4, 10):
        sent(make_letter(), after_days=days)
    make_letter()  # not sent: not counted

    figures = insight_figures()

    assert figures["letters"]["sent"] == 5
    assert figures["median_wait"] == dt.timedelta(days=3)
    assert figures["p90_wait"] == dt.timedelta(days=10)


def test_late_letters_overrides_and_ratings_are_counted():
    now = timezone.now()
    late = sent(
        make_letter(decided_at=now - dt.timedelta(days=30)), after_days=20, override="Agreed with legal."
    )
    sent(make_letter(), after_days=0)
    make_letter(decided_at=now - dt.timedelta(days=30))  # unsent, past its deadline
    CandidateRating.objects.create(letter=late, score=4)

    figures = insight_figures()

    assert figures["letters"]["sent_late"] == 1
    assert figures["letters"]["unsent_late"] == 1
    assert (figures["letters"]["overridden"], figures["letters"]["approved"]) == (1, 2)
    assert figures["ratings"]["count"] == 1 and figures["ratings"]["distribution"] == [0, 0, 0, 1, 0]


def test_insight_page_feeds_the_charts_and_its_query_count_does_not_grow(client, hr_user):
    client.force_login(hr_user)
    sent(make_letter(), after_days=2)
    client.get(reverse("feedback:insights"))  # warm-up: per-process caches fill once
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("feedback:insights"))
    for days in range(8):
        sent(make_letter(), after_days=days)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("feedback:insights"))

    assert len(many) == len(few)
    page = response.content.decode()
    data = json.loads(
        re.search(r'<script id="insight-data" type="application/json">(.*?)</script>', page).group(1)
    )
    assert len(data["funnel"]["labels"]) == 9
    assert data["funnel"]["series"][0]["label"] == "Applied"
    assert "Median time from decision to letter" in page
