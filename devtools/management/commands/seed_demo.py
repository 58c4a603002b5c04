"""Realistic demo data: jobs with pipelines, ~50 candidates at every stage, demo logins.

Idempotent: if the demo users exist, nothing is created again.
"""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from candidates.models import Candidate
from core import roles
from hiring.models import (
    Application,
    Criterion,
    Decision,
    FeedbackPoint,
    Interview,
    Job,
    Rating,
    Scorecard,
    Stage,
)

PASSWORD = "candor-demo"

USERS = [
    # username, first, last, role
    ("admin", "Ada", "Quinn", roles.ADMIN),
    ("hr", "Hana", "Reyes", roles.HR),
    ("manager", "Max", "Mendel", roles.HIRING_MANAGER),
    ("alice", "Alice", "Ito", roles.INTERVIEWER),
    ("bob", "Bob", "Novak", roles.INTERVIEWER),
    ("chen", "Chen", "Wei", roles.INTERVIEWER),
    ("dara", "Dara", "Okafor", roles.INTERVIEWER),
    ("emil", "Emil", "Larsen", roles.INTERVIEWER),
]

JOBS = [
    {
        "title": "Backend Engineer",
        "team": "Platform",
        "stages": [
            ("Resume review", 1, [("Relevant experience", "Has built and run services in production.")]),
            (
                "Phone screen",
                1,
                [
                    ("Communication", "Explains past work clearly, with the candidate's own part in it."),
                    ("Motivation for the role", "Knows what the team does and why it interests them."),
                ],
            ),
            (
                "Technical interview",
                1,
                [
                    ("Coding", "Writes correct, readable code; tests edge cases without prompting."),
                    ("Debugging", "Forms hypotheses and narrows them down systematically."),
                ],
            ),
            (
                "Onsite",
                4,
                [
                    (
                        "System design",
                        "Breaks the problem down, names trade-offs, handles failure and scale.",
                    ),
                    ("Collaboration", "Builds on the interviewer's hints and explains disagreements."),
                    ("Operational thinking", "Considers monitoring, rollout and on-call impact."),
                ],
            ),
            ("Final", 1, [("Values and judgement", "Gives concrete examples of difficult calls.")]),
        ],
    },
    {
        "title": "Product Designer",
        "team": "Design",
        "stages": [
            ("Portfolio review", 1, [("Craft", "Work shows clear hierarchy, accessibility and polish.")]),
            (
                "Design exercise",
                1,
                [
                    ("Problem framing", "Asks about users and constraints before drawing."),
                    ("Interaction design", "Flows handle errors, empty states and keyboard use."),
                ],
            ),
            (
                "Panel",
                3,
                [
                    ("Presenting work", "Explains the why behind decisions and what they would change."),
                    ("Research", "Uses evidence from users, not only opinion."),
                ],
            ),
        ],
    },
    {
        "title": "Data Analyst",
        "team": "Insights",
        "stages": [
            ("Resume review", 1, [("Analytical background", "Has used data to change a decision.")]),
            (
                "SQL exercise",
                1,
                [
                    ("SQL", "Correct joins and aggregates; checks results for sanity."),
                    ("Data quality", "Spots and handles missing or duplicated data."),
                ],
            ),
            (
                "Case interview",
                2,
                [
                    ("Structuring", "Sets up the question into measurable parts."),
                    ("Communicating results", "Leads with the answer and its uncertainty."),
                ],
            ),
        ],
    },
]

FIRST = [
    "Amara",
    "Bilal",
    "Carmen",
    "Dmitri",
    "Elif",
    "Farah",
    "Goran",
    "Hiroshi",
    "Ines",
    "Jonas",
    "Kemi",
    "Luca",
    "Maya",
    "Nikhil",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zofia",
]
LAST = [
    "Abara",
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Olsen",
    "Petrov",
    "Rossi",
    "Silva",
]
ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Africa/Lagos", ""]

