"""Data at scale for `make bench`: realistic spreads, written in bulk.

``seed_applications(n)`` adds *n* applications across jobs of 3-6 stages with
2-4 criteria each: about half still in progress (interviews upcoming or waiting
for a scorecard), the rest hired, withdrawn or not hired after one or more
interviewed stages, with submitted scorecards and ratings for each stage passed,
an "advance" decision per stage and a final decision; every no-hire has 1-3
feedback points and a letter in one of all the letter states; some rejected
candidates asked for a reapply reminder, and some applied again.

``seed_reminders(m, due_fraction)`` adds *m* reapply reminders, each on a bare
rejected application of its own (a reminder is one-to-one with an application),
``due_fraction`` of them scheduled and due now, the rest scheduled months ahead,
sent or cancelled.

A handful of users with known usernames (``BENCH_USERS``) carry a share of the
work that grows with the data: the bench interviewer sits on about 1% of the
panels, so a list that runs one query per row shows up as a different query
count at 2,000 and at 200,000 applications.

Every run adds rows; ids are chosen up front and rows go in with COPY on
PostgreSQL (``devtools.bench.rows``), ``executemany`` on SQLite.
"""

import contextlib
import datetime as dt
import functools
import random
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from candidates.models import Candidate
from core import roles
from devtools.bench.rows import IdBlock, TableWriter, reset_sequences
from feedback.letters.services import default_template
from feedback.models import DeliveryStatus, FeedbackLetter, ReapplyReminder
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

User = get_user_model()

PASSWORD = "candor-bench"
BENCH_HR = "bench_hr"
BENCH_MANAGER = "bench_manager"
BENCH_INTERVIEWER = "bench_interviewer"
BENCH_USERS = {BENCH_HR: roles.HR, BENCH_MANAGER: roles.HIRING_MANAGER, BENCH_INTERVIEWER: roles.INTERVIEWER}
# The bench interviewer's share of panels, and the bench manager's share of jobs.
BENCH_INTERVIEWER_SHARE = 0.01
BENCH_MANAGER_EVERY = 40

BATCH = 5000  # applications per transaction

FIRST = (
    "Amara Ben Chiara Dmitri Elena Farid Greta Hiro Ines Jonas Kofi Lena Mateo Nadia Oskar Priya "
    "Quentin Rosa Sven Tariq Uma Viktor Wen Ximena Yusuf Zoë Aoife Björn Çağla Đorđe"
).split()
LAST = (
    "Abara Berg Castillo Dubois Eriksen Fischer García Haddad Ivanova Jensen Kowalski Lindqvist "
    "Moreau Nakamura O'Brien Petrović Quinn Rossi Schmidt Tanaka Ueda Varga Weber Xu Yilmaz Zhang"
).split()
TIME_ZONES = ("Europe/London", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "")
TITLES = (
    "Backend Engineer",
    "Frontend Engineer",
    "Data Scientist",
    "Product Designer",
    "Site Reliability Engineer",
    "Engineering Manager",
    "Product Manager",
    "Security Engineer",
    "Support Specialist",
    "Technical Writer",
)
TEAMS = ("Platform", "Payments", "Growth", "Search", "Mobile", "Infrastructure", "Support")
STAGE_NAMES = (
    ("Resume review", 1),
    ("Phone screen", 1),
    ("Technical interview", 1),
    ("Take-home review", 1),
    ("Onsite", 3),
    ("Final", 1),
)
CRITERIA = (
    ("Problem solving", "Breaks the problem down and checks the answer against the question."),
    ("Communication", "Explains their reasoning so the interviewer can follow and push back."),
    ("Coding", "Writes correct, readable code and tests edge cases without prompting."),
    ("System design", "Names trade-offs and handles failure, load and growth."),
    ("Collaboration", "Builds on hints and explains disagreements calmly."),
    ("Ownership", "Gives concrete examples of seeing their work through."),
    ("Relevant experience", "Has done similar work, with their own part in it clear."),
)
OBSERVATIONS = (
    "When asked to design the rate limiter you used a fixed window and did not say how bursts at "
    "the window boundary are handled.",
    "Your solution passed the first examples but failed on an empty list, and you did not test it.",
    "You described the migration as a team effort but could not say which part you did yourself.",
    "When the interviewer suggested caching you agreed without discussing invalidation.",
    "You explained the algorithm clearly but did not estimate its running time when asked.",
)
SUGGESTIONS = (
    "Compare a sliding window or a token bucket and say which trade-off you would pick.",
    "Walk through the edge cases (empty input, one element, duplicates) before saying you are done.",
    "Pick one project and describe the decisions you made and what you would change now.",
    "Say when a cache would serve stale data and how you would bound that.",
    "State the complexity of your approach and whether it fits the input sizes given.",
)
SUMMARIES = (
    "Solid fundamentals, some gaps under pressure.",
    "Clear communicator; the design lacked failure handling.",
    "Strong on coding, weaker on trade-offs.",
    "Did not reach a working solution; good questions though.",
)
RECOMMENDATIONS = [r for r, _ in Scorecard.Recommendation.choices]
LETTER_STATES = (
    # status, weight
    (FeedbackLetter.Status.DRAFT, 10),
    (FeedbackLetter.Status.IN_REVIEW, 20),
    (FeedbackLetter.Status.SCHEDULED, 4),
    (FeedbackLetter.Status.SENT, 60),
    (FeedbackLetter.Status.FAILED, 2),
    (FeedbackLetter.Status.CANCELLED, 4),
)


