"""The hiring manager's pipeline (issue #17, item 5): stage counts, who is waiting and since
when, letters and their state; query count independent of the rows."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.insights.pipeline import manager_pipeline
from feedback.letters.services import letter_draft
from hiring.models import Decision, Scorecard
from hiring.tests.factories import (
    ApplicationFactory,
    DecisionFactory,
    FeedbackPointFactory,
    HiringManagerFactory,
    InterviewerFactory,
    InterviewFactory,
    ScorecardFactory,
    job_with_pipeline,
)

pytestmark = pytest.mark.django_db


def _submit(interview, when):
    card = ScorecardFactory(interview=interview)
    Scorecard.objects.filter(pk=card.pk).update(status="submitted", submitted_at=when, recommendation="yes")


def _world(manager, size: int):
    """``size`` applications of each kind on one job of ``manager``: waiting for a scorecard,
    waiting for a decision, and rejected with a drafted letter."""
    job = job_with_pipeline(hiring_manager=manager)
    past = timezone.now() - dt.timedelta(days=3)
    for _ in range(size):
        waiting = ApplicationFactory(job=job)
        InterviewFactory(application=waiting, scheduled_at=past)
        decided = ApplicationFactory(job=job)
        _submit(InterviewFactory(application=decided, scheduled_at=past), past + dt.timedelta(hours=1))
        rejected = ApplicationFactory(job=job)
        decision = DecisionFactory(application=rejected, outcome=Decision.Outcome.NO_HIRE)
        FeedbackPointFactory(decision=decision)
        rejected.status, rejected.closed_at = rejected.Status.REJECTED, timezone.now()
        rejected.save()
        letter_draft(decision=decision)
    return job


def test_the_pipeline_counts_stages_waits_and_letters(hiring_manager):
    job = _world(hiring_manager, 2)
    InterviewFactory(
        application=ApplicationFactory(job=job), scheduled_at=timezone.now() + dt.timedelta(days=2)
    )
    [item] = manager_pipeline(hiring_manager)
    assert item.job == job
    first_stage, count = item.stages[0]
    assert count == 5  # 2 + 2 waiting, 1 with a future interview
    assert item.closed == {"Not hired": 2}
    kinds = sorted(w.what for w in item.waiting)
    assert kinds == ["decision", "decision", "scorecard", "scorecard"]
    assert all(w.days == 3 for w in item.waiting if w.what == "scorecard")
    assert item.letter_counts == [("Draft", 2)]
    assert len(item.letters) == 2


def test_a_manager_sees_only_their_jobs(hiring_manager):
    _world(hiring_manager, 1)
    other = HiringManagerFactory()
    _world(other, 1)
    assert [p.job.hiring_manager for p in manager_pipeline(hiring_manager)] == [hiring_manager]


@pytest.mark.parametrize("size", [1, 6])
def test_query_count_does_not_grow_with_the_rows(client, hiring_manager, django_assert_max_num_queries, size):
    _world(hiring_manager, size)
    _world(hiring_manager, size)  # a second job
    client.force_login(hiring_manager)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("feedback:pipeline"))
    assert response.status_code == 200
    assert response.content.decode().count('data-stage="') == 6


def test_the_page_names_who_is_waiting_and_links_to_the_application(client, hiring_manager):
    job = job_with_pipeline(hiring_manager=hiring_manager)
    application = ApplicationFactory(job=job, candidate__name="Rosa Rossi")
    alice = InterviewerFactory(first_name="Alice", last_name="Ito")
    InterviewFactory(
        application=application, interviewer=alice, scheduled_at=timezone.now() - dt.timedelta(days=1)
    )
    client.force_login(hiring_manager)
    page = client.get(reverse("feedback:pipeline")).content.decode()
    assert "Rosa Rossi" in page and "scorecard from Alice Ito" in page
    assert reverse("hiring:application_detail", args=[application.pk]) in page


def test_an_interviewer_gets_404(client):
    client.force_login(InterviewerFactory())
    assert client.get(reverse("feedback:pipeline")).status_code == 404