EVIDENCE = {
    1: (
        "Could not get the first test case passing and did not say what they were trying.",
        "Talk through the approach before coding, then test the simplest case first.",
    ),
    2: (
        "Used a fixed-window rate limiter and did not say how bursts at the window boundary are handled.",
        "Compare a sliding window or a token bucket and say which trade-off you would pick.",
    ),
    3: ("Gave a clear, correct answer and named the main trade-off.", ""),
    4: ("Covered failure cases and monitoring without prompting.", ""),
}

# One letter in the demo deliberately carries boilerplate, so the quality check has something to flag.
BOILERPLATE = (
    "\n\nWe were impressed with your skills, but other candidates had more relevant experience, "
    "and we will keep your resume on file."
)


class Command(BaseCommand):
    help = "Create demo users, jobs, candidates, interviews, scorecards and no-hires (idempotent)."

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.filter(username="hr").exists():
            # A demo database from before a login was added gets it; nothing else changes.
            self._demo_users()
            self.stdout.write("Demo data already present; nothing to do.")
        else:
            with transaction.atomic():
                self._seed()
            self._send_some_letters(User.objects.get(username="hr"))
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        self._print_candidate_links()

    def _demo_users(self) -> dict:
        """The demo logins by username, each with its one role group; missing ones are created.

        No one is a superuser or ``is_staff``: the Django admin is for the ``admin`` login (Admin role).
        """
        User = get_user_model()
        users = {}
        for username, first, last, role in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username,
                    password=PASSWORD,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@candor.example",
                )
                user.groups.add(Group.objects.get(name=role))
            users[username] = user
        return users

    def _send_some_letters(self, hr):
        """Send a few clean letters now, and schedule one for the worker, so every page has content."""
        from feedback.letters.findings import letter_findings
        from feedback.letters.services import letter_approve
        from feedback.models import FeedbackLetter
        from outbox.services import delivery_send

        drafts = FeedbackLetter.objects.filter(status=FeedbackLetter.Status.DRAFT).order_by("id")
        clean = [letter for letter in drafts if not letter_findings(letter=letter)]
        soon = timezone.now() + dt.timedelta(seconds=5)
        for letter in clean[:4]:
            letter_approve(letter=letter, by=hr, send_at=soon)
            FeedbackLetter.objects.filter(pk=letter.pk).update(send_after=timezone.now())
            delivery_send(kind="letter", pk=letter.pk)
        if len(clean) > 4:
            # Sent by the real worker within a minute or two of `make demo` starting.
            letter_approve(letter=clean[4], by=hr, send_at=timezone.now() + dt.timedelta(minutes=1))

    def _print_candidate_links(self):
        from feedback.links import letter_page_url
        from feedback.models import FeedbackLetter

        sent = FeedbackLetter.objects.filter(status=FeedbackLetter.Status.SENT).order_by("id")[:3]
        if sent:
            self.stdout.write("Candidate pages of letters already sent (what the emails link to):")
            for letter in sent:
                self.stdout.write(f"  {letter_page_url(letter)}")

    def _seed(self):
        from feedback.letters.services import letter_draft

        rng = random.Random(42)  # noqa: S311 - demo data, not security
        users = self._demo_users()
        interviewers = [users[n] for n in ("alice", "bob", "chen", "dara", "emil")]
        now = timezone.now()

        jobs = []
        for spec in JOBS:
            job = Job.objects.create(title=spec["title"], team=spec["team"], hiring_manager=users["manager"])
            for position, (name, planned, criteria) in enumerate(spec["stages"]):
                stage = Stage.objects.create(
                    job=job, name=name, position=position, interviews_planned=planned
                )
                for cpos, (cname, guidance) in enumerate(criteria):
                    Criterion.objects.create(stage=stage, name=cname, guidance=guidance, position=cpos)
            jobs.append(job)

        names = [(f, ln) for f in FIRST for ln in LAST]
        rng.shuffle(names)
        boilerplate_done = False
        for i in range(50):
            first, last = names[i]
            candidate = Candidate.objects.create(
                name=f"{first} {last}",
                email=f"{first}.{last}{i}@example.org".lower(),
                time_zone=rng.choice(ZONES),
                consent_given_at=now,
            )
            job = jobs[i % len(jobs)]
            stages = list(job.stages.order_by("position"))
            started = now - dt.timedelta(days=rng.randint(3, 40))
            application = Application.objects.create(candidate=candidate, job=job, current_stage=stages[0])
            Application.objects.filter(pk=application.pk).update(created_at=started)
            # How far this candidate got, and how it ended.
            reach = rng.randint(0, len(stages) - 1)
            ending = rng.choice(["active", "active", "no_hire", "no_hire", "hire"]) if reach else "active"
            when = started
            for s_index, stage in enumerate(stages[: reach + 1]):
                is_current = s_index == reach
                panel = rng.sample(interviewers, k=min(stage.interviews_planned, len(interviewers)))
                for k, interviewer in enumerate(panel):
                    when += dt.timedelta(days=1, hours=k)
                    upcoming = is_current and ending == "active" and k == len(panel) - 1
                    interview = Interview.objects.create(
                        application=application,
                        stage=stage,
                        interviewer=interviewer,
                        scheduled_at=now + dt.timedelta(days=rng.randint(1, 7), hours=k)
                        if upcoming
                        else when,
                    )
                    if upcoming:
                        continue
                    low = is_current and ending == "no_hire"
                    self._scorecard(interview, stage, rng, low=low, when=when)
                decided_by = panel[0]
                if not is_current:
                    Decision.objects.create(
                        application=application,
                        stage=stage,
                        outcome=Decision.Outcome.ADVANCE,
                        decided_by=decided_by,
                        decided_at=when,
                    )
                    continue
                application.current_stage = stage
                if ending == "hire":
                    Decision.objects.create(
                        application=application,
                        stage=stage,
                        outcome=Decision.Outcome.HIRE,
                        decided_by=decided_by,
                        decided_at=when,
                    )
                    application.status, application.closed_at = Application.Status.HIRED, when
                elif ending == "no_hire":
                    decision = Decision.objects.create(
                        application=application,
                        stage=stage,
                        outcome=Decision.Outcome.NO_HIRE,
                        decided_by=decided_by,
                        decided_at=min(when, now - dt.timedelta(hours=1)),
                    )
                    for pos, criterion in enumerate(stage.criteria.all()[:2]):
                        observation, suggestion = EVIDENCE[rng.choice([1, 2])]
                        FeedbackPoint.objects.create(
                            decision=decision,
                            criterion=criterion,
                            position=pos,
                            observation=observation,
                            suggestion=suggestion,
                        )
                    application.status, application.closed_at = (
                        Application.Status.REJECTED,
                        decision.decided_at,
                    )
                    application.save()
                    letter = letter_draft(decision=decision)
                    if not boilerplate_done:
                        letter.body += BOILERPLATE
                        letter.save(update_fields=["body"])
                        boilerplate_done = True
                application.save()

        # Interviews that happened yesterday and wait for alice's scorecard: the demo's
        # "login to a submitted scorecard and a no-hire in under a minute" story.
        waiting = Application.objects.filter(status=Application.Status.ACTIVE).exclude(
            interviews__interviewer=users["alice"]
        )[:3]
        for k, application in enumerate(waiting):
            Interview.objects.create(
                application=application,
                stage=application.current_stage,
                interviewer=users["alice"],
                scheduled_at=now - dt.timedelta(days=1, hours=k),
            )

    def _scorecard(self, interview, stage, rng, *, low, when):
        scorecard = Scorecard.objects.create(interview=interview)
        scores = []
        for criterion in stage.criteria.all():
            score = rng.choice([1, 2]) if low else rng.choice([2, 3, 3, 4])
            scores.append(score)
            evidence, note = EVIDENCE[score]
            Rating.objects.create(
                scorecard=scorecard, criterion=criterion, score=score, evidence=evidence, shareable_note=note
            )
        average = sum(scores) / len(scores)
        scorecard.recommendation = (
            Scorecard.Recommendation.STRONG_NO
            if average < 1.5
            else Scorecard.Recommendation.NO
            if average < 2.5
            else Scorecard.Recommendation.YES
            if average < 3.5
            else Scorecard.Recommendation.STRONG_YES
        )
        scorecard.status = Scorecard.Status.SUBMITTED
        scorecard.submitted_at = when
        scorecard.save()
