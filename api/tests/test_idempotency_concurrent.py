"""Two retries of one POST arriving at once, on PostgreSQL: one write, one answer replayed."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from api.tests.helpers import client_for, make_token
from candidates.models import Candidate
from core.models import AuditEvent

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_concurrent_retries_with_one_key_write_once(world):
    _, key = make_token(world.users["hr"], scope="write")
    barrier = threading.Barrier(4)
    answers = []

    def post():
        try:
            barrier.wait()
            response = client_for(key).post(
                reverse("api:candidate-list"),
                {"name": "Grace Hopper", "email": "grace@example.org"},
                format="json",
                HTTP_IDEMPOTENCY_KEY="same-key",
            )
            answers.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 4
    assert {status for status, _ in answers} == {201}
    assert len({pk for _, pk in answers}) == 1
    assert Candidate.objects.filter(email="grace@example.org").count() == 1
    assert AuditEvent.objects.filter(verb="api.candidate.create").count() == 1
