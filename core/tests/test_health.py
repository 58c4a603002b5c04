"""Operations (issue 13, item 10): liveness, readiness for the load balancer, and heartbeats
that tell HR when letters would silently wait."""

import datetime as dt
from types import SimpleNamespace

import pytest
from celery import current_app
from django.conf import settings as django_settings
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from kombu import Connection

from core import health
from core.beat import HeartbeatScheduler
from core.heartbeats import BEAT, STALE_AFTER, WORKER, heartbeat_mark, heartbeats_read
from core.models import Heartbeat
from core.tasks import heartbeat_task
from feedback.models import FeedbackLetter
from feedback.tests.candidate_helpers import make_letter
from outbox.kinds import KINDS

pytestmark = pytest.mark.django_db


def _seen(name: str, ago: dt.timedelta) -> dt.datetime:
    seen_at = timezone.now() - ago
    Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": seen_at})
    return seen_at


@pytest.fixture
def hr_client(client, hr_user):
    client.force_login(hr_user)
    return client


def _both_seen_now():
    heartbeat_mark(name=BEAT)
    heartbeat_mark(name=WORKER)


# --- liveness and readiness ------------------------------------------------------------------


def test_liveness_stays_a_plain_ok(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.content == b"ok"


def test_readiness_is_200_with_every_part_when_all_is_well(client):
    _both_seen_now()

    response = client.get(reverse("healthz_ready"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True and body["broker"]["ok"] is True
    assert body["worker"] == {"seen_seconds_ago": 0, "stale": False}
    assert body["beat"]["stale"] is False
    assert body["outbox"]["ok"] is True
    assert body["outbox"]["oldest_due_seconds"] is None
    assert set(body["outbox"]["kinds"]) == set(KINDS)


def test_readiness_shows_the_oldest_due_unsent_row_without_personal_data(client):
    _both_seen_now()
    now = timezone.now()
    due = make_letter(status=FeedbackLetter.Status.SCHEDULED)
    FeedbackLetter.objects.filter(pk=due.pk).update(
        send_after=now - dt.timedelta(minutes=10),
        # Claimed by a sweep whose worker never sent it: still waiting, still counted.
        claimed_until=now + dt.timedelta(minutes=5),
    )
    later = make_letter(status=FeedbackLetter.Status.SCHEDULED)
    FeedbackLetter.objects.filter(pk=later.pk).update(send_after=now + dt.timedelta(hours=1))
    sent = make_letter()  # sent long ago: not waiting
    FeedbackLetter.objects.filter(pk=sent.pk).update(send_after=now - dt.timedelta(days=3))

    response = client.get(reverse("healthz_ready"))

    body = response.json()
    assert response.status_code == 200
    assert 595 <= body["outbox"]["kinds"]["letter"] <= 660
    assert body["outbox"]["oldest_due_seconds"] == body["outbox"]["kinds"]["letter"]
    assert body["outbox"]["ok"] is True and body["status"] == "ok"
    page = response.content.decode()
    candidate = due.application.candidate
    assert candidate.name not in page and candidate.email not in page
    assert str(due.public_id) not in page


def test_a_row_due_for_more_than_half_an_hour_makes_readiness_degraded_not_down(client):
    _both_seen_now()
    due = make_letter(status=FeedbackLetter.Status.SCHEDULED)
    FeedbackLetter.objects.filter(pk=due.pk).update(send_after=timezone.now() - dt.timedelta(hours=2))

    response = client.get(reverse("healthz_ready"))

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["outbox"]["ok"] is False


def test_readiness_reads_one_date_per_kind_of_email(client, django_assert_max_num_queries):
    _both_seen_now()
    # SELECT 1, the heartbeats, one query per kind (and the test client's session: none).
    with django_assert_max_num_queries(2 + len(KINDS)):
        client.get(reverse("healthz_ready"))


@pytest.mark.parametrize("name", [WORKER, BEAT])
def test_a_stale_heartbeat_is_reported_but_the_web_process_stays_in_service(client, name):
    _both_seen_now()
    _seen(name, STALE_AFTER + dt.timedelta(minutes=1))

    response = client.get(reverse("healthz_ready"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body[name]["stale"] is True
    assert body[name]["seen_seconds_ago"] >= 360


def test_readiness_is_503_when_the_database_is_down(client, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(health, "connection", BrokenConnection())

    response = client.get(reverse("healthz_ready"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["database"]["ok"] is False
    assert body["database"]["error"] == "OperationalError"
    # The message (host names, addresses) is not repeated to whoever asks.
    assert "refused" not in response.content.decode()


def test_readiness_is_503_when_the_broker_does_not_answer(client, monkeypatch):
    _both_seen_now()
    # A Redis broker where nothing listens (port 1): refused at once.
    app = SimpleNamespace(
        connection_for_read=lambda **options: Connection("redis://127.0.0.1:1/0", **options)
    )
    monkeypatch.setattr(health, "current_app", app)

    response = client.get(reverse("healthz_ready"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["broker"]["ok"] is False and body["database"]["ok"] is True
    assert body["broker"]["ms"] < health.BROKER_TIMEOUT * 1000 + 1000
    assert "127.0.0.1" not in response.content.decode()


def test_a_probe_that_fails_is_reported_and_does_not_hide_the_others(client, monkeypatch):
    _both_seen_now()

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setitem(health.PROBES, "broken", broken)

    body = client.get(reverse("healthz_ready")).json()

    assert body["broken"] == {"ok": False, "error": "RuntimeError"}
    assert body["outbox"]["ok"] is True
    assert body["status"] == "degraded"


# --- heartbeats -------------------------------------------------------------------------------


def test_the_heartbeat_task_marks_the_worker_seen():
    heartbeat_task.apply()

    state = heartbeats_read()[WORKER]
    assert state.seen_at is not None and not state.stale
    assert state.age < dt.timedelta(seconds=5)
    assert heartbeats_read()[BEAT].seen_at is None


@pytest.mark.django_db(transaction=True)
def test_a_worker_is_seen_as_soon_as_it_is_ready():
    from config.celery import _mark_worker_heartbeat

    _mark_worker_heartbeat(sender=None)  # Celery's worker_ready signal

    assert not heartbeats_read()[WORKER].stale


def test_marking_again_moves_the_time_on_and_keeps_one_row():
    _seen(WORKER, dt.timedelta(hours=1))

    heartbeat_mark(name=WORKER)

    assert Heartbeat.objects.filter(name=WORKER).count() == 1
    assert heartbeats_read()[WORKER].age < dt.timedelta(seconds=5)


def test_beat_queues_the_heartbeat_task_every_minute_with_its_own_scheduler():
    entries = [e for e in django_settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == heartbeat_task.name]
    assert len(entries) == 1 and entries[0]["schedule"] <= 60
    assert current_app.conf.beat_scheduler == "core.beat:HeartbeatScheduler"


def test_beat_marks_itself_seen_once_a_minute_while_it_ticks(tmp_path):
    scheduler = HeartbeatScheduler(app=current_app, schedule_filename=str(tmp_path / "schedule"))
    try:
        scheduler.tick()
        first = heartbeats_read()[BEAT]
        Heartbeat.objects.filter(name=BEAT).update(seen_at=first.seen_at - dt.timedelta(minutes=10))
        scheduler.tick()  # within the minute: no second write
        again = heartbeats_read()[BEAT]
        scheduler._next_mark = 0  # a minute later
        scheduler.tick()
        later = heartbeats_read()[BEAT]
    finally:
        scheduler.close()

    assert first.seen_at is not None and not first.stale
    assert again.stale
    assert not later.stale


def test_beat_keeps_scheduling_when_its_heartbeat_cannot_be_written(tmp_path, monkeypatch, caplog):
    def down(**kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr("core.beat.heartbeat_mark", down)
    scheduler = HeartbeatScheduler(app=current_app, schedule_filename=str(tmp_path / "schedule"))
    try:
        interval = scheduler.tick()
    finally:
        scheduler.close()

    assert interval >= 0
    assert "beat heartbeat not recorded: OperationalError" in caplog.text


# --- HR's home page -----------------------------------------------------------------------------


def test_hr_home_has_no_warning_while_worker_and_beat_are_seen(hr_client):
    _both_seen_now()

    page = hr_client.get(reverse("feedback:hr_home")).content.decode()

    assert "sending-stalled" not in page
    assert "silently wait" not in page


def test_hr_home_warns_when_the_worker_has_not_been_seen_for_minutes(hr_client):
    heartbeat_mark(name=BEAT)
    seen_at = _seen(WORKER, dt.timedelta(minutes=7))

    page = hr_client.get(reverse("feedback:hr_home")).content.decode()

    local = timezone.localtime(seen_at)
    expected = (
        local.strftime("%H:%M")
        if local.date() == timezone.localdate()
        else local.strftime("%a %-d %b, %H:%M")
    )
    assert "Letters would silently wait:" in page
    assert f"the sending worker\n  has not been seen since {expected}." in page


def test_hr_home_names_beat_when_beat_is_the_one_not_seen(hr_client):
    heartbeat_mark(name=WORKER)
    _seen(BEAT, dt.timedelta(minutes=20))

    page = hr_client.get(reverse("feedback:hr_home")).content.decode()

    assert "Letters would silently wait:" in page
    assert "(Celery beat)" in page
    assert "check the Celery beat process" in page


def test_hr_home_warns_when_no_worker_was_ever_seen(hr_client):
    heartbeat_mark(name=BEAT)

    page = hr_client.get(reverse("feedback:hr_home")).content.decode()

    assert "the sending worker\n  has not been seen yet." in page


def test_a_worker_seen_a_minute_ago_is_not_stale(hr_client):
    heartbeat_mark(name=BEAT)
    _seen(WORKER, dt.timedelta(minutes=1))

    page = hr_client.get(reverse("feedback:hr_home")).content.decode()

    assert "silently wait" not in page
