"""Lists cost the same number of queries with few rows and with many (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.tests.helpers import client_for, make_token
from feedback.letters.services import letter_draft
from hiring.models import Decision
from hiring.tests.factories import (
    ApplicationFactory,
    DecisionFactory,
    FeedbackPointFactory,
    InterviewFactory,
    job_with_pipeline,
)

pytestmark = pytest.mark.django_db
RESOURCES = ["job", "candidate", "application", "interview", "decision", "letter", "reminder", "request"]


def _queries(client) -> dict[str, int]:
    counts = {}
    for resource in RESOURCES:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(f"api:{resource}-list")).status_code == 200
        counts[resource] = len(captured)
    return counts


def _add_rows(n: int) -> None:
    for _ in range(n):
        application = ApplicationFactory(job=job_with_pipeline())
        InterviewFactory(application=application)
        decision = DecisionFactory(application=application, outcome=Decision.Outcome.NO_HIRE)
        FeedbackPointFactory(decision=decision)
        FeedbackPointFactory(decision=decision)
        letter_draft(decision=decision)


def test_list_queries_do_not_grow_with_rows(world):
    _, key = make_token(world.users["hr"])
    client = client_for(key)
    client.get(reverse("api:job-list"))  # the token's last_used_at is written once a minute
    few = _queries(client)
    _add_rows(6)
    many = _queries(client)
    assert many == few