@dataclass
class Counts:
    values: dict = field(default_factory=dict)

    def add(self, writers) -> None:
        for writer in writers:
            name = writer.model._meta.verbose_name_plural
            self.values[name] = self.values.get(name, 0) + writer.written


@functools.cache
def _password_hash() -> str:
    return make_password(PASSWORD)


@contextlib.contextmanager
def bulk_load():
    """On PostgreSQL, skip the per-row foreign key triggers while loading.

    The rows are generated consistent, and the deferred checks of a 5,000
    application batch otherwise take a third of the time. Needs a superuser
    (``session_replication_role``); without one the checks simply stay on.
    """
    replica = False
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")
            replica = True
        except DatabaseError:
            pass
    try:
        yield
    finally:
        if replica:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")


# --- Users and jobs (few rows: the ORM is fine) ---------------------------------------------------


def bench_users() -> dict[str, User]:
    """The named bench users, created once."""
    users = {}
    password = _password_hash()
    for username, role in BENCH_USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": username.split("_")[1].title(),
                "last_name": "Bench",
                "password": password,
            },
        )
        if created:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        users[username] = user
    return users


def _user_pool(prefix: str, role: str, count: int) -> list[int]:
    """At least *count* users named prefix_<i> with the role; their ids."""
    existing = list(
        User.objects.filter(username__startswith=f"{prefix}_").order_by("id").values_list("id", flat=True)
    )
    if len(existing) < count:
        password = _password_hash()
        start = len(existing)
        new = User.objects.bulk_create(
            [
                User(
                    username=f"{prefix}_{i}",
                    first_name=random.choice(FIRST),
                    last_name=random.choice(LAST),
                    email=f"{prefix}_{i}@staff.bench.example",
                    password=password,
                )
                for i in range(start, count)
            ]
        )
        new_ids = [u.pk for u in new]
        if None in new_ids:  # pragma: no cover - backends without RETURNING
            new_ids = list(
                User.objects.filter(username__in=[u.username for u in new]).values_list("id", flat=True)
            )
        group = Group.objects.get_or_create(name=role)[0]
        group.user_set.through.objects.bulk_create(
            [group.user_set.through(user_id=pk, group_id=group.pk) for pk in new_ids]
        )
        existing += new_ids
    return existing


