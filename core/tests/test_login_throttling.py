import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_repeated_failed_logins_lock_the_account_out(client, interviewer, caplog):
    url = reverse("login")
    for _ in range(3):
        client.post(url, {"username": "alice", "password": "wrong"})
    response = client.post(url, {"username": "alice", "password": "pw-for-tests-1"})
    assert response.status_code == 429
    assert b"Too many failed log-in attempts" in response.content
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username="alice").exists()
    assert any("locking out" in r.getMessage().lower() for r in caplog.records)


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_correct_password_logs_in_before_the_limit(client, interviewer):
    url = reverse("login")
    client.post(url, {"username": "alice", "password": "wrong"})
    response = client.post(url, {"username": "alice", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(interviewer.pk)
