"""One small organisation with every page of the quality checks in a state worth checking.

Built with the apps' own services where they exist (a no-hire drafts its letter;
HR edits it), so the pages show what they show in real use: a scorecard waiting
for its interviewer, a decision form with proposed points, a letter with a
boilerplate sentence flagged, a candidate page before the reapply date, and a
reapply form after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from feedback import links
from feedback.letters import services as letter_services
from feedback.models import FeedbackLetter
from hiring.models import Decision, Rating, Scorecard
from hiring.services import decisions as decision_services
from hiring.tests.factories import (
    ApplicationFactory,
    HRFactory,
    InterviewerFactory,
    InterviewFactory,
    job_with_pipeline,
)
from tests.e2e.helpers import ensure_roles

BOILERPLATE = (
    "We have decided to move forward with other candidates whose experience better matches our needs."
)
OBSERVATION = (
    "When asked to design the rate limiter you used a fixed window and did not say how bursts "
    "at the window boundary are handled."
)
SUGGESTION = "Compare a sliding window or a token bucket and say which trade-off you would pick."


@dataclass
class World:
    hr: object
    alice: object
    bob: object
    job: object
    interview: object  # Alice's, scorecard in draft
    decidable: object  # an application Alice may decide on (her scorecard is submitted)
    letter: FeedbackLetter  # drafted, edited by HR to contain boilerplate: in review
    sent_letter: FeedbackLetter  # sent this week: the candidate page, before the reapply date
    old_letter: FeedbackLetter  # sent long ago: the reapply form is open
    late_letter: FeedbackLetter  # Alice's no-hire, drafted, nobody has looked at it yet

    def pages(self) -> dict[str, tuple[object | None, str]]:
        """name -> (user to log in as, or None for the candidate, path)."""
        return {
            "login": (None, reverse("login")),
            "interviewer home": (self.alice, reverse("hiring:my_interviews")),
            "scorecard": (self.alice, reverse("hiring:scorecard", args=[self.interview.pk])),
            "decision form": (self.alice, reverse("hiring:decision_create", args=[self.decidable.pk])),
            "HR letter queue": (self.hr, reverse("feedback:letter_queue")),
            "HR letter editor": (self.hr, reverse("feedback:letter_edit", args=[self.letter.pk])),
            "candidate page": (None, _path(links.letter_page_url(self.sent_letter))),
            "reapply form": (None, _path(links.reapply_url(self.old_letter))),
        }


def _path(url: str) -> str:
    """Links in emails carry CANDOR_BASE_URL; the tests open their path on the live server."""
    from urllib.parse import urlsplit

    return urlsplit(url).path


def _submitted_scorecard(interview, score: int) -> None:
    card = Scorecard.objects.create(
        interview=interview,
        status=Scorecard.Status.SUBMITTED,
        recommendation=Scorecard.Recommendation.NO,
        submitted_at=timezone.now(),
    )
    for criterion in interview.stage.criteria.all():
        Rating.objects.create(
            scorecard=card,
            criterion=criterion,
            score=score,
            evidence=OBSERVATION,
            shareable_note=SUGGESTION,
        )


def _no_hire(application, interviewer) -> Decision:
    stage = application.current_stage
    return decision_services.decision_record(
        application=application,
        stage=stage,
        outcome=Decision.Outcome.NO_HIRE,
        decided_by=interviewer,
        points=[
            {"criterion": stage.criteria.first(), "observation": OBSERVATION, "suggestion": SUGGESTION},
        ],
    )


def _mark_sent(letter: FeedbackLetter) -> FeedbackLetter:
    from feedback.letters.emails import build_letter_message

    letter.message_id = letter.message_id or letter_services.letter_message_id(letter)
    message = build_letter_message(letter)
    FeedbackLetter.objects.filter(pk=letter.pk).update(
        status=FeedbackLetter.Status.SENT,
        sent_at=timezone.now(),
        message_id=letter.message_id,
        sent_subject=message.subject,
        sent_text=message.body,
        sent_html=message.alternatives[0][0],
    )
    letter.refresh_from_db()
    return letter


def build_world() -> World:
    ensure_roles()
    hr = HRFactory(username="hana", first_name="Hana", last_name="Reyes")
    alice = InterviewerFactory(username="alice", first_name="Alice", last_name="Ito")
    bob = InterviewerFactory(username="bob", first_name="Bob", last_name="Novak")
    job = job_with_pipeline(
        title="Backend Engineer", stages=("Resume review", "Phone screen", "Technical interview")
    )
    soon = timezone.now() + dt.timedelta(hours=2)

    waiting = ApplicationFactory(job=job, candidate__name="Dana Doe", candidate__email="dana@example.com")
    interview = InterviewFactory(application=waiting, interviewer=alice, scheduled_at=soon)

    decidable = ApplicationFactory(job=job, candidate__name="Eli Park", candidate__email="eli@example.com")
    decidable_interview = InterviewFactory(application=decidable, interviewer=alice)
    _submitted_scorecard(decidable_interview, score=2)

    in_review = ApplicationFactory(job=job, candidate__name="Sam Lee", candidate__email="sam@example.com")
    InterviewFactory(application=in_review, interviewer=bob)
    letter = _no_hire(in_review, bob).letter
    letter = letter_services.letter_edit(
        letter=letter, by=hr, subject=letter.subject, body=f"{letter.body.rstrip()}\n\n{BOILERPLATE}\n"
    )

    recent = ApplicationFactory(job=job, candidate__name="Rae Kim", candidate__email="rae@example.com")
    InterviewFactory(application=recent, interviewer=bob)
    sent_letter = _mark_sent(_no_hire(recent, bob).letter)

    old = ApplicationFactory(job=job, candidate__name="Ola Berg", candidate__email="ola@example.com")
    InterviewFactory(application=old, interviewer=bob)
    old_decision = _no_hire(old, bob)
    Decision.objects.filter(pk=old_decision.pk).update(
        decided_at=timezone.now() - dt.timedelta(days=job.reapply_cooldown_days + 2)
    )
    old_letter = _mark_sent(FeedbackLetter.objects.get(decision=old_decision))

    forgotten = ApplicationFactory(job=job, candidate__name="Lou Chen", candidate__email="lou@example.com")
    InterviewFactory(application=forgotten, interviewer=alice)
    late_letter = _no_hire(forgotten, alice).letter

    return World(
        hr=hr,
        alice=alice,
        bob=bob,
        job=job,
        interview=interview,
        decidable=decidable,
        letter=letter,
        sent_letter=sent_letter,
        old_letter=old_letter,
        late_letter=late_letter,
    )
