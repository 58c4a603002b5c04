"""First write wins: two submissions at once from the candidate's page both get a normal answer
(never an error page) and leave one row.

Real concurrency needs PostgreSQL (``services``): each submission runs in its own thread and
connection, and both are held at a point inside the service until the other has arrived (or
a short time has passed, when a lock makes the other wait before it), so both have read the
state before either writes, as a double click does in production. On SQLite, which takes
one writer at a time, the two run one after the other.
"""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from feedback.models import CandidateRating, FeedbackRequest
from feedback.portal import services as portal_services
from feedback.requests import services as request_services
from feedback.tests.candidate_helpers import make_letter, url
from hiring.models import Application

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# How long a submission waits at the meeting point for the other one.
MEET_TIMEOUT = 2.0


def _meet_at(monkeypatch, owner, name: str) -> None:
    """Hold each thread that calls ``owner.name`` until a second thread calls it too, or
    MEET_TIMEOUT seconds pass (the other is waiting on a lock held by this one)."""
    if connection.vendor == "sqlite":
        return  # one after the other: nobody to meet
    original = getattr(owner, name)
    barrier = threading.Barrier(2, timeout=MEET_TIMEOUT)

    def meeting(*args, **kwargs):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, meeting)


def _at_once(*calls):
    """Run ``calls`` at once, one thread and database connection each (one after the other on
    SQLite). Returns their results in order; re-raises the first exception."""
    if connection.vendor == "sqlite":
        return [call() for call in calls]
    results: list = [None] * len(calls)
    errors: list = []
    start = threading.Barrier(len(calls))

    def run(i, call):
        try:
            start.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # pragma: no cover - re-raised below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    if errors:
        raise errors[0]
    return results


def _post(path, data):
    # raise_request_exception=False: a 500 is a status to assert on, as the candidate would see it.
    return lambda: Client(raise_request_exception=False).post(path, data)


def test_two_simultaneous_first_ratings_both_succeed_and_leave_one_rating(monkeypatch):
    letter = make_letter()
    _meet_at(monkeypatch, CandidateRating, "full_clean")
    responses = _at_once(
        _post(url("rate", letter), {"score": "4", "comment": "Clear."}),
        _post(url("rate", letter), {"score": "5", "comment": "Very clear."}),
    )
    assert [r.status_code for r in responses] == [302, 302]
    rating = CandidateRating.objects.get(letter=letter)
    assert (rating.score, rating.comment) in {(4, "Clear."), (5, "Very clear.")}


def test_a_question_submitted_twice_at_once_makes_one_request_and_both_are_thanked(monkeypatch):
    letter = make_letter()
    _meet_at(monkeypatch, FeedbackRequest, "full_clean")
    question = {"question": "How would you have handled bursts at the window boundary?"}
    responses = _at_once(_post(url("ask", letter), question), _post(url("ask", letter), question))
    assert [r.status_code for r in responses] == [302, 302]
    assert FeedbackRequest.objects.filter(letter=letter).count() == 1


def test_the_same_question_asked_again_later_is_one_request_but_a_new_one_is_another():
    letter = make_letter()
    first = request_services.request_create(letter=letter, question="What was missing?")
    again = request_services.request_create(letter=letter, question="  What was missing?  ")
    other = request_services.request_create(letter=letter, question="What would have been stronger?")
    assert again.pk == first.pk
    assert other.pk != first.pk
    assert FeedbackRequest.objects.filter(letter=letter).count() == 2


def test_a_reapplication_submitted_twice_at_once_makes_one_application_and_both_see_the_confirmation(
    monkeypatch,
):
    letter = make_letter(decided_at=timezone.now() - dt.timedelta(days=200))
    candidate = letter.application.candidate
    data = {"name": candidate.name, "email": candidate.email, "time_zone": "Europe/Paris"}
    for point in letter.decision.points.all():
        data[f"point_{point.pk}"] = f"Practised {point.criterion.name} with mock interviews."
    _meet_at(monkeypatch, portal_services, "reapply_jobs")
    path = url("reapply", letter, "reapply")
    clients = [Client(raise_request_exception=False), Client(raise_request_exception=False)]
    responses = _at_once(*(lambda c=c: c.post(path, data) for c in clients))
    assert Application.objects.filter(previous=letter.application).count() == 1
    for client, response in zip(clients, responses, strict=True):
        # Redirected to the confirmation (or, when the other had already finished, shown it).
        assert response.status_code in (200, 302)
        page = client.get(response["Location"], follow=True) if response.status_code == 302 else response
        assert page.status_code == 200
        assert "have your application" in page.content.decode()
