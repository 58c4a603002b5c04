"""The reapply cool-down holds on every path that opens an application: HR's form, the CSV
import, the candidate's reapply form (and, later, the API), because all go through
``application_open``. Refused with the date it ends; HR may open anyway with a recorded reason."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from candidates.models import Candidate
from candidates.tests.factories import CandidateFactory
from core.models import AuditEvent
from feedback.letters.progress import reapply_on
from feedback.tests.candidate_helpers import make_letter
from hiring.cooldowns import active_cooldown, cooldown_rule_date
from hiring.models import Application, Decision, Job
from hiring.services import imports as csv_import
from hiring.services.applications import AlreadyOpen, CooldownActive, application_open
from hiring.services.decisions import decision_record
from hiring.services.errors import HiringError
from hiring.tests.factories import (
    ApplicationFactory,
    DecisionFactory,
    InterviewerFactory,
    InterviewFactory,
    job_with_pipeline,
)

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
DECIDED = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)  # a Monday
ENDS = dt.date(2026, 8, 31)  # 2 March 2026 + 182 days
SENTENCE = "Rosa Rossi may apply again to Backend Engineer from 31 August 2026."
NEXT_DAY = DECIDED + dt.timedelta(days=1)


@pytest.fixture
def job():
    return job_with_pipeline(title="Backend Engineer", reapply_cooldown_days=182)


@pytest.fixture
def rosa():
    return CandidateFactory(name="Rosa Rossi", email="rosa@example.com", time_zone="Europe/London")


def _not_hired(candidate, job, decided_at=DECIDED) -> Decision:
    application = ApplicationFactory(
        candidate=candidate, job=job, status=Application.Status.REJECTED, closed_at=decided_at
    )
    return DecisionFactory(application=application, outcome=Decision.Outcome.NO_HIRE, decided_at=decided_at)


def _csv(*rows, header="name,email,phone,time_zone,job"):
    return "\n".join([header, *rows]) + "\n"


def _open_count(candidate, job) -> int:
    return Application.objects.filter(candidate=candidate, job=job, status=Application.Status.ACTIVE).count()


# The rule and the moment ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decided_at", "zone"),
    [
        (DECIDED, "Europe/London"),
        (dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC), "Europe/London"),  # 23:30 UTC, 00:30 BST next day
        (dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC), "America/New_York"),
        (dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC), "Asia/Tokyo"),
    ],
)
def test_hiring_and_the_letter_compute_the_same_reapply_date(settings, job, rosa, decided_at, zone):
    settings.TIME_ZONE = zone
    decision = _not_hired(rosa, job, decided_at=decided_at)
    assert cooldown_rule_date(decision=decision) == reapply_on(decision=decision)


@time_machine.travel(NEXT_DAY, tick=False)
def test_service_refuses_during_the_cooldown_and_names_the_date(hr_user, job, rosa):
    _not_hired(rosa, job)
    with pytest.raises(CooldownActive) as exc:
        application_open(candidate=rosa, job=job, by=hr_user)
    assert exc.value.ends_on == ENDS
    assert exc.value.message.startswith(SENTENCE)
    assert exc.value.field == "job"
    assert _open_count(rosa, job) == 0


def test_cooldown_ends_at_midnight_of_the_date_in_the_candidates_zone(hr_user, job, rosa):
    _not_hired(rosa, job)
    midnight_london = dt.datetime.combine(ENDS, dt.time(0), tzinfo=LONDON)
    with time_machine.travel(midnight_london - dt.timedelta(seconds=1), tick=False):
        with pytest.raises(CooldownActive):
            application_open(candidate=rosa, job=job, by=hr_user)
    with time_machine.travel(midnight_london, tick=False):
        application = application_open(candidate=rosa, job=job, by=hr_user)
    assert application.is_open
    assert not AuditEvent.objects.filter(verb="application.cooldown_override").exists()


def test_a_candidate_ahead_of_the_organisation_may_apply_at_their_own_midnight(hr_user, job):
    kiwi = CandidateFactory(name="Aroha Ngata", time_zone="Pacific/Auckland")
    _not_hired(kiwi, job)
    their_midnight = dt.datetime.combine(ENDS, dt.time(0), tzinfo=zoneinfo.ZoneInfo("Pacific/Auckland"))
    with time_machine.travel(their_midnight, tick=False):
        assert their_midnight.astimezone(LONDON).date() < ENDS  # still the day before in London
        assert active_cooldown(candidate=kiwi, job=job) is None


@time_machine.travel(NEXT_DAY, tick=False)
def test_other_jobs_are_not_affected(hr_user, job, rosa):
    _not_hired(rosa, job)
    other = job_with_pipeline(title="Data Engineer")
    assert application_open(candidate=rosa, job=other, by=hr_user).job == other


@time_machine.travel(NEXT_DAY, tick=False)
def test_the_latest_no_hire_sets_the_date(hr_user, job, rosa):
    _not_hired(rosa, job, decided_at=DECIDED - dt.timedelta(days=300))
    _not_hired(rosa, job)
    assert active_cooldown(candidate=rosa, job=job).ends_on == ENDS


# The date an approved letter promised ----------------------------------------------------------


def _approved_letter(candidate, job, *, reapply_on_day):
    letter = make_letter(decided_at=DECIDED, job=job, candidate=candidate)
    letter.approved_at = DECIDED + dt.timedelta(hours=2)
    letter.reapply_on = reapply_on_day
    letter.save(update_fields=["approved_at", "reapply_on"])
    return letter


def test_a_longer_cooldown_set_later_does_not_move_the_promised_date(hr_user, job, rosa):
    _approved_letter(rosa, job, reapply_on_day=ENDS)
    Job.objects.filter(pk=job.pk).update(reapply_cooldown_days=365)
    job.refresh_from_db()
    with time_machine.travel(dt.datetime(2026, 9, 1, 9, tzinfo=LONDON), tick=False):
        assert application_open(candidate=rosa, job=job, by=hr_user).is_open


def test_a_shorter_cooldown_set_later_does_not_shorten_the_promised_date(hr_user, job, rosa):
    _approved_letter(rosa, job, reapply_on_day=ENDS)
    Job.objects.filter(pk=job.pk).update(reapply_cooldown_days=30)
    job.refresh_from_db()
    with time_machine.travel(dt.datetime(2026, 5, 1, 9, tzinfo=LONDON), tick=False):
        with pytest.raises(CooldownActive) as exc:
            application_open(candidate=rosa, job=job, by=hr_user)
    assert exc.value.ends_on == ENDS


def test_a_letter_not_yet_approved_follows_the_current_cooldown(hr_user, job, rosa):
    make_letter(decided_at=DECIDED, job=job, candidate=rosa)  # not approved: no fixed date
    Job.objects.filter(pk=job.pk).update(reapply_cooldown_days=30)
    job.refresh_from_db()
    with time_machine.travel(dt.datetime(2026, 5, 1, 9, tzinfo=LONDON), tick=False):
        assert application_open(candidate=rosa, job=job, by=hr_user).is_open


# HR's form -----------------------------------------------------------------------------------


@time_machine.travel(NEXT_DAY, tick=False)
def test_hr_form_refuses_with_the_date_next_to_the_job(client, hr_user, job, rosa):
    _not_hired(rosa, job)
    client.force_login(hr_user)
    response = client.post(reverse("hiring:application_create", args=[rosa.pk]), {"job": job.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert SENTENCE in page
    assert "give a reason" in page
    assert _open_count(rosa, job) == 0


@time_machine.travel(NEXT_DAY, tick=False)
def test_hr_form_shows_running_cooldowns_before_a_job_is_chosen(client, hr_user, job, rosa):
    _not_hired(rosa, job)
    job_with_pipeline(title="Data Engineer")
    client.force_login(hr_user)
    page = client.get(reverse("hiring:application_create", args=[rosa.pk])).content.decode()
    assert SENTENCE in page
    assert "Data Engineer from" not in page


@time_machine.travel(NEXT_DAY, tick=False)
def test_hr_form_opens_with_a_reason_which_is_audited(client, hr_user, job, rosa):
    _not_hired(rosa, job)
    client.force_login(hr_user)
    response = client.post(
        reverse("hiring:application_create", args=[rosa.pk]),
        {"job": job.pk, "override_reason": "The hiring manager asked to see her again for the new team."},
    )
    assert response.status_code == 302
    application = Application.objects.get(candidate=rosa, job=job, status=Application.Status.ACTIVE)
    event = AuditEvent.objects.get(verb="application.cooldown_override")
    assert (event.actor, event.target_id) == (hr_user, application.pk)
    assert event.reason == "The hiring manager asked to see her again for the new team."
    assert event.data["cooldown_ends_on"] == "2026-08-31"


@time_machine.travel(NEXT_DAY, tick=False)
def test_an_over_long_reason_is_refused_next_to_it(hr_user, job, rosa):
    _not_hired(rosa, job)
    with pytest.raises(HiringError) as exc:
        application_open(candidate=rosa, job=job, by=hr_user, override_reason="x" * 2001)
    assert exc.value.field == "override_reason"
    assert _open_count(rosa, job) == 0


def test_a_duplicate_of_an_open_application_is_refused_on_the_form(client, hr_user, job, rosa):
    ApplicationFactory(candidate=rosa, job=job)
    client.force_login(hr_user)
    page = client.post(
        reverse("hiring:application_create", args=[rosa.pk]), {"job": job.pk, "override_reason": "Please"}
    ).content.decode()
    assert "already has an open application for this job" in page
    assert _open_count(rosa, job) == 1
    with pytest.raises(AlreadyOpen):
        application_open(candidate=rosa, job=job, by=hr_user)


@time_machine.travel(NEXT_DAY, tick=False)
def test_a_reapplying_candidate_cannot_override(job, rosa):
    decision = _not_hired(rosa, job)
    with pytest.raises(CooldownActive):
        application_open(
            candidate=rosa,
            job=job,
            by=None,
            source=Application.Source.REAPPLY,
            previous=decision.application,
            override_reason="I would like to",
        )


# The CSV import ------------------------------------------------------------------------------


@time_machine.travel(NEXT_DAY, tick=False)
def test_preview_lists_the_refused_rows_with_the_date_and_writes_nothing(client, hr_user, job, rosa):
    _not_hired(rosa, job)
    client.force_login(hr_user)
    text = _csv(f"Rosa Rossi,ROSA@example.com,,,{job.pk}", f"Ben Okafor,ben@example.com,,,{job.pk}")
    page = client.post(
        reverse("hiring:import_upload"), {"file": SimpleUploadedFile("people.csv", text.encode())}
    )
    body = page.content.decode()
    assert SENTENCE in body
    assert 'name="override_2"' in body and 'name="remove_2"' in body
    assert 'name="override_3"' not in body
    assert page.context["token"]
    assert _open_count(rosa, job) == 0 and not Candidate.objects.filter(email="ben@example.com").exists()


@time_machine.travel(NEXT_DAY, tick=False)
def test_confirm_without_a_decision_imports_nothing_and_keeps_the_preview(client, hr_user, job, rosa):
    _not_hired(rosa, job)
    client.force_login(hr_user)
    text = _csv(f"Rosa Rossi,rosa@example.com,,,{job.pk}", f"Ben Okafor,ben@example.com,,,{job.pk}")
    token = csv_import.sign(text, hr_user)
    response = client.post(reverse("hiring:import_confirm"), {"token": token, "override_2": "  "})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported" in body
    assert "Give a reason to open the application anyway, or leave the row out." in body
    assert response.context["token"] == token
    assert _open_count(rosa, job) == 0
    assert not Candidate.objects.filter(email="ben@example.com").exists()


@time_machine.travel(NEXT_DAY, tick=False)
def test_confirm_with_a_reason_opens_the_row_and_audits_it(client, hr_user, job, rosa):
    _not_hired(rosa, job)
    client.force_login(hr_user)
    text = _csv(f"Rosa Rossi,rosa@example.com,,,{job.pk}", f"Ben Okafor,ben@example.com,,,{job.pk}")
    response = client.post(
        reverse("hiring:import_confirm"),
        {"token": csv_import.sign(text, hr_user), "override_2": "Agreed with the hiring manager."},
    )
    assert response.status_code == 302
    assert _open_count(rosa, job) == 1
    assert Candidate.objects.get(email="ben@example.com").applications.get().job == job
    event = AuditEvent.objects.get(verb="application.cooldown_override")
    assert event.reason == "Agreed with the hiring manager."
    assert event.data == {"cooldown_ends_on": "2026-08-31", "source": "import"}


@time_machine.travel(NEXT_DAY, tick=False)
def test_confirm_with_the_row_left_out_imports_the_others(client, hr_user, job, rosa):
    _not_hired(rosa, job)
    client.force_login(hr_user)
    text = _csv(f"Rosa Rossi,rosa@example.com,,,{job.pk}", f"Ben Okafor,ben@example.com,,,{job.pk}")
    response = client.post(
        reverse("hiring:import_confirm"), {"token": csv_import.sign(text, hr_user), "remove_2": "1"}
    )
    assert response.status_code == 302
    assert _open_count(rosa, job) == 0
    assert Candidate.objects.get(email="ben@example.com").applications.count() == 1
    follow = client.get(response["Location"]).content.decode()
    assert "1 row(s) left out" in follow


def test_reimporting_the_same_csv_after_a_no_hire_opens_nothing_the_next_day(hr_user, job):
    text = _csv(f"Rosa Rossi,rosa@example.com,,,{job.pk}")
    with time_machine.travel(DECIDED - dt.timedelta(days=20), tick=False):
        csv_import.applications_import(text=text, by=hr_user)
    application = Application.objects.get()
    interviewer = InterviewerFactory()
    InterviewFactory(application=application, interviewer=interviewer)
    with time_machine.travel(DECIDED, tick=False):
        decision_record(
            application=application,
            stage=application.current_stage,
            outcome=Decision.Outcome.NO_HIRE,
            decided_by=interviewer,
            points=[
                {
                    "criterion": application.current_stage.criteria.first(),
                    "observation": "Did not say how bursts at the window boundary are handled.",
                    "suggestion": "Compare a sliding window with a token bucket.",
                }
            ],
        )
    with time_machine.travel(NEXT_DAY, tick=False):
        plan = csv_import.plan_import(text)
        assert [row.cooldown.sentence for row in plan.cooldown_rows] == [SENTENCE]
        assert plan.new_applications == 0
        with pytest.raises(csv_import.ImportRefused) as exc:
            csv_import.applications_import(text=text, by=hr_user)
        assert [row.line for row in exc.value.plan.undecided] == [2]
    assert Application.objects.filter(status=Application.Status.ACTIVE).count() == 0
    assert Application.objects.count() == 1


@time_machine.travel(NEXT_DAY, tick=False)
def test_a_reason_for_a_row_without_a_cooldown_changes_nothing(hr_user, job):
    text = _csv(f"Ben Okafor,ben@example.com,,,{job.pk}")
    csv_import.applications_import(text=text, by=hr_user, overrides={2: "not needed"})
    assert not AuditEvent.objects.filter(verb="application.cooldown_override").exists()


def test_import_takes_preferred_name_and_language(hr_user, job):
    text = _csv(
        f"Rosa Maria Rossi,rosa@example.com,,Europe/Rome,Rosa,IT,{job.pk}",
        f"Ben Okafor,ben@example.com,,,,,{job.pk}",
        header="name,email,phone,time zone,preferred name,language,job",
    )
    csv_import.applications_import(text=text, by=hr_user)
    rosa = Candidate.objects.get(email="rosa@example.com")
    assert (rosa.preferred_name, rosa.language, rosa.time_zone) == ("Rosa", "it", "Europe/Rome")
    assert Candidate.objects.get(email="ben@example.com").language == "en-gb"


def test_import_refuses_unknown_languages_and_look_alike_emails_by_line(job):
    text = _csv(
        f"Rosa,rosa@example.com,xx-nope,{job.pk}",
        f"Ben,ben@exаmple.com,,{job.pk}",  # Cyrillic а
        f"Cara,cara@example.com,,{job.pk}",
        f"Cara again,ＣＡＲＡ@example.com,,{job.pk}",
        header="name,email,language,job",
    )
    plan = csv_import.plan_import(text)
    by_line = {line: message for line, message in plan.errors}
    assert "not a language we offer" in by_line[2]
    assert "different alphabets" in by_line[3]
    assert "appears twice in the file (also on line 4)" in by_line[5]
