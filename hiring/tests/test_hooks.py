"""The no-hire hook: hiring runs whatever handlers are registered, inside the decision's
transaction; feedback registers the one that drafts the letter (feedback/apps.py)."""

import pytest

from feedback.letters.services import letter_draft_on_no_hire
from feedback.models import FeedbackLetter
from hiring import hooks
from hiring.models import Decision
from hiring.services.decisions import decision_record
from hiring.tests.factories import ApplicationFactory, InterviewFactory, job_with_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(interviewer):
    application = ApplicationFactory(job=job_with_pipeline())
    InterviewFactory(application=application, interviewer=interviewer)
    return application


def _no_hire(application, interviewer) -> Decision:
    return decision_record(
        application=application,
        stage=application.current_stage,
        outcome=Decision.Outcome.NO_HIRE,
        decided_by=interviewer,
        points=[
            {
                "criterion": application.current_stage.criteria.first(),
                "observation": "Did not handle bursts at the window boundary.",
                "suggestion": "Compare a sliding window with a token bucket.",
            }
        ],
    )


def test_feedback_registers_exactly_one_no_hire_handler():
    """Feedback drafts the letter (once); the ATS integration settles its waiting rejection."""
    from integrations.services import ats_rejection_on_no_hire

    assert hooks.no_hire_handlers() == (letter_draft_on_no_hire, ats_rejection_on_no_hire)


def test_registering_the_same_handler_again_does_not_run_it_twice(monkeypatch, application, interviewer):
    monkeypatch.setattr(hooks, "_no_hire_handlers", dict(hooks._no_hire_handlers))
    hooks.register_no_hire_handler(letter_draft_on_no_hire)
    decision = _no_hire(application, interviewer)
    assert FeedbackLetter.objects.filter(decision=decision).count() == 1


def test_without_a_handler_a_no_hire_is_recorded_and_nothing_is_drafted(
    monkeypatch, application, interviewer
):
    monkeypatch.setattr(hooks, "_no_hire_handlers", {})
    decision = _no_hire(application, interviewer)
    application.refresh_from_db()
    assert decision.pk is not None
    assert application.status == application.Status.REJECTED
    assert not FeedbackLetter.objects.exists()


def test_handlers_run_only_for_a_no_hire_and_see_the_saved_decision(monkeypatch, application, interviewer):
    seen = []

    def record(*, decision):
        seen.append((decision.outcome, decision.application.status, decision.points.count()))

    monkeypatch.setattr(hooks, "_no_hire_handlers", {})
    hooks.register_no_hire_handler(record)
    decision_record(
        application=application,
        stage=application.current_stage,
        outcome=Decision.Outcome.ADVANCE,
        decided_by=interviewer,
        points=[],
    )
    assert seen == []
    application.refresh_from_db()
    interview = InterviewFactory(
        application=application, stage=application.current_stage, interviewer=interviewer
    )
    _no_hire(interview.application, interviewer)
    assert seen == [(Decision.Outcome.NO_HIRE, application.Status.REJECTED, 1)]
