"""Rules with one home: business deadlines, the reapply date, one-line text, who may act."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied

from core.dates import business_deadline
from core.text import one_line
from feedback.letters.progress import reapply_on
from feedback.letters.services import letter_approve, letter_cancel, letter_deadline, letter_edit
from feedback.portal.selectors import reapply_date
from feedback.privacy.services import candidate_erase, candidate_export
from feedback.requests import services as request_services
from feedback.tests.candidate_helpers import make_letter
from hiring.tests.factories import HiringManagerFactory, InterviewerFactory

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


# Business deadlines -------------------------------------------------------------------------------


def test_business_deadline_skips_the_weekend_and_ends_the_local_day():
    friday_evening = dt.datetime(2026, 3, 6, 18, 0, tzinfo=BERLIN)
    assert business_deadline(friday_evening, 1, tz=BERLIN) == dt.datetime(
        2026, 3, 9, 23, 59, 59, tzinfo=BERLIN
    )
    saturday = dt.datetime(2026, 3, 7, 10, 0, tzinfo=BERLIN)
    assert business_deadline(saturday, 1, tz=BERLIN).date() == dt.date(2026, 3, 9)
    assert business_deadline(friday_evening, 0, tz=BERLIN).date() == dt.date(2026, 3, 6)


def test_business_deadline_counts_days_in_the_zone_given():
    # 23:30 UTC on a Tuesday is already Wednesday in Berlin.
    late_tuesday_utc = dt.datetime(2026, 3, 3, 23, 30, tzinfo=dt.UTC)
    assert business_deadline(late_tuesday_utc, 1, tz=dt.UTC).date() == dt.date(2026, 3, 4)
    assert business_deadline(late_tuesday_utc, 1, tz=BERLIN).date() == dt.date(2026, 3, 5)


def test_business_deadline_refuses_a_naive_start_or_negative_days():
    with pytest.raises(ValueError):
        business_deadline(dt.datetime(2026, 3, 6, 12, 0), 1)
    with pytest.raises(ValueError):
        business_deadline(dt.datetime(2026, 3, 6, 12, 0, tzinfo=BERLIN), -1)


def test_letter_and_request_deadlines_are_the_same_rule(settings):
    letter = make_letter()
    job = letter.application.job
    settings.CANDOR_REQUEST_DEADLINE_DAYS = job.feedback_deadline_days
    decided_at = letter.decision.decided_at
    assert letter_deadline(decision=letter.decision) == business_deadline(
        decided_at, job.feedback_deadline_days
    )
    assert request_services.request_deadline(decided_at) == letter_deadline(decision=letter.decision)


# The reapply date ---------------------------------------------------------------------------------


def test_reapply_date_of_a_letter_is_reapply_on_of_its_decision(django_assert_num_queries):
    letter = make_letter(cooldown_days=90)
    assert reapply_date(letter) == reapply_on(decision=letter.decision)
    assert reapply_date(letter.decision) == reapply_on(decision=letter.decision)
    with django_assert_num_queries(0):  # the letter's loaded application and job are reused
        reapply_date(letter)


# One line -----------------------------------------------------------------------------------------


def test_one_line_folds_every_line_break_and_run_of_spaces():
    assert one_line("  Ada\r\nLovelace\u2028Jr\t ") == "Ada Lovelace Jr"
    assert one_line(None) == ""
    assert one_line(42) == "42"


# Who may act --------------------------------------------------------------------------------------


def test_letter_services_refuse_anyone_but_hr(hr_user):
    letter = make_letter(status="draft")
    interviewer = InterviewerFactory()
    with pytest.raises(PermissionDenied, match="Only HR"):
        letter_edit(letter=letter, by=interviewer, subject="Hi", body="Text")
    with pytest.raises(PermissionDenied):
        letter_approve(letter=letter, by=interviewer, override_reason="test")
    with pytest.raises(PermissionDenied):
        letter_cancel(letter=letter, by=None)


def test_only_the_decider_or_the_hiring_manager_answers_a_request(hr_user):
    letter = make_letter()
    request = request_services.request_create(letter=letter, question="What was missing?")
    with pytest.raises(PermissionDenied):
        request_services.request_answer(request=request, by=InterviewerFactory(), answer="A clearer design.")
    with pytest.raises(PermissionDenied):
        request_services.request_answer(request=request, by=hr_user, answer="A clearer design.")
    manager = HiringManagerFactory()
    job = letter.application.job
    job.hiring_manager = manager
    job.save(update_fields=["hiring_manager"])
    answered = request_services.request_answer(request=request, by=manager, answer="A clearer design.")
    assert answered.answered_by == manager


def test_only_hr_approves_or_closes_a_request():
    letter = make_letter()
    request = request_services.request_create(letter=letter, question="What was missing?")
    decider = letter.decision.decided_by
    request_services.request_answer(request=request, by=decider, answer="A clearer design.")
    with pytest.raises(PermissionDenied):
        request_services.request_approve(request=request, by=decider)
    with pytest.raises(PermissionDenied):
        request_services.request_close(request=request, by=decider, reason="spam")


def test_only_hr_or_the_system_exports_and_erases(hr_user):
    candidate = make_letter().application.candidate
    with pytest.raises(PermissionDenied):
        candidate_export(candidate=candidate, by=InterviewerFactory())
    with pytest.raises(PermissionDenied):
        candidate_erase(candidate=candidate, by=InterviewerFactory())
    assert candidate_export(candidate=candidate, by=hr_user)["candidate"]["email"] == candidate.email
    assert candidate_erase(candidate=candidate, by=None).erased