@dataclass
class JobPlan:
    job_id: int
    manager_id: int
    cooldown_days: int
    stages: list  # [(stage_id, interviews_planned, [criterion_id, ...])]


def _jobs(rng: random.Random, count: int, manager_ids: list[int], bench_manager_id: int) -> list[JobPlan]:
    jobs = []
    for i in range(count):
        manager = bench_manager_id if i % BENCH_MANAGER_EVERY == 0 else rng.choice(manager_ids)
        jobs.append(
            Job(
                title=f"{rng.choice(TITLES)} ({rng.choice(TEAMS)})",
                team=rng.choice(TEAMS),
                description="Builds and runs the services our customers rely on.",
                status=Job.Status.OPEN if rng.random() < 0.8 else Job.Status.CLOSED,
                hiring_manager_id=manager,
            )
        )
    jobs = Job.objects.bulk_create(jobs)
    stages = []
    for job in jobs:
        for position, (name, planned) in enumerate(STAGE_NAMES[: rng.randint(3, 6)]):
            stages.append(Stage(job=job, name=name, position=position, interviews_planned=planned))
    stages = Stage.objects.bulk_create(stages)
    criteria = []
    for stage in stages:
        for position, (name, guidance) in enumerate(rng.sample(CRITERIA, rng.randint(2, 4))):
            criteria.append(Criterion(stage=stage, name=name, guidance=guidance, position=position))
    criteria = Criterion.objects.bulk_create(criteria)
    by_stage: dict[int, list[int]] = {}
    for criterion in criteria:
        by_stage.setdefault(criterion.stage_id, []).append(criterion.pk)
    by_job: dict[int, list] = {}
    for stage in stages:
        by_job.setdefault(stage.job_id, []).append((stage.pk, stage.interviews_planned, by_stage[stage.pk]))
    return [
        JobPlan(
            job_id=j.pk,
            manager_id=j.hiring_manager_id,
            cooldown_days=j.reapply_cooldown_days,
            stages=by_job[j.pk],
        )
        for j in jobs
    ]


# --- Applications -------------------------------------------------------------------------------


