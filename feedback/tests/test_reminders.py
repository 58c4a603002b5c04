"""Reapply reminders: due on the reapply date, sent exactly once, and never to the wrong people."""

import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from candidates.models import Candidate
from candidates.tests.factories import CandidateFactory
from feedback.models import DeliveryStatus, ReapplyReminder
from feedback.portal import services
from feedback.portal.selectors import reapply_is_open
from feedback.privacy.services import candidate_erase
from feedback.tests.candidate_helpers import make_letter
from hiring.models import Application
from hiring.tests.factories import ApplicationFactory
from outbox import services as delivery
from outbox.services import deliveries_sweep, delivery_send
from outbox.tasks import delivery_send_task

pytestmark = pytest.mark.django_db

DECIDED = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# 2 March + 182 days = 31 August, reminders at 09:00 in the candidate's zone.
DUE = dt.datetime(2026, 8, 31, 9, 0, tzinfo=BERLIN)


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(
        delivery_send_task, "apply_async", lambda args, **options: calls.append(tuple(args)), raising=False
    )
    return calls


@pytest.fixture(autouse=True)
def _fresh_mail_connection():
    delivery.delivery_connections_close()
    yield
    delivery.delivery_connections_close()


@pytest.fixture
def sweep(queued, django_capture_on_commit_callbacks):
    """Run the daily reminder sweep, then the send tasks it queued, as the worker would."""

    def run() -> list[str]:
        queued.clear()
        with django_capture_on_commit_callbacks(execute=True):
            deliveries_sweep(kind="reminder")
        return [delivery_send(kind=kind, pk=pk) for kind, pk in list(queued)]

    return run


@pytest.fixture
def opted_in():
    with time_machine.travel(DECIDED + dt.timedelta(days=1), tick=False):
        letter = make_letter(decided_at=DECIDED, cooldown_days=182)
        Candidate.objects.filter(pk=letter.application.candidate_id).update(time_zone="Europe/Berlin")
        letter.application.candidate.refresh_from_db()
        reminder = services.reminder_opt_in(letter=letter)
    return letter, reminder


