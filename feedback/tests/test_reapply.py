"""Reapplying from the link: before the date, after it, twice, to a closed job."""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.db import connection
from django.utils import timezone

from candidates.tests.factories import CandidateFactory
from core.models import AuditEvent
from feedback.models import DeliveryStatus, FeedbackLetter, ReapplyAnswer, ReapplyReminder
from feedback.portal import services
from feedback.portal.services import ReapplyStateError
from feedback.tests.candidate_helpers import make_letter, url
from hiring.models import Application, Job
from hiring.tests.factories import ApplicationFactory, job_with_pipeline

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - dt.timedelta(days=200)


def _form(letter, **overrides):
    candidate = letter.application.candidate
    data = {"name": candidate.name, "email": candidate.email, "time_zone": "Europe/Paris"}
    for point in letter.decision.points.all():
        data[f"point_{point.pk}"] = f"Practised {point.criterion.name} with mock interviews."
    data.update(overrides)
    return data


def test_before_the_reapply_date_the_form_explains_when_it_opens(client):
    letter = make_letter(cooldown_days=182)
    response = client.get(url("reapply", letter, "reapply"), follow=True)
    assert response.status_code == 200
    day = (letter.decision.decided_at + dt.timedelta(days=182)).strftime("%B %Y")
    assert "You can reapply from" in response.content.decode()
    assert day in response.content.decode()
    response = client.post(url("reapply", letter, "reapply"), _form(letter))
    assert not Application.objects.filter(previous=letter.application).exists()


def test_form_shows_earlier_points_and_prefills_details(client):
    letter = make_letter(decided_at=LONG_AGO)
    body = client.get(url("reapply", letter, "reapply"), follow=True).content.decode()
    point = letter.decision.points.first()
    assert point.observation[:40] in body
    assert point.suggestion[:40] in body
    assert letter.application.candidate.email in body
    assert "what have you worked on since?" in body


def test_submitting_creates_a_linked_application_at_the_first_stage(client):
    letter = make_letter(decided_at=LONG_AGO)
    ReapplyReminder.objects.create(
        application=letter.application,
        candidate=letter.application.candidate,
        opted_in_at=LONG_AGO,
        send_after=timezone.now() + dt.timedelta(days=1),
    )
    response = client.post(url("reapply", letter, "reapply"), _form(letter, name="New Name"))
    assert response.status_code == 302
    new = Application.objects.get(previous=letter.application)
    assert new.source == Application.Source.REAPPLY
    assert new.job == letter.application.job
    assert new.current_stage == letter.application.job.stages.order_by("position").first()
    assert new.status == Application.Status.ACTIVE
    assert new.candidate == letter.application.candidate
    new.candidate.refresh_from_db()
    assert (new.candidate.name, new.candidate.time_zone) == ("New Name", "Europe/Paris")
    answers = list(ReapplyAnswer.objects.filter(application=new).select_related("point"))
    assert len(answers) == 2
    assert {a.point for a in answers} == set(letter.decision.points.all())
    assert ReapplyReminder.objects.get().status == DeliveryStatus.CANCELLED
    assert AuditEvent.objects.filter(verb="application.reapplied", target_id=new.pk).exists()
    follow = client.get(response["Location"], follow=True).content.decode()
    assert "we have your application" in follow.lower()


def test_blank_point_answers_are_not_stored(client):
    letter = make_letter(decided_at=LONG_AGO)
    points = list(letter.decision.points.all())
    client.post(url("reapply", letter, "reapply"), _form(letter, **{f"point_{points[0].pk}": "  "}))
    assert ReapplyAnswer.objects.count() == 1


def test_a_link_used_twice_makes_one_application(client):
    letter = make_letter(decided_at=LONG_AGO)
    client.post(url("reapply", letter, "reapply"), _form(letter))
    response = client.post(url("reapply", letter, "reapply"), _form(letter))
    assert response.status_code == 200
    assert "We already have your application" in response.content.decode()
    assert Application.objects.filter(previous=letter.application).count() == 1
    again = services.reapply_submit(
        letter=letter, name="X", email=letter.application.candidate.email, time_zone="", answers={}
    )
    assert again == Application.objects.get(previous=letter.application)
    assert Application.objects.filter(previous=letter.application).count() == 1