class Seeder:
    """Writes one batch of applications and everything hanging off them per transaction."""

    def __init__(self, *, seed: int, now: dt.datetime):
        self.rng = random.Random(seed)
        self.now = now
        self.made = 0
        self.ids = {
            m: IdBlock(m)
            for m in (
                Candidate,
                Application,
                Interview,
                Scorecard,
                Rating,
                Decision,
                FeedbackPoint,
                FeedbackLetter,
            )
        }
        self.ids[ReapplyReminder] = IdBlock(ReapplyReminder)
        # The organisation's default template (one default per language since issue 16).
        self.template_id = getattr(default_template(), "id", None)
        self.candidates = TableWriter(
            Candidate,
            [
                "id",
                "name",
                "preferred_name",
                "email",
                "email_key",
                "phone",
                "time_zone",
                "language",
                "consent_given_at",
                "unsubscribed_at",
                "erased_at",
                "last_activity_at",
                "created_at",
                "updated_at",
            ],
        )
        self.applications = TableWriter(
            Application,
            [
                "id",
                "candidate_id",
                "job_id",
                "status",
                "current_stage_id",
                "previous_id",
                "source",
                "created_at",
                "updated_at",
                "closed_at",
            ],
        )
        self.interviews = TableWriter(
            Interview,
            [
                "id",
                "application_id",
                "stage_id",
                "interviewer_id",
                "scheduled_at",
                "panel_override_reason",
                "created_at",
            ],
        )
        self.scorecards = TableWriter(
            Scorecard,
            ["id", "interview_id", "status", "recommendation", "summary", "submitted_at", "updated_at"],
        )
        self.ratings = TableWriter(
            Rating, ["id", "scorecard_id", "criterion_id", "score", "evidence", "shareable_note"]
        )
        self.decisions = TableWriter(
            Decision,
            [
                "id",
                "application_id",
                "stage_id",
                "outcome",
                "decided_by_id",
                "decided_at",
                "withdrawn_at",
                "withdrawn_by_id",
            ],
        )
        self.points = TableWriter(
            FeedbackPoint, ["id", "decision_id", "criterion_id", "observation", "suggestion", "position"]
        )
        self.letters = TableWriter(
            FeedbackLetter,
            [
                "id",
                "public_id",
                "decision_id",
                "application_id",
                "template_id",
                "status",
                "subject",
                "body",
                "deadline",
                "approved_by_id",
                "approved_at",
                "override_reason",
                "created_at",
                "updated_at",
                # The reapply date an approved letter promised (fixed at approval).
                "reapply_on",
                # The quality check's stored result: empty (not checked), written explicitly since
                # COPY applies no Django defaults; letters_store_findings() fills it in below.
                "check_key",
                "check_blocking",
                "check_advisory",
                "check_not_checked",
                *DELIVERY_COLUMNS,
            ],
        )
        self.reminders = TableWriter(
            ReapplyReminder,
            [
                "id",
                "application_id",
                "candidate_id",
                "status",
                "opted_in_at",
                "created_at",
                *DELIVERY_COLUMNS,
            ],
        )
        self.writers = [
            self.candidates,
            self.applications,
            self.interviews,
            self.scorecards,
            self.ratings,
            self.decisions,
            self.points,
            self.letters,
            self.reminders,
        ]

    def flush(self) -> None:
        for writer in self.writers:
            writer.flush()

    # Rows -------------------------------------------------------------------------------------

    def candidate(self, created: dt.datetime) -> int:
        rng = self.rng
        pk = self.ids[Candidate].take()
        self.candidates.add(
            (
                pk,
                f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "",
                f"candidate{pk}@bench.example",
                # candidates.emails.normalise_email of the address above (already lower-case ASCII).
                f"candidate{pk}@bench.example",
                "",
                rng.choice(TIME_ZONES),
                settings.LANGUAGE_CODE,
                created,
                created + dt.timedelta(days=30) if rng.random() < 0.02 else None,
                None,
                created,
                created,
                created,
            )
        )
        return pk

    def application(self, job: JobPlan, ctx: "BatchContext") -> None:
        rng, now = self.rng, self.now
        created = now - dt.timedelta(days=rng.uniform(0, 365), seconds=rng.randint(0, 86400))
        previous = None
        if ctx.rejected and rng.random() < 0.03:
            previous_id, candidate_id, previous_closed = ctx.rejected.pop()
            created = max(created, previous_closed + dt.timedelta(days=1))
            if created > now:
                created = now - dt.timedelta(minutes=rng.randint(1, 600))
            previous = previous_id
        else:
            candidate_id = self.candidate(created)
        app_id = self.ids[Application].take()
        stages = job.stages
        # How far it got: most applications stop early.
        reached = min(len(stages), 1 + int(rng.expovariate(0.8)))
        roll = rng.random()
        if roll < 0.5:
            outcome = "active"
        elif roll < 0.88:
            outcome = "rejected"
        elif roll < 0.93:
            outcome = "hired"
            reached = len(stages)
        else:
            outcome = "withdrawn"
        # Every 100th application (the first one of each run too) has the bench interviewer.
        bench_stage = reached - 1 if self.made % round(1 / BENCH_INTERVIEWER_SHARE) == 0 else None
        self.made += 1
        t = created
        decided_at = None
        for index in range(reached):
            stage_id, planned, criteria = stages[index]
            t = t + dt.timedelta(days=rng.uniform(2, 9))
            current = index == reached - 1
            panel = rng.sample(ctx.interviewer_ids, min(planned, len(ctx.interviewer_ids)))
            if bench_stage == index and ctx.bench_interviewer_id not in panel:
                panel[0] = ctx.bench_interviewer_id
            # The current stage of an open application is still being interviewed.
            in_progress = current and outcome == "active"
            if not in_progress and t > now:
                t = now - dt.timedelta(minutes=rng.randint(5, 600))
            for interviewer in panel:
                when = t + dt.timedelta(hours=rng.randint(0, 8))
                if in_progress:
                    when = now + dt.timedelta(days=rng.uniform(-10, 14))
                interview_id = self.ids[Interview].take()
                self.interviews.add((interview_id, app_id, stage_id, interviewer, when, "", created))
                if in_progress:
                    if when < now and rng.random() < 0.5:
                        self.scorecard(interview_id, criteria, when, submitted=rng.random() < 0.5)
                elif outcome != "withdrawn" or not current or rng.random() < 0.5:
                    self.scorecard(interview_id, criteria, when, submitted=True)
            if not current:
                decided_at = min(t + dt.timedelta(days=1), now)
                self.decision(app_id, stage_id, "advance", job.manager_id, decided_at)
        closed_at = None
        if outcome != "active":
            closed_at = min(t + dt.timedelta(days=rng.uniform(1, 4)), now)
        stage_id, _, criteria = stages[reached - 1]
        if outcome == "hired":
            self.decision(app_id, stage_id, "hire", job.manager_id, closed_at)
        elif outcome == "rejected":
            reached_criteria = [c for s in stages[:reached] for c in s[2]]
            decision_id = self.decision(app_id, stage_id, "no_hire", job.manager_id, closed_at)
            for position in range(rng.randint(1, 3)):
                self.points.add(
                    (
                        self.ids[FeedbackPoint].take(),
                        decision_id,
                        rng.choice(reached_criteria),
                        rng.choice(OBSERVATIONS),
                        rng.choice(SUGGESTIONS),
                        position,
                    )
                )
            letter_status = self.letter(decision_id, app_id, closed_at, ctx)
            if letter_status == FeedbackLetter.Status.SENT:
                ctx.rejected.append((app_id, candidate_id, closed_at))
                if rng.random() < 0.25:
                    self.reminder_for(app_id, candidate_id, closed_at, job.cooldown_days)
        self.applications.add(
            (
                app_id,
                candidate_id,
                job.job_id,
                outcome,
                stage_id,
                previous,
                Application.Source.REAPPLY if previous else Application.Source.HR,
                created,
                closed_at or t,
                closed_at,
            )
        )

    def scorecard(
        self, interview_id: int, criteria: list[int], when: dt.datetime, *, submitted: bool
    ) -> None:
        rng = self.rng
        pk = self.ids[Scorecard].take()
        submitted_at = min(when + dt.timedelta(hours=rng.uniform(1, 48)), self.now) if submitted else None
        self.scorecards.add(
            (
                pk,
                interview_id,
                Scorecard.Status.SUBMITTED if submitted else Scorecard.Status.DRAFT,
                rng.choice(RECOMMENDATIONS) if submitted else "",
                rng.choice(SUMMARIES),
                submitted_at,
                submitted_at or when,
            )
        )
        for criterion in criteria:
            score = rng.randint(1, 4) if submitted or rng.random() < 0.5 else None
            self.ratings.add(
                (
                    self.ids[Rating].take(),
                    pk,
                    criterion,
                    score,
                    rng.choice(OBSERVATIONS),
                    rng.choice(SUGGESTIONS) if score and score <= 2 else "",
                )
            )

    def decision(self, app_id: int, stage_id: int, outcome: str, by: int, at: dt.datetime) -> int:
        pk = self.ids[Decision].take()
        self.decisions.add((pk, app_id, stage_id, outcome, by, at, None, None))
        return pk

    def letter(self, decision_id: int, app_id: int, decided_at: dt.datetime, ctx: "BatchContext") -> str:
        rng, now = self.rng, self.now
        status = rng.choices([s for s, _ in LETTER_STATES], weights=[w for _, w in LETTER_STATES])[0]
        public_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        subject = "Your application: our feedback"
        body = (
            "Thank you for the time you spent with us. We decided not to move forward, and we want "
            "to tell you why, specifically.\n\n"
            + "\n\n".join(rng.sample(OBSERVATIONS, 2))
            + "\n\nWhat would have been stronger:\n\n"
            + "\n\n".join(rng.sample(SUGGESTIONS, 2))
        )
        approved_by = approved_at = send_after = sent_at = None
        message_id = sent_subject = sent_text = last_error = ""
        attempts = 0
        if status in (
            FeedbackLetter.Status.SCHEDULED,
            FeedbackLetter.Status.SENT,
            FeedbackLetter.Status.FAILED,
        ):
            approved_by = ctx.hr_id
            approved_at = min(decided_at + dt.timedelta(days=rng.uniform(0.5, 3)), now)
            send_after = approved_at + dt.timedelta(hours=12)
            message_id = f"<letter-{public_id}@candor.example>"
        if status == FeedbackLetter.Status.SCHEDULED:
            # Approved, and due in the coming days (never now: the sending bench controls what is due).
            send_after = now + dt.timedelta(days=rng.uniform(0.5, 3))
        elif status == FeedbackLetter.Status.SENT:
            sent_at = min(send_after, now)
            attempts = 1
            sent_subject, sent_text = subject, body
        elif status == FeedbackLetter.Status.FAILED:
            attempts = 5
            last_error = "550 5.1.1 mailbox unavailable"
        self.letters.add(
            (
                self.ids[FeedbackLetter].take(),
                public_id,
                decision_id,
                app_id,
                self.template_id,
                status,
                subject,
                body,
                decided_at + dt.timedelta(days=7),
                approved_by,
                approved_at,
                "",
                decided_at,
                approved_at or decided_at,
                (decided_at + dt.timedelta(days=182)).date() if approved_at else None,
                "",
                None,
                None,
                "",
                # Delivery columns.
                send_after,
                None,
                attempts,
                last_error,
                sent_at,
                message_id,
                sent_subject,
                sent_text,
                "",
                None,
                None,
                None,
            )
        )
        return status

    def reminder_for(
        self, app_id: int, candidate_id: int, closed_at: dt.datetime, cooldown_days: int
    ) -> None:
        due = closed_at + dt.timedelta(days=cooldown_days)
        if due <= self.now:
            self.reminder(app_id, candidate_id, DeliveryStatus.SENT, due, closed_at)
        else:
            self.reminder(app_id, candidate_id, DeliveryStatus.SCHEDULED, due, closed_at)

    def reminder(self, app_id: int, candidate_id: int, status: str, send_after, opted_in_at) -> None:
        pk = self.ids[ReapplyReminder].take()
        sent = status == DeliveryStatus.SENT
        self.reminders.add(
            (
                pk,
                app_id,
                candidate_id,
                status,
                opted_in_at,
                opted_in_at,
                send_after,
                None,
                1 if sent else 0,
                "",
                send_after if sent else None,
                f"<reminder-{pk}@candor.example>" if sent else "",
                "You can apply again" if sent else "",
                "You asked us to tell you when you could apply again." if sent else "",
                "",
                None,
                None,
                None,
            )
        )


