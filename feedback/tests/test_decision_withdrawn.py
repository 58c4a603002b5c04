"""A decision recorded by mistake is withdrawn by HR before its letter is approved (issue #17).

hiring never imports feedback: the withdrawal runs hiring's decision-withdrawn handlers, and
feedback's (registered in FeedbackConfig.ready()) cancels the draft letter or refuses.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from feedback.letters.services import letter_edit
from feedback.models import FeedbackLetter
from hiring import hooks
from hiring.cooldowns import active_cooldowns
from hiring.models import Application, Decision
from hiring.services.decision_changes import decision_withdraw
from hiring.services.decisions import decision_record
from hiring.services.errors import HiringError
from hiring.tests.factories import ApplicationFactory, InterviewFactory, job_with_pipeline

pytestmark = pytest.mark.django_db


def _point(application):
    return {
        "criterion": application.current_stage.criteria.first().pk,
        "observation": "You used a fixed window and did not say how bursts at the boundary are handled.",
        "suggestion": "Compare a sliding window with a token bucket and choose one.",
    }


@pytest.fixture
def no_hire(interviewer):
    application = ApplicationFactory(job=job_with_pipeline())
    InterviewFactory(application=application, interviewer=interviewer)
    return decision_record(
        application=application,
        stage=application.current_stage,
        outcome=Decision.Outcome.NO_HIRE,
        decided_by=interviewer,
        points=[_point(application)],
    )


def test_feedback_registers_its_handler():
    from feedback.letters.services import letter_cancel_on_decision_withdrawn

    assert letter_cancel_on_decision_withdrawn in hooks.decision_withdrawn_handlers()


def test_withdrawing_a_no_hire_cancels_the_draft_and_reopens_the_application(no_hire, hr_user):
    letter = FeedbackLetter.objects.get(decision=no_hire)
    decision_withdraw(decision=no_hire, by=hr_user, reason="Recorded on the wrong candidate.")
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.CANCELLED
    application = Application.objects.get(pk=no_hire.application_id)
    assert application.is_open and application.closed_at is None
    assert application.current_stage_id == no_hire.stage_id
    assert not Decision.objects.filter(pk=no_hire.pk).exists()
    withdrawn = Decision.all_objects.get(pk=no_hire.pk)
    assert withdrawn.withdrawn_by == hr_user and withdrawn.withdrawn_at is not None
    event = AuditEvent.objects.get(verb="decision.withdraw")
    assert event.reason == "Recorded on the wrong candidate." and event.data["outcome"] == "no_hire"
    assert AuditEvent.objects.filter(verb="letter.cancelled", target_id=letter.pk).exists()
    # No cool-down from a withdrawn no-hire.
    assert not active_cooldowns([(application.candidate, application.job)])


def test_the_stage_can_be_decided_again_after_a_withdrawal(no_hire, hr_user, interviewer):
    decision_withdraw(decision=no_hire, by=hr_user, reason="Mistake.")
    application = Application.objects.select_related("current_stage").get(pk=no_hire.application_id)
    again = decision_record(
        application=application,
        stage=application.current_stage,
        outcome=Decision.Outcome.ADVANCE,
        decided_by=interviewer,
        points=[],
    )
    assert again.pk != no_hire.pk


def test_a_letter_in_review_is_cancelled_too(no_hire, hr_user):
    letter = FeedbackLetter.objects.get(decision=no_hire)
    letter_edit(letter=letter, by=hr_user, subject=letter.subject, body=letter.body + "\n")
    decision_withdraw(decision=no_hire, by=hr_user, reason="Mistake.")
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.CANCELLED


@pytest.mark.parametrize("status", ["scheduled", "sent", "failed"])
def test_an_approved_letter_keeps_the_decision(no_hire, hr_user, status):
    FeedbackLetter.objects.filter(decision=no_hire).update(status=status, send_after=timezone.now())
    with pytest.raises(HiringError, match="only before its letter is approved"):
        decision_withdraw(decision=no_hire, by=hr_user, reason="Mistake.")
    assert Decision.objects.filter(pk=no_hire.pk).exists()
    assert Application.objects.get(pk=no_hire.application_id).status == Application.Status.REJECTED
    assert not AuditEvent.objects.filter(verb="decision.withdraw").exists()


def test_only_hr_withdraws_and_a_reason_is_required(no_hire, hr_user, interviewer):
    with pytest.raises(HiringError, match="Only HR"):
        decision_withdraw(decision=no_hire, by=interviewer, reason="Mistake.")
    with pytest.raises(HiringError) as refused:
        decision_withdraw(decision=no_hire, by=hr_user, reason="   ")
    assert refused.value.field == "reason"


def test_only_the_latest_decision_is_withdrawn(hr_user, interviewer):
    application = ApplicationFactory(job=job_with_pipeline())
    InterviewFactory(application=application, interviewer=interviewer)
    first = decision_record(
        application=application,
        stage=application.current_stage,
        outcome=Decision.Outcome.ADVANCE,
        decided_by=interviewer,
        points=[],
    )
    application.refresh_from_db()
    InterviewFactory(application=application, interviewer=interviewer, stage=application.current_stage)
    decision_record(
        application=application,
        stage=application.current_stage,
        outcome=Decision.Outcome.ADVANCE,
        decided_by=interviewer,
        points=[],
    )
    with pytest.raises(HiringError, match="latest"):
        decision_withdraw(decision=first, by=hr_user, reason="Mistake.")


def test_the_withdraw_page_is_a_post_with_a_reason(client, no_hire, hr_user):
    client.force_login(hr_user)
    page = client.get(reverse("hiring:application_detail", args=[no_hire.application_id])).content.decode()
    url = reverse("hiring:decision_withdraw", args=[no_hire.pk])
    assert url in page
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and Decision.objects.filter(pk=no_hire.pk).exists()
    response = client.post(url, {"reason": "Recorded on the wrong candidate."})
    assert response.status_code == 302
    assert not Decision.objects.filter(pk=no_hire.pk).exists()
    # Withdrawn: the page is gone.
    assert client.get(url).status_code == 404


def test_the_decider_sees_no_withdraw_button(client, no_hire, interviewer):
    client.force_login(interviewer)
    page = client.get(reverse("hiring:application_detail", args=[no_hire.application_id])).content.decode()
    assert "Withdraw this decision" not in page
    assert client.get(reverse("hiring:decision_withdraw", args=[no_hire.pk])).status_code == 404


def test_erasure_scrubs_the_withdrawal_reason(no_hire, hr_user):
    from feedback.privacy.services import candidate_erase

    candidate = no_hire.application.candidate
    name = candidate.name
    decision_withdraw(decision=no_hire, by=hr_user, reason=f"Recorded on {name} by mistake.")
    candidate_erase(candidate=candidate, by=hr_user)
    event = AuditEvent.objects.get(verb="decision.withdraw")
    assert name not in event.reason


def test_the_application_page_marks_the_withdrawn_decision(client, no_hire, hr_user):
    decision_withdraw(decision=no_hire, by=hr_user, reason="Mistake.")
    client.force_login(hr_user)
    page = client.get(reverse("hiring:application_detail", args=[no_hire.application_id])).content.decode()
    assert "Withdrawn: No hire recorded by" in page