def test_opting_in_queues_nothing_in_the_broker(queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        letter = make_letter(decided_at=timezone.now())
        services.reminder_opt_in(letter=letter)
    assert queued == []
    assert callbacks == []
    assert ReapplyReminder.objects.get().send_after > timezone.now() + dt.timedelta(days=180)


def test_reminder_is_sent_once_on_the_due_day(opted_in, sweep, mailoutbox):
    letter, reminder = opted_in
    with time_machine.travel(DUE - dt.timedelta(minutes=1), tick=False):
        assert sweep() == []
    assert mailoutbox == []
    with time_machine.travel(DUE + dt.timedelta(minutes=10), tick=False):
        assert sweep() == ["sent"]
        assert sweep() == []
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [letter.application.candidate.email]
    assert mail.extra_headers["Message-ID"] == reminder.message_id
    assert "/c/reapply/" in mail.body
    reminder.refresh_from_db()
    assert reminder.status == DeliveryStatus.SENT
    assert reminder.sent_text == mail.body


def test_double_sweep_before_sending_sends_once(
    opted_in, queued, django_capture_on_commit_callbacks, mailoutbox
):
    with time_machine.travel(DUE + dt.timedelta(hours=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            deliveries_sweep(kind="reminder")
            deliveries_sweep(kind="reminder")
        assert len(queued) == 1
        # The same task delivered twice (a redelivery) still sends once.
        outcomes = [delivery_send(kind="reminder", pk=queued[0][1]) for _ in range(2)]
    assert outcomes == ["sent", "skipped"]
    assert len(mailoutbox) == 1


def test_unsubscribe_between_opt_in_and_due_date_sends_nothing(opted_in, sweep, mailoutbox):
    letter, reminder = opted_in
    with time_machine.travel(DUE - dt.timedelta(days=30), tick=False):
        services.candidate_unsubscribe(candidate=letter.application.candidate)
    with time_machine.travel(DUE + dt.timedelta(hours=1), tick=False):
        sweep()
    assert mailoutbox == []
    reminder.refresh_from_db()
    assert reminder.status == DeliveryStatus.CANCELLED


def test_unsubscribed_while_the_reminder_is_claimed_is_skipped(
    opted_in, queued, django_capture_on_commit_callbacks, mailoutbox
):
    letter, reminder = opted_in
    with time_machine.travel(DUE + dt.timedelta(hours=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            deliveries_sweep(kind="reminder")
        # The candidate clicks one-click unsubscribe in another reminder's mail meanwhile:
        # the row is claimed but not yet sending.
        Candidate.objects.filter(pk=letter.application.candidate_id).update(unsubscribed_at=timezone.now())
        assert delivery_send(kind="reminder", pk=reminder.pk) == "cancelled"
    assert mailoutbox == []
    reminder.refresh_from_db()
    assert reminder.status == DeliveryStatus.CANCELLED
    assert "unsubscribed" in reminder.last_error


def test_erased_candidate_gets_no_reminder(opted_in, sweep, mailoutbox, hr_user):
    letter, reminder = opted_in
    candidate_erase(candidate=letter.application.candidate, by=hr_user)
    with time_machine.travel(DUE + dt.timedelta(hours=1), tick=False):
        assert sweep() == []
    assert mailoutbox == []
    reminder.refresh_from_db()
    assert reminder.status == DeliveryStatus.CANCELLED


def test_candidate_who_already_reapplied_gets_no_reminder(opted_in, sweep, mailoutbox):
    letter, reminder = opted_in
    # Reapplied through another route (HR added them): the reminder row is still scheduled.
    ApplicationFactory(
        candidate=letter.application.candidate,
        job=letter.application.job,
        previous=letter.application,
        source=Application.Source.REAPPLY,
    )
    with time_machine.travel(DUE + dt.timedelta(hours=1), tick=False):
        assert sweep() == ["cancelled"]
    assert mailoutbox == []
    reminder.refresh_from_db()
    assert reminder.status == DeliveryStatus.CANCELLED
    assert "reapplied" in reminder.last_error


def test_undo_before_the_due_day_sends_nothing(opted_in, sweep, mailoutbox):
    letter, _ = opted_in
    with time_machine.travel(DUE - dt.timedelta(days=1), tick=False):
        services.reminder_opt_out(letter=letter)
    with time_machine.travel(DUE + dt.timedelta(hours=1), tick=False):
        assert sweep() == []
    assert mailoutbox == []


def test_reminders_due_command_makes_a_reminder_due_now_and_opens_reapplying(sweep, mailoutbox, settings):
    letter = make_letter(decided_at=timezone.now())
    reminder = services.reminder_opt_in(letter=letter)
    assert not reapply_is_open(letter)
    assert sweep() == []
    settings.DEBUG = True
    out = io.StringIO()
    call_command("reminders_due", "--letter", str(letter.public_id), "--open-reapply", stdout=out)
    assert "1 reminder(s) due now" in out.getvalue()
    reminder.refresh_from_db()
    assert reminder.send_after <= timezone.now()
    assert sweep() == ["sent"]
    assert len(mailoutbox) == 1
    # The reapply date moved, not the decision (issue 12: the demo rewrote history).
    decided_at = letter.decision.decided_at
    letter.refresh_from_db()
    assert reapply_is_open(letter)
    assert letter.decision.decided_at == decided_at


def test_reminders_due_command_refuses_to_rewrite_dates_outside_debug(settings):
    settings.DEBUG = False
    letter = make_letter(decided_at=timezone.now())
    services.reminder_opt_in(letter=letter)
    with pytest.raises(CommandError):
        call_command("reminders_due", "--all", "--open-reapply", stdout=io.StringIO())


def test_reminders_due_command_takes_the_link_from_the_email(sweep, mailoutbox):
    from feedback.links import letter_page_url

    letter = make_letter(decided_at=timezone.now())
    services.reminder_opt_in(letter=letter)
    out = io.StringIO()
    call_command("reminders_due", "--letter", letter_page_url(letter), stdout=out)
    assert "1 reminder(s) due now" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("reminders_due", "--letter", "http://testserver/c/garbage/", stdout=io.StringIO())


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC),  # late evening, winter
        dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.UTC),  # just after midnight
        dt.datetime(2026, 6, 15, 23, 30, tzinfo=dt.UTC),  # after local midnight in summer time
        dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),  # the night clocks go forward
    ],
)
@pytest.mark.parametrize("zone", ["Europe/London", "America/Los_Angeles", "Pacific/Auckland"])
def test_open_reapply_opens_the_form_whatever_the_hour_and_zone(moment, zone, settings):
    settings.DEBUG = True
    with time_machine.travel(moment, tick=False):
        letter = make_letter(decided_at=timezone.now(), candidate=CandidateFactory(time_zone=zone))
        services.reminder_opt_in(letter=letter)
        call_command(
            "reminders_due", "--letter", str(letter.public_id), "--open-reapply", stdout=io.StringIO()
        )
        letter.refresh_from_db()
        assert reapply_is_open(letter)