DELIVERY_COLUMNS = (
    "send_after",
    "claimed_until",
    "attempts",
    "last_error",
    "sent_at",
    "message_id",
    "sent_subject",
    "sent_text",
    "sent_html",
    # The outbox's stored message and its run of temporary failures: none in the seed.
    "sent_raw",
    "sent_envelope",
    "failing_since",
)


@dataclass
class BatchContext:
    interviewer_ids: list[int]
    bench_interviewer_id: int
    hr_id: int
    rejected: list = field(default_factory=list)  # (application, candidate, closed_at) open to reapplication


def _all_models():
    return (
        Candidate,
        Application,
        Interview,
        Scorecard,
        Rating,
        Decision,
        FeedbackPoint,
        FeedbackLetter,
        ReapplyReminder,
    )


def seed_applications(n: int, *, seed: int = 1, progress=None) -> dict:
    """Add *n* applications with everything around them. Returns counts of rows written."""
    if n <= 0:
        return {}
    users = bench_users()
    rng = random.Random(seed)
    interviewer_ids = _user_pool("bench_interviewer", roles.INTERVIEWER, max(6, min(2000, n // 250)))
    job_count = max(2, n // 400)
    manager_ids = _user_pool("bench_manager", roles.HIRING_MANAGER, max(2, job_count // 4))
    with transaction.atomic():
        jobs = _jobs(rng, job_count, manager_ids, users[BENCH_MANAGER].pk)
    seeder = Seeder(seed=seed, now=timezone.now())
    ctx = BatchContext(
        interviewer_ids=interviewer_ids,
        bench_interviewer_id=users[BENCH_INTERVIEWER].pk,
        hr_id=users[BENCH_HR].pk,
    )
    counts = Counts()
    done = 0
    with bulk_load():
        while done < n:
            size = min(BATCH, n - done)
            with transaction.atomic():
                for _ in range(size):
                    seeder.application(seeder.rng.choice(jobs), ctx)
                seeder.flush()
            done += size
            if progress:
                progress(done, n)
    reset_sequences(_all_models())
    # As drafting does: the quality check's result stored (keyed by the content) on each letter
    # still to approve.
    from feedback.letters.findings import letters_store_findings

    letters_store_findings()
    counts.add(seeder.writers)
    counts.values["jobs"] = job_count
    return counts.values


def seed_reminders(m: int, *, due_fraction: float = 0.01, seed: int = 2, progress=None) -> dict:
    """Add *m* reminders on bare rejected applications; ``due_fraction`` of them due now."""
    if m <= 0:
        return {}
    users = bench_users()
    rng = random.Random(seed)
    with transaction.atomic():
        job = _jobs(rng, 1, [users[BENCH_MANAGER].pk], users[BENCH_MANAGER].pk)[0]
    stage_id = job.stages[0][0]
    seeder = Seeder(seed=seed, now=timezone.now())
    now = seeder.now
    due_count = round(m * due_fraction)
    done = 0
    with bulk_load():
        while done < m:
            size = min(BATCH * 4, m - done)
            with transaction.atomic():
                for i in range(done, done + size):
                    closed = now - dt.timedelta(days=rng.uniform(1, 360))
                    candidate_id = seeder.candidate(closed)
                    app_id = seeder.ids[Application].take()
                    seeder.applications.add(
                        (
                            app_id,
                            candidate_id,
                            job.job_id,
                            "rejected",
                            stage_id,
                            None,
                            "hr",
                            closed,
                            closed,
                            closed,
                        )
                    )
                    if i < due_count:
                        status, send_after = (
                            DeliveryStatus.SCHEDULED,
                            now - dt.timedelta(minutes=rng.uniform(1, 600)),
                        )
                    else:
                        roll = rng.random()
                        if roll < 0.75:
                            status, send_after = (
                                DeliveryStatus.SCHEDULED,
                                now + dt.timedelta(days=rng.uniform(1, 180)),
                            )
                        elif roll < 0.95:
                            status, send_after = (
                                DeliveryStatus.SENT,
                                now - dt.timedelta(days=rng.uniform(1, 180)),
                            )
                        else:
                            status, send_after = (
                                DeliveryStatus.CANCELLED,
                                now + dt.timedelta(days=rng.uniform(1, 180)),
                            )
                    seeder.reminder(app_id, candidate_id, status, send_after, closed)
                seeder.flush()
            done += size
            if progress:
                progress(done, m)
    reset_sequences(_all_models())
    counts = Counts()
    counts.add(seeder.writers)
    counts.values["due reminders"] = due_count
    return counts.values


def analyze() -> None:
    """Fresh planner statistics after bulk loads (PostgreSQL only)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