def test_service_refuses_before_the_date():
    letter = make_letter()
    with pytest.raises(ReapplyStateError):
        services.reapply_submit(
            letter=letter, name="A", email=letter.application.candidate.email, time_zone="", answers={}
        )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter a valid email address."),
        ("name", "", "This field is required."),
        ("time_zone", "Mars/Olympus", "is not a time zone we know"),
    ],
)
def test_bad_details_are_refused_next_to_the_field(client, field, value, message):
    letter = make_letter(decided_at=LONG_AGO)
    response = client.post(url("reapply", letter, "reapply"), _form(letter, **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Application.objects.filter(previous=letter.application).exists()


def _answer(client, letter, email):
    """What the candidate is told after submitting ``email``: the redirects, the messages, the
    page and its wording (the letter's own link and role aside)."""
    response = client.post(url("reapply", letter, "reapply"), _form(letter, email=email), follow=True)
    body = response.content.decode()
    assert "belongs" not in body and "another profile" not in body
    return (
        [status for _, status in response.redirect_chain],
        response.status_code,
        [str(message) for message in response.context["messages"]],
        response.templates[0].name,
        response.context["already"],
    )


@pytest.mark.parametrize("taken", ["taken@example.com", "TAKEN@example.com", "ｔａｋｅｎ@example.com"])
def test_email_of_another_candidate_gets_the_same_answer_as_any_new_email(client, taken):
    """Issue 12: the form said "This email belongs to another profile", telling anyone with a
    link whether an address is a candidate's. Now an address of another candidate is not
    taken (the address on file stays), and the answer is the one a free address gets."""
    other = CandidateFactory(name="Other Person", email="taken@example.com")
    taken_letter = make_letter(decided_at=LONG_AGO)
    free_letter = make_letter(decided_at=LONG_AGO)
    own_email = taken_letter.application.candidate.email

    answer_taken = _answer(client, taken_letter, taken)
    answer_free = _answer(client, free_letter, "brand-new@example.com")

    assert answer_taken == answer_free
    assert answer_taken[:2] == ([302], 200)
    assert Application.objects.filter(previous=taken_letter.application).exists()
    taken_letter.application.candidate.refresh_from_db()
    assert taken_letter.application.candidate.email == own_email
    other.refresh_from_db()
    assert other.email == "taken@example.com"
    assert list(other.applications.all()) == []
    free_letter.application.candidate.refresh_from_db()
    assert free_letter.application.candidate.email == "brand-new@example.com"
    held = AuditEvent.objects.get(verb="candidate.email_change_held")
    assert held.target_id == taken_letter.application.candidate.pk
    assert "taken" not in str(held.data) and "example.com" not in str(held.data)


def test_the_candidates_own_address_in_another_form_is_still_theirs(client):
    letter = make_letter(decided_at=LONG_AGO, candidate=CandidateFactory(email="rosa@example.com"))
    response = client.post(url("reapply", letter, "reapply"), _form(letter, email="ＲＯＳＡ@Example.com"))
    assert response.status_code == 302
    letter.application.candidate.refresh_from_db()
    assert letter.application.candidate.email == "rosa@example.com"
    assert not AuditEvent.objects.filter(verb="candidate.email_change_held").exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("rosa@exаmple.com", "mixes letters from different alphabets"),  # Cyrillic а
        ("ro\u200bsa@example.com", "invisible or unusual character"),
        ("rоsa@example.com", "Enter a valid email address."),  # Cyrillic о in the local part
    ],
)
def test_a_look_alike_address_gets_a_friendly_field_error_never_a_constraint_name(client, email, message):
    CandidateFactory(email="rosa@example.com")
    letter = make_letter(decided_at=LONG_AGO)
    response = client.post(url("reapply", letter, "reapply"), _form(letter, email=email))
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    assert "onstraint" not in body and "candidate_email" not in body and "unique" not in body.lower()
    assert not Application.objects.filter(previous=letter.application).exists()


