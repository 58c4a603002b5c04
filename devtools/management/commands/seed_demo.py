"""Realistic demo data: jobs with pipelines, ~50 candidates at every stage, demo logins.

Idempotent: if the demo users exist, nothing is created again.

The data is meant to hold up when a hiring manager reads it:

- every criterion belongs to its job (designers are assessed on design, analysts on analysis)
  and carries its own evidence, so a feedback point always sits under the criterion it is
  about, and no text appears under two criteria;
- a no-hire's points are the decider's own low ratings of that stage (what the decision
  form proposes), word for word;
- events happen in order, on working days (``core.dates``), in working hours of the
  organisation's time zone: the application is opened, then each stage's interviews,
  their scorecards the same day, the decision the next working day, then the next stage;
  a no-hire's letter is drafted when it is decided. Nothing but upcoming interviews lies
  in the future.

Links printed here and in the emails sent use ``settings.CANDOR_BASE_URL``, which the
demo's settings take from ``CANDOR_DEMO_HOST``/``CANDOR_DEMO_PORT`` (``config/settings/local.py``).
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from candidates.models import Candidate
from core import roles
from core.dates import BusinessCalendar, org_tz
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


@dataclass(frozen=True)
class CriterionSpec:
    """A criterion and the evidence an interviewer writes about it.

    ``low``: (what the candidate said or did, what would have been stronger) for a rating
    of 1 or 2, one pair per interviewer who may see the weakness (a multi-interview stage
    has two, so the panel does not write identical scorecards). ``good``: the evidence of a
    rating of 3 or 4.
    """

    name: str
    guidance: str
    low: tuple[tuple[str, str], ...]
    good: str


JOBS = [
    {
        "title": "Backend Engineer",
        "team": "Platform",
        "stages": [
            (
                "Resume review",
                1,
                [
                    CriterionSpec(
                        "Relevant experience",
                        "Has built and run services in production.",
                        (
                            (
                                "The CV lists coursework and a hackathon project, but no service "
                                "that real users depended on.",
                                "Describe a service you ran for real users: its traffic, what broke "
                                "and what you changed afterwards.",
                            ),
                        ),
                        "Ran a payments API in production for two years, including its on-call rota.",
                    ),
                ],
            ),
            (
                "Phone screen",
                1,
                [
                    CriterionSpec(
                        "Communication",
                        "Explains past work clearly, with the candidate's own part in it.",
                        (
                            (
                                "Describing the last project, did not say which parts they built "
                                "themselves and which the rest of the team built.",
                                "Name your own part in a project: what you designed, built or "
                                "decided, and what it changed.",
                            ),
                        ),
                        "Walked through their last project in order and said which parts were theirs.",
                    ),
                    CriterionSpec(
                        "Motivation for the role",
                        "Knows what the team does and why it interests them.",
                        (
                            (
                                "Could not say what the Platform team works on or why it interested them.",
                                "Read the job description and our engineering blog beforehand, and "
                                "link one of our problems to something you have done.",
                            ),
                        ),
                        "Had read our engineering blog and asked how the team runs its deploy pipeline.",
                    ),
                ],
            ),
            (
                "Technical interview",
                1,
                [
                    CriterionSpec(
                        "Coding",
                        "Writes correct, readable code; tests edge cases without prompting.",
                        (
                            (
                                "The interval-merging solution returned wrong results for "
                                "overlapping intervals, and no test was written.",
                                "Before saying you are done, run the example input and two edge "
                                "cases, such as an empty list and overlapping intervals.",
                            ),
                        ),
                        "Wrote a correct interval merge, then added tests for empty and overlapping "
                        "input unprompted.",
                    ),
                    CriterionSpec(
                        "Debugging",
                        "Forms hypotheses and narrows them down systematically.",
                        (
                            (
                                "Changed several lines at once while chasing the failing test, so "
                                "it was unclear which change fixed it.",
                                "Test one hypothesis at a time with a print or a small test, and "
                                "say aloud what each step ruled out.",
                            ),
                        ),
                        "Reproduced the bug in a small test first, then narrowed it down by halving "
                        "the input.",
                    ),
                ],
            ),
            (
                "Onsite",
                4,
                [
                    CriterionSpec(
                        "System design",
                        "Breaks the problem down, names trade-offs, handles failure and scale.",
                        (
                            (
                                "Proposed a fixed-window rate limiter and did not say how bursts at "
                                "the window boundary are handled.",
                                "Compare a sliding window or a token bucket, and say which "
                                "trade-off you would pick and why.",
                            ),
                            (
                                "The rate limiter kept its counters in one server's memory, and the "
                                "design did not say what happens with several servers.",
                                "Say where shared state lives when there are several servers, and "
                                "what the limiter does if that store is down.",
                            ),
                        ),
                        "Designed the rate limiter as a token bucket per client and explained how it "
                        "fails open if the shared store is down.",
                    ),
                    CriterionSpec(
                        "Collaboration",
                        "Builds on the interviewer's hints and explains disagreements.",
                        (
                            (
                                "When the interviewer suggested caching the lookups, the hint was "
                                "set aside without discussing it.",
                                "When given a hint, say how it changes your design, or explain why "
                                "you would keep your approach.",
                            ),
                            (
                                "In the pairing exercise, kept typing while the interviewer asked "
                                "about the approach and did not answer the question.",
                                "Pause to answer your pair's questions, and agree on the approach "
                                "before writing more code.",
                            ),
                        ),
                        "Picked up the interviewer's hint about caching and explained where they "
                        "would disagree with it.",
                    ),
                    CriterionSpec(
                        "Operational thinking",
                        "Considers monitoring, rollout and on-call impact.",
                        (
                            (
                                "The rollout plan had no metrics or alerts, and no way back if the "
                                "new version misbehaved.",
                                "Say which metrics and alerts would show the change is healthy, and "
                                "how you would roll it back.",
                            ),
                            (
                                "Asked how on-call would learn that the queue was backing up, said "
                                "they would check the logs by hand.",
                                "Propose an alert on queue depth or age, with a threshold and who it pages.",
                            ),
                        ),
                        "Proposed a canary rollout with error-rate alerts and a one-command rollback.",
                    ),
                ],
            ),
            (
                "Final",
                1,
                [
                    CriterionSpec(
                        "Values and judgement",
                        "Gives concrete examples of difficult calls.",
                        (
                            (
                                "Asked for an example of a difficult call, described a team decision "
                                "without their own part in it or their reasoning.",
                                "Prepare an example of a hard call you made yourself: the options, "
                                "what you chose and why, and what you learned.",
                            ),
                        ),
                        "Described pushing back on a risky launch date, with the data they used and "
                        "the outcome.",
                    ),
                ],
            ),
        ],
    },
    {
        "title": "Product Designer",
        "team": "Design",
        "stages": [
            (
                "Portfolio review",
                1,
                [
                    CriterionSpec(
                        "Craft",
                        "Work shows clear hierarchy, accessibility and polish.",
                        (
                            (
                                "The portfolio screens use low-contrast grey text and show no focus "
                                "states on interactive elements.",
                                "Show accessible colour contrast and keyboard focus states in at "
                                "least one project, and say how you checked them.",
                            ),
                        ),
                        "The portfolio shows a clear type hierarchy and documents its colour-contrast "
                        "checks.",
                    ),
                ],
            ),
            (
                "Design exercise",
                1,
                [
                    CriterionSpec(
                        "Problem framing",
                        "Asks about users and constraints before drawing.",
                        (
                            (
                                "Started sketching the booking screen before asking who books "
                                "appointments or on which device.",
                                "Spend the first minutes on who the users are, what they are trying "
                                "to do and the constraints, then sketch.",
                            ),
                        ),
                        "Asked who books appointments and on which devices before sketching anything.",
                    ),
                    CriterionSpec(
                        "Interaction design",
                        "Flows handle errors, empty states and keyboard use.",
                        (
                            (
                                "The booking flow had no state for a failed payment or for a day "
                                "with no free time slots.",
                                "Walk through the unhappy paths too: errors, empty states, and how "
                                "the flow works with a keyboard.",
                            ),
                        ),
                        "Designed the error and empty states of the booking flow and showed it "
                        "working with a keyboard.",
                    ),
                ],
            ),
            (
                "Panel",
                3,
                [
                    CriterionSpec(
                        "Presenting work",
                        "Explains the why behind decisions and what they would change.",
                        (
                            (
                                "Showed the final screens of the case study without explaining why "
                                "the navigation changed.",
                                "For each key decision, say what problem it solved, what you tried "
                                "first and what you would change now.",
                            ),
                            (
                                "Ran out of time before the outcome of the case study, so the panel "
                                "did not hear whether the redesign worked.",
                                "Plan the presentation to leave time for the outcome: what changed "
                                "for users, and how you know.",
                            ),
                        ),
                        "Explained why the navigation changed and what they would do differently "
                        "with more time.",
                    ),
                    CriterionSpec(
                        "Research",
                        "Uses evidence from users, not only opinion.",
                        (
                            (
                                "Said users wanted a dashboard, but could not point to an interview, "
                                "test or data behind it.",
                                "Back a design decision with evidence, such as a usability test, "
                                "interviews or analytics, and say what it showed.",
                            ),
                            (
                                "The usability test had two participants, both colleagues, and the "
                                "findings were presented as settled.",
                                "Test with people who match your users, and say how confident the "
                                "findings let you be.",
                            ),
                        ),
                        "Cited five usability sessions and the task completion rate that led to the "
                        "redesign.",
                    ),
                ],
            ),
        ],
    },
    {
        "title": "Data Analyst",
        "team": "Insights",
        "stages": [
            (
                "Resume review",
                1,
                [
                    CriterionSpec(
                        "Analytical background",
                        "Has used data to change a decision.",
                        (
                            (
                                "The CV lists the tools used but no analysis that changed what a team did.",
                                "Describe one analysis and the decision it changed, with the numbers "
                                "involved.",
                            ),
                        ),
                        "Their churn analysis changed the onboarding emails; the CV gives the "
                        "before-and-after numbers.",
                    ),
                ],
            ),
            (
                "SQL exercise",
                1,
                [
                    CriterionSpec(
                        "SQL",
                        "Correct joins and aggregates; checks results for sanity.",
                        (
                            (
                                "The revenue query joined orders to refunds and counted orders with "
                                "two refunds twice.",
                                "After a join, compare row counts before and after, and aggregate "
                                "the many side before joining.",
                            ),
                        ),
                        "Wrote the revenue query with correct joins and checked the total against a "
                        "simple count.",
                    ),
                    CriterionSpec(
                        "Data quality",
                        "Spots and handles missing or duplicated data.",
                        (
                            (
                                "Did not notice that a fifth of the signup dates were missing, which "
                                "skewed the monthly totals.",
                                "Profile the data before analysing it: count missing values and "
                                "duplicates, and say how you handle them.",
                            ),
                        ),
                        "Noticed the duplicated customer rows and removed them before aggregating.",
                    ),
                ],
            ),
            (
                "Case interview",
                2,
                [
                    CriterionSpec(
                        "Structuring",
                        "Sets up the question into measurable parts.",
                        (
                            (
                                "Asked why conversions fell, went straight to charts without "
                                "breaking the question into parts to measure.",
                                "Split the question into measurable parts, such as traffic, "
                                "conversion per step and regional mix, before looking at data.",
                            ),
                            (
                                "Treated the drop in sign-ups as one number and did not separate new "
                                "visitors from returning ones.",
                                "Segment the metric first, for example new against returning "
                                "visitors, to find where the change comes from.",
                            ),
                        ),
                        "Split the drop in conversions into traffic, funnel steps and regional mix "
                        "before analysing.",
                    ),
                    CriterionSpec(
                        "Communicating results",
                        "Leads with the answer and its uncertainty.",
                        (
                            (
                                "Presented the analysis in the order it was done and gave the "
                                "conclusion only when asked.",
                                "Lead with the answer and how certain it is, then give the evidence "
                                "behind it.",
                            ),
                            (
                                "Gave the uplift as exactly 12 percent, without the confidence "
                                "interval or the sample size behind it.",
                                "Give a range and the sample size with every estimate, so the "
                                "listener knows how far to trust it.",
                            ),
                        ),
                        "Led with the answer, gave its uncertainty, then the evidence behind it.",
                    ),
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

# Interview start times (organisation's time zone), one hour each; a stage of several
# interviews takes consecutive free slots of one day.
SLOTS = (dt.time(9, 30), dt.time(10, 45), dt.time(12, 0), dt.time(13, 45), dt.time(15, 0), dt.time(16, 15))
# Working hours in which applications are opened, scorecards submitted and decisions made.
DAY_START, DAY_END = dt.time(9, 0), dt.time(17, 30)
# Jobs were opened this many working days before the seed runs (before every application).
JOBS_OPENED_WORKING_DAYS_AGO = 80
# Active applications whose interview with alice was held the working day before and waits for
# her scorecard: the demo's "log in and submit a scorecard and a no-hire in a minute" story.
ALICE_WAITING = 3

# One letter in the demo deliberately carries boilerplate, so the quality check has something to flag.
BOILERPLATE = (
    "\n\nWe were impressed with your skills, but other candidates had more relevant experience, "
    "and we will keep your resume on file."
)


def working_days_before(calendar: BusinessCalendar, day: dt.date, n: int) -> dt.date:
    """The business day ``n`` business days before ``day`` (``core.dates``: weekends, public
    holidays and closure days excluded); ``day`` itself for n = 0."""
    current = day
    while n > 0:
        current -= dt.timedelta(days=1)
        if calendar.is_business_day(current):
            n -= 1
    return current


def at(day: dt.date, time: dt.time) -> dt.datetime:
    """``time`` on ``day`` in the organisation's time zone, aware."""
    return dt.datetime.combine(day, time, tzinfo=org_tz())


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
        """Send a few clean letters now, and schedule one for the worker, so every page has content.

        Letters still within their deadline, oldest decision first, as HR would send them;
        the overdue ones stay in the queue for the dashboard to show.
        """
        from feedback.letters.findings import letter_findings
        from feedback.letters.services import letter_approve
        from feedback.models import FeedbackLetter
        from outbox.services import delivery_send

        drafts = FeedbackLetter.objects.filter(
            status=FeedbackLetter.Status.DRAFT, deadline__gte=timezone.now()
        ).order_by("decision__decided_at", "id")
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
        """The candidate page of every letter sent so far (what each email links to), and how many
        letters are still scheduled (the worker sends them; their emails carry their links)."""
        from feedback.links import letter_page_url
        from feedback.models import FeedbackLetter

        sent = list(FeedbackLetter.objects.filter(status=FeedbackLetter.Status.SENT).order_by("id"))
        if sent:
            self.stdout.write(
                f"Candidate pages of the {len(sent)} letter{'s' if len(sent) != 1 else ''} "
                "sent so far (what each email links to):"
            )
            for letter in sent:
                self.stdout.write(f"  {letter_page_url(letter)}")
        scheduled = FeedbackLetter.objects.filter(status=FeedbackLetter.Status.SCHEDULED).count()
        if scheduled:
            many = scheduled != 1
            self.stdout.write(
                f"{scheduled} more letter{'s are' if many else ' is'} scheduled, not listed: the worker "
                f"sends {'them' if many else 'it'} at {'their' if many else 'its'} send time."
            )

    # --- The data ---------------------------------------------------------------------------

    def _seed(self):
        self.rng = random.Random(42)  # noqa: S311 - demo data, not security
        self.now = timezone.now()
        self.today = timezone.localdate(self.now, org_tz())
        self.calendar = BusinessCalendar()  # one for the whole seed: HR adds no closure day meanwhile
        self.booked: set[tuple[int, dt.datetime]] = set()  # (interviewer, start): nobody in two places
        self.boilerplate_done = False
        self.alice_waiting = 0
        users = self._demo_users()
        self.users = users
        self.interviewers = [users[n] for n in ("alice", "bob", "chen", "dara", "emil")]

        jobs_opened = at(
            working_days_before(self.calendar, self.today, JOBS_OPENED_WORKING_DAYS_AGO), dt.time(9, 0)
        )
        jobs = []
        self.specs: dict[int, CriterionSpec] = {}
        for spec in JOBS:
            job = Job.objects.create(title=spec["title"], team=spec["team"], hiring_manager=users["manager"])
            Job.objects.filter(pk=job.pk).update(created_at=jobs_opened, updated_at=jobs_opened)
            for position, (name, planned, criteria) in enumerate(spec["stages"]):
                stage = Stage.objects.create(
                    job=job, name=name, position=position, interviews_planned=planned
                )
                for cpos, cspec in enumerate(criteria):
                    criterion = Criterion.objects.create(
                        stage=stage, name=cspec.name, guidance=cspec.guidance, position=cpos
                    )
                    self.specs[criterion.pk] = cspec
            jobs.append(job)

        names = [(f, ln) for f in FIRST for ln in LAST]
        self.rng.shuffle(names)
        for i in range(50):
            first, last = names[i]
            self._application(i, f"{first} {last}", jobs[i % len(jobs)])

    def _application(self, i: int, name: str, job: Job) -> None:
        """One candidate's application, from opening to its current state, in order."""
        rng = self.rng
        stages = list(job.stages.order_by("position"))
        last = len(stages) - 1
        reach = rng.randint(0, last)
        if reach == last:
            ending = rng.choice(["hire", "no_hire", "no_hire", "active"])
        else:
            ending = rng.choice(["active", "active", "no_hire", "no_hire"])
        # Where an active application stands at its current stage.
        state = None
        if ending == "active":
            if self.alice_waiting < ALICE_WAITING:
                state = "awaiting_scorecard"
                self.alice_waiting += 1
            else:
                state = rng.choice(["upcoming", "upcoming", "awaiting_decision"])

        # Working-day offsets from the day the application was opened (day 0).
        interview_days, decision_days = [], []
        day = 0
        for s_index in range(reach + 1):
            day += rng.randint(1, 3) if s_index == 0 else rng.randint(2, 4)
            interview_days.append(day)
            decided = s_index < reach or ending in ("hire", "no_hire")
            if decided:
                day += 1
                decision_days.append(day)
        # Anchor the last past event to a working day before today: decisions days ago; an
        # interview waiting for a scorecard or a decision was held in the last working days.
        if ending == "no_hire":
            # Mostly recent (letters within their deadline), a few older (overdue letters to show).
            anchor, lag = decision_days[-1], rng.choice((1, 1, 2, 2, 3, 3, 4, 4, 6, 8))
        elif ending == "hire":
            anchor, lag = decision_days[-1], rng.randint(3, 25)
        elif state == "upcoming":
            anchor, lag = (decision_days[-1] if decision_days else 0), rng.randint(1, 10)
        else:
            anchor, lag = interview_days[-1], (1 if state == "awaiting_scorecard" else rng.randint(1, 2))
        anchor_day = working_days_before(self.calendar, self.today, lag)

        def date_of(offset: int) -> dt.date:
            return working_days_before(self.calendar, anchor_day, anchor - offset)

        opened = at(date_of(0), self._time(dt.time(9, 0), dt.time(11, 30)))
        candidate = Candidate.objects.create(
            name=name,
            email=f"{name.replace(' ', '.')}{i}@example.org".lower(),
            time_zone=rng.choice(ZONES),
            consent_given_at=opened,
        )
        application = Application.objects.create(candidate=candidate, job=job, current_stage=stages[0])
        last_event = opened
        previous_decision = opened

        for s_index, stage in enumerate(stages[: reach + 1]):
            is_current = s_index == reach
            if is_current and state == "upcoming":
                held_on = self.calendar.add_business_days(self.today, rng.randint(1, 6))
            else:
                held_on = date_of(interview_days[s_index])
            planned = stage.interviews_planned
            completed = planned
            if is_current and ending == "no_hire" and planned >= 3 and rng.random() < 0.3:
                completed = 2  # stopped after two of the onsite's interviews
            panel = self._panel(stage, planned, force_alice=is_current and state == "awaiting_scorecard")
            slots = self._slots(held_on, panel)
            weak = self._weak_criteria(stage) if is_current and ending == "no_hire" else set()
            decider = panel[0]
            for k, (interviewer, start) in enumerate(zip(panel, slots, strict=True)):
                if k >= completed:
                    break
                interview = Interview.objects.create(
                    application=application, stage=stage, interviewer=interviewer, scheduled_at=start
                )
                Interview.objects.filter(pk=interview.pk).update(created_at=previous_decision)
                pending = start > self.now or (
                    is_current and state == "awaiting_scorecard" and interviewer == self.users["alice"]
                )
                if pending:
                    continue
                submitted = min(
                    start + dt.timedelta(minutes=60 + rng.randint(10, 120)), at(start.date(), DAY_END)
                )
                self._scorecard(
                    interview, weak=weak, variant=0 if interviewer == decider else 1, when=submitted
                )
                last_event = max(last_event, submitted)

            if s_index < len(decision_days):
                decided_at = max(
                    at(date_of(decision_days[s_index]), self._time(dt.time(10, 0), dt.time(16, 30))),
                    last_event + dt.timedelta(minutes=5),
                )
                outcome = (
                    Decision.Outcome.ADVANCE
                    if not is_current
                    else Decision.Outcome.HIRE
                    if ending == "hire"
                    else Decision.Outcome.NO_HIRE
                )
                decision = Decision.objects.create(
                    application=application,
                    stage=stage,
                    outcome=outcome,
                    decided_by=self.users["manager"] if outcome == Decision.Outcome.HIRE else decider,
                    decided_at=decided_at,
                )
                last_event = previous_decision = decided_at
                if outcome == Decision.Outcome.ADVANCE:
                    application.current_stage = stages[s_index + 1]
                elif outcome == Decision.Outcome.HIRE:
                    application.status, application.closed_at = Application.Status.HIRED, decided_at
                else:
                    application.status, application.closed_at = Application.Status.REJECTED, decided_at
                application.save()
                if outcome == Decision.Outcome.NO_HIRE:
                    self._no_hire_points_and_letter(decision, decider)

        # Dates written last: save() writes every field, and auto_now_add ones are set on insert.
        Application.objects.filter(pk=application.pk).update(created_at=opened, updated_at=last_event)
        Candidate.objects.filter(pk=candidate.pk).update(
            created_at=opened, updated_at=last_event, last_activity_at=last_event
        )

    def _time(self, earliest: dt.time, latest: dt.time) -> dt.time:
        """A time of day between two, on a five-minute mark."""
        start = earliest.hour * 60 + earliest.minute
        end = latest.hour * 60 + latest.minute
        minutes = start + 5 * self.rng.randint(0, (end - start) // 5)
        return dt.time(minutes // 60, minutes % 60)

    def _panel(self, stage: Stage, planned: int, *, force_alice: bool) -> list:
        """The interviewers of a stage; with ``force_alice``, alice is on it (last, not deciding)."""
        size = min(planned, len(self.interviewers))
        panel = self.rng.sample(self.interviewers, k=size)
        alice = self.users["alice"]
        if force_alice and alice not in panel:
            panel[-1] = alice
        if force_alice and len(panel) > 1:
            panel.remove(alice)
            panel.append(alice)
        return panel

    def _slots(self, day: dt.date, panel: list) -> list[dt.datetime]:
        """Consecutive free slots of ``day``, one per interviewer, in panel order.

        An interviewer is never booked twice at one time; when the day is full for someone,
        the latest slot is shared (the demo has five interviewers for ~50 candidates).
        """
        starts, index = [], 0 if len(panel) > 1 else self.rng.randrange(len(SLOTS))
        for interviewer in panel:
            chosen = None
            for j in range(index, len(SLOTS)):
                start = at(day, SLOTS[j])
                if (interviewer.pk, start) not in self.booked:
                    chosen, index = start, j + 1
                    break
            if chosen is None:
                chosen = at(day, SLOTS[min(index, len(SLOTS) - 1)])
                index = min(index + 1, len(SLOTS) - 1)
            self.booked.add((interviewer.pk, chosen))
            starts.append(chosen)
        return starts

    def _weak_criteria(self, stage: Stage) -> set[int]:
        """The criteria a no-hire is about: one, or two of a stage that assesses several."""
        ids = list(stage.criteria.values_list("pk", flat=True))
        return set(self.rng.sample(ids, k=min(len(ids), self.rng.choice([1, 1, 2]))))

    def _scorecard(self, interview: Interview, *, weak: set[int], variant: int, when: dt.datetime) -> None:
        """A submitted scorecard: weak criteria rated 1-2 with their evidence, the others 3-4."""
        rng = self.rng
        scorecard = Scorecard.objects.create(interview=interview)
        scores = []
        for criterion in interview.stage.criteria.all():
            spec = self.specs[criterion.pk]
            if criterion.pk in weak:
                score = rng.choice([1, 2])
                evidence, note = spec.low[variant % len(spec.low)]
            else:
                score = rng.choice([3, 3, 4]) if not weak else 3
                evidence, note = spec.good, ""
            scores.append(score)
            Rating.objects.create(
                scorecard=scorecard, criterion=criterion, score=score, evidence=evidence, shareable_note=note
            )
        average = sum(scores) / len(scores)
        if weak:
            recommendation = (
                Scorecard.Recommendation.STRONG_NO if average < 1.75 else Scorecard.Recommendation.NO
            )
        else:
            recommendation = (
                Scorecard.Recommendation.STRONG_YES if average >= 3.5 else Scorecard.Recommendation.YES
            )
        scorecard.recommendation = recommendation
        scorecard.status = Scorecard.Status.SUBMITTED
        scorecard.submitted_at = when
        scorecard.save()

    def _no_hire_points_and_letter(self, decision: Decision, decider) -> None:
        """The decider's own low ratings become the points (as the decision form proposes them);
        the letter is drafted at the moment of the decision."""
        from feedback.letters.findings import letter_findings, store_findings, text_checker
        from feedback.letters.services import letter_draft
        from feedback.models import FeedbackLetter

        low = Rating.objects.filter(
            scorecard__interview__application=decision.application,
            scorecard__interview__stage=decision.stage,
            scorecard__interview__interviewer=decider,
            score__lte=Rating.Score.NO,
        ).order_by("criterion__position", "criterion_id")
        for position, rating in enumerate(low):
            FeedbackPoint.objects.create(
                decision=decision,
                criterion=rating.criterion,
                position=position,
                observation=rating.evidence,
                suggestion=rating.shareable_note,
            )
        letter = letter_draft(decision=decision)
        if not self.boilerplate_done:
            letter.body += BOILERPLATE
            check = text_checker()
            store_findings(letter, letter_findings(letter=letter, check=check), check)
            letter.save()
            self.boilerplate_done = True
        FeedbackLetter.objects.filter(pk=letter.pk).update(
            created_at=decision.decided_at, updated_at=decision.decided_at
        )
