"""Export and erasure of a candidate, by HR and by the retention job."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import Candidate
from core.models import AuditEvent
from feedback.models import (
    CandidateRating,
    DeliveryStatus,
    FeedbackLetter,
    FeedbackRequest,
    ReapplyAnswer,
    ReapplyReminder,
)
from feedback.portal import services
from feedback.privacy.services import candidate_erase, candidate_export, candidates_erase_expired
from feedback.requests import services as request_services
from feedback.tests.candidate_helpers import make_letter
from hiring.models import Application, FeedbackPoint, Rating
from hiring.tests.factories import ApplicationFactory, CriterionFactory, RatingFactory, ScorecardFactory

pytestmark = pytest.mark.django_db


def _full_history():
    """A candidate with a sent letter, a reminder, an answered request, a rating, a reapplication
    with answers, a scorecard, and a second letter still in review."""
    letter = make_letter(decided_at=timezone.now() - dt.timedelta(days=200))
    candidate = letter.application.candidate
    candidate.phone = "+44 20 7946 0000"
    candidate.save()
    reminder = ReapplyReminder.objects.create(
        application=letter.application,
        candidate=candidate,
        opted_in_at=timezone.now(),
        send_after=timezone.now() + dt.timedelta(days=1),
        message_id="<reminder.x@candor.example>",
    )
    request = request_services.request_create(letter=letter, question="Which part of my design was weak?")
    request_services.request_answer(
        request=request, by=letter.decision.decided_by, answer="The burst handling."
    )
    services.rating_save(letter=letter, score=4, comment="Helpful, thank you Dana")
    scorecard = ScorecardFactory(interview__application=letter.application)
    RatingFactory(
        scorecard=scorecard,
        criterion=CriterionFactory(stage=letter.decision.stage),
        evidence="Sam said the window resets",
        shareable_note="Sam should read about token buckets",
    )
    new = ApplicationFactory(
        candidate=candidate,
        job=letter.application.job,
        previous=letter.application,
        source=Application.Source.REAPPLY,
    )
    ReapplyAnswer.objects.create(
        application=new, point=letter.decision.points.first(), text="I built a limiter"
    )
    pending = make_letter(status=FeedbackLetter.Status.IN_REVIEW, candidate=candidate, text="Dear Sam, draft")
    return candidate, letter, reminder, request, pending


def test_export_holds_everything_and_is_json():
    candidate, letter, reminder, request, pending = _full_history()
    data = candidate_export(candidate=candidate)
    text = json.dumps(data)
    assert data["candidate"]["email"] == candidate.email
    assert data["candidate"]["phone"] == "+44 20 7946 0000"
    assert len(data["applications"]) == 3
    for expected in (
        "Which part of my design was weak?",
        "Helpful, thank you Dana",
        "I built a limiter",
        "Sam said the window resets",
        letter.decision.points.first().observation,
        "Thank you for interviewing with us.",
    ):
        assert expected in text
    # The decider's answer is theirs until HR approves it.
    assert "The burst handling." not in text


def test_hr_downloads_export_as_json_and_it_is_audited(client, hr_user):
    candidate, *_ = _full_history()
    client.force_login(hr_user)
    response = client.get(reverse("privacy:export", args=[candidate.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert f'filename="candidate-{candidate.pk}.json"' in response["Content-Disposition"]
    assert json.loads(response.content)["candidate"]["email"] == candidate.email
    assert AuditEvent.objects.filter(
        verb="candidate.exported", target_id=candidate.pk, actor=hr_user
    ).exists()


def test_erase_anonymises_everywhere_and_cancels_pending(hr_user):
    candidate, letter, reminder, request, pending = _full_history()
    email, name = candidate.email, candidate.name
    candidate_erase(candidate=candidate, by=hr_user)

    candidate.refresh_from_db()
    assert candidate.erased and candidate.unsubscribed
    assert (candidate.name, candidate.phone, candidate.time_zone) == ("Erased candidate", "", "")
    assert candidate.email.endswith("@erased.invalid")
    letter.refresh_from_db()
    pending.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.SENT  # history keeps its status
    assert pending.status == FeedbackLetter.Status.CANCELLED
    for row in (letter, pending):
        assert (row.body, row.sent_text, row.sent_html, row.sent_subject) == ("", "", "", "")
        assert row.subject == "(erased)"
    reminder.refresh_from_db()
    assert reminder.status == DeliveryStatus.CANCELLED
    request.refresh_from_db()
    assert (request.question, request.answer, request.status) == ("", "", FeedbackRequest.Status.CANCELLED)
    rating = CandidateRating.objects.get()
    assert (rating.score, rating.comment) == (4, "")
    assert ReapplyAnswer.objects.get().text == ""
    assert set(FeedbackPoint.objects.values_list("observation", flat=True)) == {"(erased)"}
    assert set(Rating.objects.values_list("evidence", "shareable_note")) == {("", "")}
    # Counts stay.
    assert Application.objects.filter(candidate=candidate).count() == 3
    # Nothing personal remains anywhere we store text.
    dump = json.dumps(candidate_export(candidate=candidate))
    for secret in (email, name, "Sam", "weak?", "Dana", "limiter", "+44"):
        assert secret not in dump
    event = AuditEvent.objects.get(verb="candidate.erased")
    assert event.actor == hr_user
    assert email not in json.dumps(event.data) and name not in json.dumps(event.data)
    assert event.data["letters_cancelled"] == 1


def test_erase_is_idempotent(hr_user):
    candidate, *_ = _full_history()
    candidate_erase(candidate=candidate, by=hr_user)
    candidate_erase(candidate=candidate, by=hr_user)
    assert Candidate.objects.get(pk=candidate.pk).erased


def test_erase_page_confirms_on_get_and_erases_on_post(client, hr_user):
    candidate, *_ = _full_history()
    client.force_login(hr_user)
    url = reverse("privacy:erase", args=[candidate.pk])
    assert "cannot be undone" in client.get(url).content.decode()
    assert not Candidate.objects.get(pk=candidate.pk).erased
    response = client.post(url, {"reason": "asked by email"})
    assert response.status_code == 400  # the confirmation box was not ticked
    assert not Candidate.objects.get(pk=candidate.pk).erased
    response = client.post(url, {"confirm": "on", "reason": "asked by email"})
    assert response.status_code == 302
    assert Candidate.objects.get(pk=candidate.pk).erased
    assert AuditEvent.objects.get(verb="candidate.erased").reason == "asked by email"


def test_privacy_search_is_a_post_and_finds_by_email(client, hr_user):
    candidate, *_ = _full_history()
    client.force_login(hr_user)
    response = client.post(reverse("privacy:home"), {"q": candidate.email.upper()})
    body = response.content.decode()
    assert reverse("privacy:export", args=[candidate.pk]) in body
    assert reverse("privacy:erase", args=[candidate.pk]) in body


# Retention ----------------------------------------------------------------------------


def _inactive_since(days, **kwargs):
    letter = make_letter(**kwargs)
    Candidate.objects.filter(pk=letter.application.candidate_id).update(
        last_activity_at=timezone.now() - dt.timedelta(days=days)
    )
    return letter


def test_retention_erases_only_candidates_past_the_period(settings):
    settings.CANDOR_RETENTION_DAYS = 730
    old = _inactive_since(731)
    recent = _inactive_since(700)
    assert candidates_erase_expired() == 1
    assert Candidate.objects.get(pk=old.application.candidate_id).erased
    assert not Candidate.objects.get(pk=recent.application.candidate_id).erased
    assert candidates_erase_expired() == 0
    assert AuditEvent.objects.get(verb="candidate.erased").actor is None


def test_retention_waits_for_a_pending_reminder_until_it_is_sent(settings):
    settings.CANDOR_RETENTION_DAYS = 30
    letter = _inactive_since(31, cooldown_days=3650)
    reminder = ReapplyReminder.objects.create(
        application=letter.application,
        candidate=letter.application.candidate,
        opted_in_at=timezone.now(),
        send_after=timezone.now() + dt.timedelta(days=3000),
    )
    assert candidates_erase_expired() == 0
    ReapplyReminder.objects.filter(pk=reminder.pk).update(status=DeliveryStatus.SENT)
    assert candidates_erase_expired() == 1


def test_retention_keeps_candidates_with_an_open_application(settings):
    settings.CANDOR_RETENTION_DAYS = 30
    letter = _inactive_since(31)
    ApplicationFactory(candidate=letter.application.candidate)
    assert candidates_erase_expired() == 0


def test_retention_counts_from_the_candidates_last_action(settings):
    settings.CANDOR_RETENTION_DAYS = 30
    letter = _inactive_since(31)
    services.rating_save(letter=letter, score=5)
    assert candidates_erase_expired() == 0
    later = timezone.now() + dt.timedelta(days=31)
    assert candidates_erase_expired(now=later) == 1


# What erasure reaches beyond the candidate's own rows (the whole scan: test_erasure_scan.py) -----


def _hr_session_searching(hr_user, query):
    from django.test import Client

    browser = Client()
    browser.force_login(hr_user)
    browser.post(reverse("candidates:candidate_list"), {"q": query})
    return browser


def test_erasure_drops_saved_searches_that_find_the_candidate_and_keeps_the_others(hr_user):
    candidate, *_ = _full_history()
    surname = candidate.name.split()[-1]
    finds_them = [
        _hr_session_searching(hr_user, q) for q in (candidate.name, surname.upper(), candidate.email)
    ]
    other = _hr_session_searching(hr_user, "Someone Else Entirely")
    candidate_erase(candidate=candidate, by=hr_user)
    for browser in finds_them:
        assert "candidates.search" not in browser.session
        assert "_auth_user_id" in browser.session  # still signed in
    assert other.session["candidates.search"] == "Someone Else Entirely"


def test_erasure_scrubs_only_the_audit_rows_and_admin_log_about_the_candidate(hr_user):
    from django.contrib.admin.models import CHANGE, LogEntry

    from hiring.tests.factories import AdminFactory

    candidate, letter, *_ = _full_history()
    other = make_letter()
    admin = AdminFactory()
    for target in (candidate, other.application.candidate):
        LogEntry.objects.log_actions(
            user_id=admin.pk,
            queryset=[target],
            action_flag=CHANGE,
            change_message="Changed.",
            single_object=True,
        )
    AuditEvent.objects.create(
        verb="letter.failed",
        target_type="feedback.feedbackletter",
        target_id=letter.pk,
        reason=candidate.email,
    )
    AuditEvent.objects.create(
        verb="letter.failed",
        target_type="feedback.feedbackletter",
        target_id=other.pk,
        reason=f"550 <{other.application.candidate.email}>",
    )
    candidate_erase(candidate=candidate, by=hr_user)
    assert set(LogEntry.objects.values_list("object_repr", flat=True)) == {
        "(erased)",
        other.application.candidate.name,
    }
    reasons = dict(AuditEvent.objects.filter(verb="letter.failed").values_list("target_id", "reason"))
    assert reasons == {letter.pk: "(erased)", other.pk: f"550 <{other.application.candidate.email}>"}


def test_erasure_withdraws_open_applications_and_counts_them(hr_user):
    candidate, *_ = _full_history()
    open_before = Application.objects.filter(candidate=candidate, status=Application.Status.ACTIVE).count()
    assert open_before == 1  # the reapplication
    candidate_erase(candidate=candidate, by=hr_user)
    assert not Application.objects.filter(candidate=candidate, status=Application.Status.ACTIVE).exists()
    assert AuditEvent.objects.get(verb="candidate.erased").data["applications_withdrawn"] == 1


def test_erasure_empties_every_copy_of_a_sent_message_the_outbox_keeps(hr_user):
    from feedback.privacy.services import _SENT_FIELDS
    from outbox.models import Deliverable

    copies = {f.name for f in Deliverable._meta.get_fields() if f.name.startswith("sent_")} - {"sent_at"}
    assert copies <= set(_SENT_FIELDS) and "last_error" in _SENT_FIELDS
    assert "message_id" not in _SENT_FIELDS
