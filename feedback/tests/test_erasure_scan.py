"""Erasure reaches everything: after it, no stored text anywhere names the candidate.

A candidate goes through every path that writes about them: scorecards and a no-hire, a
letter HR edited and approved over the quality check with a reason quoting them, a bounce
whose SMTP refusal quotes their address (then a retry and the send), a question HR closed
with a reason, an answer approved over the check, a rating, a reminder, a reapplication with
answers and a panel override naming them, a still-open application with a draft scorecard,
a late-letter digest, HR's saved candidate searches in two sessions, and the admin's log.
Then HR erases them, and the test reads EVERY text and JSON column of EVERY installed model
(found by introspection, so a field added later is covered), the decoded sessions and the
admin log, for their name, email and phone. Nothing is found.

Issue 12: their name and email remained in letter override reasons, panel override reasons,
audit reasons (with the SMTP refusal text), HR's saved search and the admin log.
"""

import datetime as dt
import json
import re
import smtplib
from importlib import import_module

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.mail.backends.base import BaseEmailBackend
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from candidates.models import Candidate
from candidates.services import candidate_create
from core.models import AuditEvent
from feedback.digest import late_digest_send
from feedback.letters import services as letter_services
from feedback.models import FeedbackLetter, FeedbackRequest, ReapplyAnswer, ReapplyReminder
from feedback.portal import services as portal_services
from feedback.requests import services as request_services
from hiring.models import Application, Decision
from hiring.services.applications import application_open
from hiring.services.decisions import decision_record
from hiring.services.interviews import interview_assign
from hiring.services.scorecards import scorecard_save
from hiring.tests.factories import AdminFactory, ApplicationFactory, InterviewerFactory, job_with_pipeline
from outbox.services import Outcome, delivery_send

pytestmark = pytest.mark.django_db

NAME = "Rosa Rossi"
PREFERRED = "Rosie"
EMAIL = "rosa.rossi@example.com"
PHONE = "+44 20 7946 0321"
# What must not be found: the name (and its surname and preferred form), the email, the phone
# (also as bare digits, however it was punctuated).
NEEDLES = (NAME, "Rossi", PREFERRED, EMAIL, PHONE, "7946 0321")
PHONE_DIGITS = re.sub(r"\D", "", PHONE)
T0 = dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC)


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that refuses the recipient, quoting the address, as real servers do."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused(
            {EMAIL: (550, f"5.1.1 <{EMAIL}>: Recipient address rejected: User unknown".encode())}
        )


# The scan --------------------------------------------------------------------------------------


# Text and JSON columns (EmailField is a CharField), and binary ones: a raw copy of a message.
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.BinaryField)


