"""Reapply reminders through the real pipeline: beat's sweep in a Celery worker, Redis, PostgreSQL,
and an SMTP server that counts messages by Message-ID."""

import datetime as dt

import pytest
from django.utils import timezone

from feedback.models import DeliveryStatus, ReapplyReminder
from feedback.portal import services
from feedback.tests.candidate_helpers import make_letter
from tests.support.workers import broker_messages, wait_until

pytestmark = pytest.mark.services


def test_due_reminders_are_sent_once_by_the_beat_sweep_and_skipped_ones_never(
    celery_worker_process, smtp_sink
):
    due = [make_letter() for _ in range(3)]
    reminders = [services.reminder_opt_in(letter=letter) for letter in due]
    unsubscribed = make_letter()
    services.reminder_opt_in(letter=unsubscribed)
    services.candidate_unsubscribe(candidate=unsubscribed.application.candidate)
    later = make_letter()
    services.reminder_opt_in(letter=later)  # due in six months: stays a row
    # The reapply date comes for the first three.
    ReapplyReminder.objects.filter(pk__in=[r.pk for r in reminders]).update(
        send_after=timezone.now() - dt.timedelta(seconds=1)
    )

    worker = celery_worker_process.start(beat=True, sweep_every=1)
    assert smtp_sink.wait_for(3, timeout=60)
    # Several more sweeps run while we wait: nothing is sent again.
    assert wait_until(
        lambda: ReapplyReminder.objects.filter(status=DeliveryStatus.SENT).count() == 3, timeout=30
    )
    assert wait_until(lambda: not broker_messages(worker.redis_url), timeout=30)
    worker.stop()
    assert smtp_sink.raw_count == 3
    assert set(smtp_sink.by_message_id) == {r.message_id for r in reminders}
    for letter in due:
        [message] = smtp_sink.messages_to(letter.application.candidate.email)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert smtp_sink.messages_to(unsubscribed.application.candidate.email) == []
    assert ReapplyReminder.objects.get(application=later.application).status == DeliveryStatus.SCHEDULED
