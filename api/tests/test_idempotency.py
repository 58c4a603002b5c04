"""Idempotency-Key on POST: a retry replays the first answer; a changed body is refused."""

import pytest
from django.urls import reverse

from api.models import IdempotencyRecord
from api.tests.helpers import client_for, make_token
from candidates.models import Candidate
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _post(client, body, key="abc-123"):
    return client.post(reverse("api:candidate-list"), body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_same_key_and_body_replays_the_first_answer_and_writes_once(world):
    _, key = make_token(world.users["hr"], scope="write")
    client = client_for(key)
    body = {"name": "Grace Hopper", "email": "grace@example.org"}
    first = _post(client, body)
    assert first.status_code == 201
    second = _post(client, body)
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Candidate.objects.filter(email="grace@example.org").count() == 1
    assert AuditEvent.objects.filter(verb="api.candidate.create").count() == 1


def test_same_key_with_another_body_answers_422(world):
    _, key = make_token(world.users["hr"], scope="write")
    client = client_for(key)
    assert _post(client, {"name": "Grace", "email": "grace@example.org"}).status_code == 201
    response = _post(client, {"name": "Alan", "email": "alan@example.org"})
    assert response.status_code == 422
    assert "different request" in response.json()["detail"]
    assert not Candidate.objects.filter(email="alan@example.org").exists()


def test_keys_are_scoped_per_token(world):
    _, key_a = make_token(world.users["hr"], scope="write", name="A")
    _, key_b = make_token(world.users["hr"], scope="write", name="B")
    assert _post(client_for(key_a), {"name": "Grace", "email": "grace@example.org"}).status_code == 201
    response = _post(client_for(key_b), {"name": "Alan", "email": "alan@example.org"})
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response


def test_an_error_is_not_stored_so_the_fixed_retry_runs(world):
    _, key = make_token(world.users["hr"], scope="write")
    client = client_for(key)
    assert _post(client, {"name": "", "email": "x"}).status_code == 400
    assert not IdempotencyRecord.objects.exists()
    assert _post(client, {"name": "", "email": "x"}).status_code == 400
    # A different body under the same key is fine: nothing was stored.
    assert _post(client, {"name": "Grace", "email": "grace@example.org"}).status_code == 201


def test_an_expired_key_runs_again(world, settings):
    _, key = make_token(world.users["hr"], scope="write")
    client = client_for(key)
    assert _post(client, {"name": "Grace", "email": "grace@example.org"}).status_code == 201
    IdempotencyRecord.objects.update(created_at=IdempotencyRecord.objects.get().created_at.replace(year=2000))
    response = _post(client, {"name": "Alan", "email": "alan@example.org"})
    assert response.status_code == 201
    assert IdempotencyRecord.objects.count() == 1


def test_a_bad_key_answers_400(world):
    _, key = make_token(world.users["hr"], scope="write")
    response = _post(client_for(key), {"name": "Grace", "email": "grace@example.org"}, key="x" * 300)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Candidate.objects.filter(email="grace@example.org").exists()


def test_letter_approval_replayed_approves_once(world):
    _, key = make_token(world.users["hr"], scope="write")
    client = client_for(key)
    url = reverse("api:letter-approve", args=[world.letter.pk])
    first = client.post(url, {"override_reason": "ok"}, format="json", HTTP_IDEMPOTENCY_KEY="approve-1")
    second = client.post(url, {"override_reason": "ok"}, format="json", HTTP_IDEMPOTENCY_KEY="approve-1")
    assert first.status_code == second.status_code == 200
    assert AuditEvent.objects.filter(verb="letter.approved", target_id=world.letter.pk).count() == 1
    # Without the key, the second approval is refused by the service: the letter is scheduled.
    third = client.post(url, {"override_reason": "ok"}, format="json")
    assert third.status_code == 409