def _text_columns():
    """(model, [fields]) for every installed model with a text or JSON column, by introspection."""
    for model in apps.get_models(include_auto_created=True):
        fields = [f for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        if fields:
            yield model, fields


def _as_text(model, field, value) -> str:
    if value is None:
        return ""
    if model._meta.label == "sessions.Session" and field.name == "session_data":
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        return json.dumps(store.decode(value), ensure_ascii=False, default=str)
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return json.dumps(value, ensure_ascii=False, default=str)


def _naming(text: str) -> list[str]:
    folded = text.casefold()
    hits = [needle for needle in NEEDLES if needle.casefold() in folded]
    if PHONE_DIGITS in re.sub(r"\D", "", text):
        hits.append("phone digits")
    return hits


def _everything_naming_her() -> dict[str, list[str]]:
    """{"app.Model.field": ["pk N: needles", ...]} for every stored text that names her."""
    found: dict[str, list[str]] = {}
    for model, fields in _text_columns():
        names = [f.attname for f in fields]
        for row in model._base_manager.values_list("pk", *names).iterator():
            for field, value in zip(fields, row[1:], strict=True):
                hits = _naming(_as_text(model, field, value))
                if hits:
                    found.setdefault(f"{model._meta.label}.{field.name}", []).append(f"pk {row[0]}: {hits}")
    return found


def test_scan_reads_every_text_column_of_every_model():
    """The scan is introspected: it covers the models this test never names (sessions, admin log...)."""
    scanned = {model._meta.label for model, _fields in _text_columns()}
    assert {
        "candidates.Candidate",
        "core.AuditEvent",
        "sessions.Session",
        "admin.LogEntry",
        "feedback.FeedbackLetter",
        "hiring.Interview",
    } <= scanned


# The journey -----------------------------------------------------------------------------------


def _ratings(stage, text):
    return [
        {"criterion": c, "score": 2, "evidence": f"{text} (evidence)", "shareable_note": f"{text} (note)"}
        for c in stage.criteria.all()
    ]


def _journey(settings, hr_user):
    """Everything that writes about her; returns her candidate row and the HR clients."""
    alice = InterviewerFactory(first_name="Alice", last_name="Ito")
    bob = InterviewerFactory(first_name="Bob", last_name="Novak")
    admin = AdminFactory()
    job = job_with_pipeline(title="Backend Engineer", team="Platform", reapply_cooldown_days=182)
    other_job = job_with_pipeline(title="Site Reliability Engineer", team="Platform")
    extra = {"preferred_name": PREFERRED} if hasattr(Candidate, "preferred_name") else {}

    with time_machine.travel(T0, tick=False):
        candidate = candidate_create(
            by=hr_user, name=NAME, email=EMAIL, phone=PHONE, time_zone="Europe/Rome", consent=True, **extra
        )
        first = application_open(candidate=candidate, job=job, by=hr_user)
        stage = first.current_stage
        interview = interview_assign(application=first, stage=stage, interviewer=alice, by=hr_user)
        scorecard_save(
            interview=interview,
            by=alice,
            ratings=_ratings(stage, f"{NAME} described a fixed window"),
            recommendation="no",
            summary=f"{NAME} ({PHONE}) was nervous.",
            submit=True,
        )
        decision = decision_record(
            application=first,
            stage=stage,
            outcome=Decision.Outcome.NO_HIRE,
            decided_by=alice,
            points=[
                {
                    "criterion": stage.criteria.first(),
                    "observation": f"{NAME} did not say how bursts at the window boundary are handled.",
                    "suggestion": "Compare a sliding window with a token bucket.",
                }
            ],
        )
        letter = FeedbackLetter.objects.get(decision=decision)
        # HR edits it, and approves it over the quality check with a reason quoting her.
        letter = letter_services.letter_edit(
            letter=letter,
            by=hr_user,
            subject=f"Your application, {NAME}",
            body=letter.body + f"\n\nHonestly, {NAME}, you were not the right fit for the team.",
        )
        letter = letter_services.letter_approve(
            letter=letter,
            by=hr_user,
            send_at=timezone.now() + dt.timedelta(minutes=5),
            override_reason=f"{NAME} ({EMAIL}) asked us for the blunt version.",
        )
        FeedbackLetter.objects.filter(pk=letter.pk).update(send_after=timezone.now())

        # The mail server refuses her address (quoting it): failed, retried by HR, then sent.
        settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
        assert delivery_send(kind="letter", pk=letter.pk) == Outcome.FAILED
        letter.refresh_from_db()
        assert EMAIL in letter.last_error
        letter_services.letter_retry(letter=letter, by=hr_user)
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert delivery_send(kind="letter", pk=letter.pk) == Outcome.SENT
        letter.refresh_from_db()

        # Her questions: one closed by HR with a reason naming her, one answered over the check.
        closed = request_services.request_create(
            letter=letter, question=f"This is {NAME}, call me on {PHONE} please."
        )
        request_services.request_close(request=closed, by=hr_user, reason=f"{NAME} phoned us instead.")
        asked = request_services.request_create(letter=letter, question="What would a strong design include?")
        asked = request_services.request_answer(
            request=asked,
            by=alice,
            answer=f"{PREFERRED}, honestly you were not the right culture fit, but compare a token bucket.",
        )
        asked = request_services.request_approve(
            request=asked, by=hr_user, override_reason=f"{NAME} asked for candour."
        )
        FeedbackRequest.objects.filter(pk=asked.pk).update(send_after=timezone.now())
        assert delivery_send(kind="answer", pk=asked.pk) == Outcome.SENT

        portal_services.rating_save(letter=letter, score=4, comment=f"Thanks! {NAME}, {EMAIL}")
        reminder = portal_services.reminder_opt_in(letter=letter)
        ReapplyReminder.objects.filter(pk=reminder.pk).update(send_after=timezone.now())
        assert delivery_send(kind="reminder", pk=reminder.pk) == Outcome.SENT

        # A letter of another application, late: the digests list her (kept as subjects only).
        late = ApplicationFactory(candidate=candidate, job=other_job, current_stage=other_job.stages.first())
        late_decision = decision_record(
            application=late,
            stage=late.current_stage,
            outcome=Decision.Outcome.NO_HIRE,
            decided_by=other_job.hiring_manager,
            points=[
                {
                    "criterion": late.current_stage.criteria.first(),
                    "observation": f"{NAME} skipped the incident review.",
                    "suggestion": "Walk through the timeline first.",
                }
            ],
        )
        FeedbackLetter.objects.filter(decision=late_decision).update(
            deadline=timezone.now() - dt.timedelta(days=3)
        )
        assert late_digest_send() >= 1

    with time_machine.travel(T0 + dt.timedelta(days=200), tick=False):
        # She reapplies, answering the old points; HR puts Alice on the panel anyway, naming her.
        again = ApplicationFactory(
            candidate=candidate,
            job=job,
            previous=first,
            source=Application.Source.REAPPLY,
            current_stage=job.stages.order_by("position").first(),
        )
        ReapplyAnswer.objects.create(
            application=again, point=decision.points.first(), text=f"{NAME} built a token bucket since."
        )
        interview_assign(
            application=again,
            stage=again.current_stage,
            interviewer=alice,
            by=hr_user,
            override_reason=f"{NAME} asked for Alice, who knows her work ({EMAIL}).",
        )
        # Still open when she is erased: Bob has a draft scorecard about her.
        bob_interview = interview_assign(
            application=again, stage=again.current_stage, interviewer=bob, by=hr_user
        )
        scorecard_save(
            interview=bob_interview, by=bob, ratings=_ratings(again.current_stage, f"{NAME} improved")
        )

    # HR's saved candidate searches, in the database sessions of two HR browsers.
    searches = []
    for query in (NAME, "ROSSI"):
        hr_client = Client()
        hr_client.force_login(hr_user)
        hr_client.post(reverse("candidates:candidate_list"), {"q": query})
        assert hr_client.session["candidates.search"] == query
        searches.append(hr_client)

    # The admin's own log, as an edit in the admin leaves it.
    LogEntry.objects.log_actions(
        user_id=admin.pk,
        queryset=[candidate],
        action_flag=CHANGE,
        change_message=json.dumps([{"changed": {"fields": ["Email", "Phone"]}}]) + f" {EMAIL} {PHONE}",
        single_object=True,
    )
    LogEntry.objects.log_actions(
        user_id=admin.pk,
        queryset=[first],
        action_flag=CHANGE,
        change_message="Changed status.",
        single_object=True,
    )
    return Candidate.objects.get(pk=candidate.pk), searches


def test_after_erasure_nothing_anywhere_names_the_candidate(settings, hr_user, client):
    candidate, searches = _journey(settings, hr_user)
    before = _everything_naming_her()
    # The journey really wrote about her everywhere the issue found copies.
    for where in (
        "candidates.Candidate.name",
        "candidates.Candidate.email",
        "candidates.Candidate.phone",
        "feedback.FeedbackLetter.override_reason",
        "feedback.FeedbackLetter.sent_text",
        "feedback.FeedbackRequest.question",
        "feedback.FeedbackRequest.override_reason",
        "feedback.ReapplyReminder.sent_text",
        "feedback.CandidateRating.comment",
        "feedback.ReapplyAnswer.text",
        "hiring.Interview.panel_override_reason",
        "hiring.Rating.evidence",
        "hiring.Scorecard.summary",
        "hiring.FeedbackPoint.observation",
        "core.AuditEvent.reason",
        "sessions.Session.session_data",
        "admin.LogEntry.object_repr",
        "admin.LogEntry.change_message",
    ):
        assert where in before, f"the journey left nothing naming her in {where}"
    audit_reasons = "\n".join(AuditEvent.objects.values_list("reason", flat=True))
    assert "Recipient address rejected" in audit_reasons  # the SMTP refusal, in letter.failed / retried

    client.force_login(hr_user)
    response = client.post(
        reverse("privacy:erase", args=[candidate.pk]), {"confirm": "on", "reason": "She asked by email."}
    )
    assert response.status_code == 302

    assert _everything_naming_her() == {}
    # The sessions still work: HR stays signed in, only the search that found her is gone.
    for hr_client in searches:
        assert "candidates.search" not in hr_client.session
        assert hr_client.get(reverse("candidates:candidate_list")).status_code == 200


def test_erasure_keeps_the_record_of_who_did_what(settings, hr_user):
    from feedback.privacy.services import candidate_erase

    candidate, _searches = _journey(settings, hr_user)
    verbs_before = list(
        AuditEvent.objects.order_by("id").values_list("verb", "actor_id", "target_type", "target_id")
    )
    candidate_erase(candidate=candidate, by=hr_user, reason=f"{NAME} asked by email")
    after = list(
        AuditEvent.objects.order_by("id").values_list("verb", "actor_id", "target_type", "target_id")
    )
    assert after[: len(verbs_before)] == verbs_before
    override = AuditEvent.objects.get(verb="interview.panel_override")
    assert override.reason == "(erased)"
    assert AuditEvent.objects.get(verb="letter.override").reason == "(erased)"
    assert AuditEvent.objects.filter(verb="letter.failed", reason="(erased)").exists()
    erased = AuditEvent.objects.get(verb="candidate.erased")
    assert erased.reason == "(erased)"  # HR's own reason named her
    assert erased.data["applications_withdrawn"] == 1
    assert LogEntry.objects.filter(object_repr="(erased)").count() == 2
    # Counts stay true.
    assert Application.objects.filter(candidate=candidate).count() == 3