def test_reapplying_goes_through_the_one_door_that_opens_applications(client):
    letter = make_letter(decided_at=LONG_AGO)
    client.post(url("reapply", letter, "reapply"), _form(letter))
    new = Application.objects.get(previous=letter.application)
    assert AuditEvent.objects.filter(verb="application.open", target_id=new.pk).exists()
    update = AuditEvent.objects.get(verb="candidate.update")
    assert update.data == {"fields": ["time_zone"], "source": "candidate"}


def test_reapplying_while_an_application_for_the_role_is_open_says_so(client):
    letter = make_letter(decided_at=LONG_AGO)
    ApplicationFactory(candidate=letter.application.candidate, job=letter.application.job)
    response = client.post(url("reapply", letter, "reapply"), _form(letter))
    assert response.status_code == 400
    assert "We already have an open application from you" in response.content.decode()
    assert not Application.objects.filter(previous=letter.application).exists()


def test_a_new_time_zone_on_the_form_moves_the_candidates_other_reminders(client, settings):
    settings.CANDOR_SEND_HOUR = 9
    candidate = CandidateFactory(time_zone="Europe/London")
    open_letter = make_letter(decided_at=LONG_AGO, candidate=candidate)
    later_letter = make_letter(candidate=candidate)  # decided now: its reminder is months away
    reminder = services.reminder_opt_in(letter=later_letter)
    day = reminder.send_after.astimezone(zoneinfo.ZoneInfo("Europe/London")).date()
    client.post(url("reapply", open_letter, "reapply"), _form(open_letter, time_zone="America/Los_Angeles"))
    reminder.refresh_from_db()
    la = zoneinfo.ZoneInfo("America/Los_Angeles")
    assert reminder.send_after == dt.datetime.combine(day, dt.time(9), tzinfo=la)


def test_closed_job_offers_the_teams_open_jobs(client):
    letter = make_letter(decided_at=LONG_AGO)
    Job.objects.filter(pk=letter.application.job_id).update(status=Job.Status.CLOSED)
    team_job_a = job_with_pipeline(team=letter.application.job.team, title="Site Reliability Engineer")
    job_with_pipeline(team=letter.application.job.team, title="Data Engineer")
    job_with_pipeline(team="Other team", title="Designer")
    body = client.get(url("reapply", letter, "reapply"), follow=True).content.decode()
    assert "Site Reliability Engineer" in body and "Data Engineer" in body
    assert "Designer" not in body
    response = client.post(url("reapply", letter, "reapply"), _form(letter, job=str(team_job_a.pk)))
    assert response.status_code == 302
    assert Application.objects.get(previous=letter.application).job == team_job_a


def test_closed_job_and_no_team_roles_points_to_the_careers_page(client, settings):
    settings.CANDOR_CAREERS_URL = "https://careers.example.com/"
    letter = make_letter(decided_at=LONG_AGO)
    Job.objects.filter(pk=letter.application.job_id).update(status=Job.Status.CLOSED)
    body = client.get(url("reapply", letter, "reapply"), follow=True).content.decode()
    assert "No open roles right now" in body
    assert "https://careers.example.com/" in body


def test_page_links_to_the_form_once_reapplying_is_open(client):
    letter = make_letter(decided_at=LONG_AGO)
    body = client.get(url("letter", letter), follow=True).content.decode()
    assert "You can reapply now" in body
    assert "/c/reapply/" in body


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_of_one_link_make_one_application():
    """The database's one-reapplication-per-application constraint settles the race."""
    letter = make_letter(decided_at=LONG_AGO)
    email = letter.application.candidate.email
    barrier = threading.Barrier(2)
    results, errors = [], []

    def submit():
        try:
            mine = FeedbackLetter.objects.select_related(
                "application__candidate", "application__job", "decision"
            ).get(pk=letter.pk)
            barrier.wait(timeout=10)
            results.append(
                services.reapply_submit(
                    letter=mine, name="Same Person", email=email, time_zone="", answers={}
                )
            )
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(results) == 2
    assert results[0].pk == results[1].pk
    assert Application.objects.filter(previous=letter.application).count() == 1
