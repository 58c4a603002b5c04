"""`make demo`'s pieces: the seed command, and the demo launcher serving its login page."""

import datetime as dt
import email
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from email import policy
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from candidates.models import Candidate
from config.demo import demo_base_url, demo_listen_address, demo_url
from core.dates import is_business_day, org_tz
from feedback.insights.selectors import hr_home_figures, insight_figures
from feedback.letters.progress import application_progress
from feedback.models import FeedbackLetter, ReapplyReminder
from feedback.portal.selectors import reapply_is_open
from feedback.portal.services import reminder_opt_in
from hiring.models import Application, Decision, FeedbackPoint, Interview, Job, Rating, Scorecard

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_seed_demo_creates_every_role_and_a_realistic_pipeline():
    call_command("seed_demo")
    User = get_user_model()
    for username in ("hr", "manager", "alice", "bob"):
        assert User.objects.get(username=username).check_password("candor-demo")
    assert Job.objects.count() >= 3
    assert Candidate.objects.count() == 50
    statuses = set(Application.objects.values_list("status", flat=True))
    assert {"active", "rejected"} <= statuses
    assert FeedbackLetter.objects.filter(body__icontains="other candidates").exists()


@pytest.mark.django_db
def test_seed_demo_twice_reuses_what_exists():
    call_command("seed_demo")
    counts = (Candidate.objects.count(), Application.objects.count(), FeedbackLetter.objects.count())
    call_command("seed_demo")
    assert counts == (Candidate.objects.count(), Application.objects.count(), FeedbackLetter.objects.count())


@pytest.mark.django_db
def test_seed_demo_prints_the_page_of_every_letter_it_sent_and_counts_the_scheduled_one():
    """It said it printed the links of the letters it sent, and printed 3 of the 4."""
    from feedback.links import read_token

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    printed = {read_token("letter", token) for token in re.findall(r"/c/([^/\s]+)/", text)}
    sent = set(
        FeedbackLetter.objects.filter(status=FeedbackLetter.Status.SENT).values_list("public_id", flat=True)
    )
    assert len(sent) == 4
    assert printed == sent
    assert "Candidate pages of the 4 letters sent so far (what each email links to):" in text
    assert "1 more letter is scheduled, not listed: the worker sends it at its send time." in text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_launcher_serves_the_login_page_with_a_worker_and_beat(tmp_path):
    """`make demo` on another port: migrate, seed (its links and emails), then the launcher."""
    port = _free_port()
    mail = tmp_path / "mail"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "CANDOR_BASE_URL", "CANDOR_DEMO_HOST")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        CANDOR_DEMO_PORT=str(port),
        EMAIL_URL=f"filemail:///{mail}",
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    seed = subprocess.run(
        [*manage, "seed_demo"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    # Every printed and emailed link goes to the port the demo listens on (issue 12).
    base = f"http://127.0.0.1:{port}/"
    printed = re.findall(r"https?://\S+", seed.stdout)
    assert printed and all(link.startswith(base) for link in printed), seed.stdout
    mailed = _mailed_texts(mail)
    assert len(mailed) >= 4, "the seed sends letters at once"
    links = [link for text in mailed for link in re.findall(r"https?://[^\s\"'<>]+", text)]
    assert links and all(link.startswith(base) for link in links), {link.split("/c/")[0] for link in links}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "run_demo.py")],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        banner = ""
        while "Press Ctrl-C" not in banner and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            banner += line
        assert "Press Ctrl-C" in banner, banner
        assert "hr" in banner and "candor-demo" in banner
        assert f"Candor is running at {base}" in banner
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=10) as response:  # noqa: S310 # nosec B310
            assert response.status == 200
            assert b"Log in to Candor" in response.read()
        time.sleep(2)
        assert proc.poll() is None, "a demo process exited early"
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "stopped" in output


# --- Demo data a hiring manager would find coherent (issue 12) --------------------------------
# One seed (a few seconds) is checked against every rule; each check says which rule failed.


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(org_tz())


def _in_working_hours(moment: dt.datetime) -> bool:
    local = _local(moment)
    return is_business_day(local.date()) and dt.time(8, 0) <= local.time() <= dt.time(18, 0)


def _check_events_in_order_on_working_days(now):
    """Job opened < application opened < interviews < their scorecards (same day) < the stage's
    decision < the next stage's interviews; letters after decisions; all on working days, in
    working hours; only upcoming interviews in the future, without a scorecard."""
    applications = Application.objects.select_related("job", "candidate").prefetch_related(
        "interviews__scorecard", "interviews__stage", "decisions__stage", "letters__decision"
    )
    for application in applications:
        opened = application.created_at
        assert application.job.created_at < opened <= now, f"opened before its job: {application}"
        assert application.candidate.consent_given_at <= opened, f"consent after opening: {application}"
        assert _in_working_hours(opened), f"opened out of hours: {application} {_local(opened)}"
        decisions = sorted(application.decisions.all(), key=lambda d: d.stage.position)
        assert [d.decided_at for d in decisions] == sorted(d.decided_at for d in decisions), (
            f"stages decided out of order: {application}"
        )
        decided = {d.stage_id: d for d in decisions}
        for decision in decisions:
            assert opened < decision.decided_at <= now, f"decision out of range: {application}"
            assert _in_working_hours(decision.decided_at), f"decided out of hours: {application}"
        for interview in application.interviews.all():
            start = interview.scheduled_at
            assert opened < start, f"interview before the application: {application}"
            assert _in_working_hours(start), f"interview out of hours: {application} {_local(start)}"
            assert interview.created_at <= start, f"interview booked after it was held: {application}"
            for decision in decisions:
                if decision.stage.position < interview.stage.position:
                    assert decision.decided_at < start, f"next stage before the decision: {application}"
            own = decided.get(interview.stage_id)
            if own:
                assert start < own.decided_at, f"decided before an interview of the stage: {application}"
            scorecard = getattr(interview, "scorecard", None)
            if start > now:
                assert scorecard is None, f"an interview still to come has a scorecard: {application}"
            elif scorecard is not None and scorecard.status == Scorecard.Status.SUBMITTED:
                assert start < scorecard.submitted_at <= now, f"scorecard before its interview: {application}"
                assert _local(scorecard.submitted_at).date() == _local(start).date()
                if own:
                    assert scorecard.submitted_at < own.decided_at, (
                        f"decided before a scorecard: {application}"
                    )
        final = [d for d in decisions if d.is_final]
        if final:
            assert application.closed_at == final[0].decided_at, f"closed at another time: {application}"
        for letter in application.letters.all():
            assert letter.created_at >= letter.decision.decided_at, f"letter before decision: {application}"
            if letter.sent_at:
                assert letter.sent_at > letter.decision.decided_at
    days = {_local(at).date() for at in Interview.objects.values_list("scheduled_at", flat=True)}
    assert days and all(day.weekday() < 5 and is_business_day(day) for day in days), sorted(days)


def _check_points_under_their_criterion():
    """Each point names a criterion of the decision's stage (so of the job), once per decision,
    and repeats the decider's own low rating of it: what the decision form proposes."""
    points = FeedbackPoint.objects.select_related(
        "criterion__stage", "decision__stage", "decision__application"
    )
    assert points.count() >= 10
    for point in points:
        decision = point.decision
        assert point.criterion.stage_id == decision.stage_id, f"point under another stage: {point}"
        assert point.criterion.stage.job_id == decision.application.job_id, f"point of another job: {point}"
        assert Rating.objects.filter(
            scorecard__interview__application=decision.application,
            scorecard__interview__interviewer=decision.decided_by,
            criterion=point.criterion,
            score__lte=2,
            evidence=point.observation,
            shareable_note=point.suggestion,
        ).exists(), f"point not on the decider's scorecard: {point}"
    for decision in Decision.objects.filter(outcome=Decision.Outcome.NO_HIRE).prefetch_related("points"):
        criteria = [p.criterion_id for p in decision.points.all()]
        assert criteria and len(set(criteria)) == len(criteria), f"points of {decision}"


def _check_texts_belong_to_one_criterion():
    """No observation, suggestion or evidence appears under two criteria; every rating is of a
    criterion of its interview's stage; no design letter talks about rate limiters."""
    criteria_of_text = defaultdict(set)
    for criterion_id, observation, suggestion in FeedbackPoint.objects.values_list(
        "criterion_id", "observation", "suggestion"
    ):
        criteria_of_text[observation].add(criterion_id)
        criteria_of_text[suggestion].add(criterion_id)
    for criterion_id, evidence, note in Rating.objects.values_list(
        "criterion_id", "evidence", "shareable_note"
    ):
        criteria_of_text[evidence].add(criterion_id)
        if note:
            criteria_of_text[note].add(criterion_id)
    shared = {text: ids for text, ids in criteria_of_text.items() if len(ids) > 1}
    assert not shared, f"the same text under several criteria: {shared}"
    for rating in Rating.objects.select_related("criterion", "scorecard__interview"):
        assert rating.criterion.stage_id == rating.scorecard.interview.stage_id, (
            f"rating of another stage: {rating}"
        )
    for letter in FeedbackLetter.objects.filter(application__job__title="Product Designer"):
        assert "rate limiter" not in letter.body.lower()


N_OF_THE_M = re.compile(r"(\d+) of the (\d+)")


def _check_letters_read_sensibly():
    """Each letter has its progress sentence, with a count only for part of a stage ("2 of the
    4", never "2 of the 2" or "0 of the 4"), and names the criterion of each of its points."""
    letters = FeedbackLetter.objects.select_related("decision__stage", "decision__application__job")
    assert letters.count() >= 8
    for letter in letters:
        sentence = application_progress(decision=letter.decision).sentence
        assert sentence in letter.body, letter
        for done, planned in N_OF_THE_M.findall(letter.body):
            assert 0 < int(done) < int(planned), sentence
        for point in letter.decision.points.select_related("criterion"):
            assert point.criterion.name in letter.body
    # The demo shows a whole multi-interview stage in words too.
    assert re.search(r"completed (both|all \d+) ", " ".join(letters.values_list("body", flat=True)))


def _check_alice_has_scorecards_to_write(now):
    """The README's first step: interviews alice held on the last working days wait for her."""
    alice = get_user_model().objects.get(username="alice")
    waiting = Interview.objects.filter(interviewer=alice, scheduled_at__lt=now, scorecard__isnull=True)
    assert waiting.count() >= 3
    for interview in waiting.select_related("application"):
        assert interview.application.status == Application.Status.ACTIVE
        assert interview.application.current_stage_id == interview.stage_id


@pytest.mark.django_db
def test_seed_demo_data_is_coherent_to_a_hiring_manager():
    call_command("seed_demo", stdout=io.StringIO())
    now = timezone.now()
    _check_events_in_order_on_working_days(now)
    _check_points_under_their_criterion()
    _check_texts_belong_to_one_criterion()
    _check_letters_read_sensibly()
    _check_alice_has_scorecards_to_write(now)


# --- reminders_due moves reminders, never decisions (issue 12) ---------------------------------


def _figures(now):
    return hr_home_figures(now=now), insight_figures(now=now)


@pytest.mark.django_db
def test_reminders_due_moves_reminders_and_reapply_dates_never_decisions_or_the_dashboard(settings):
    call_command("seed_demo", stdout=io.StringIO())
    sent = list(FeedbackLetter.objects.filter(status=FeedbackLetter.Status.SENT))
    assert len(sent) >= 2
    for letter in sent:
        reminder_opt_in(letter=letter)
        assert not reapply_is_open(letter)
    now = timezone.now()
    decided = dict(Decision.objects.values_list("pk", "decided_at"))
    deadlines = dict(FeedbackLetter.objects.values_list("pk", "deadline"))
    promised = dict(FeedbackLetter.objects.values_list("pk", "reapply_on"))
    figures = _figures(now)

    # Without --open-reapply: the reminder is due now, the promised date stays.
    first = sent[0]
    call_command("reminders_due", "--letter", str(first.public_id), stdout=io.StringIO())
    assert ReapplyReminder.objects.get(application=first.application).send_after <= timezone.now()
    assert dict(FeedbackLetter.objects.values_list("pk", "reapply_on")) == promised

    settings.DEBUG = True
    out = io.StringIO()
    call_command("reminders_due", "--all", "--open-reapply", stdout=out)

    assert f"{len(sent)} reminder(s) due now" in out.getvalue()
    assert dict(Decision.objects.values_list("pk", "decided_at")) == decided
    assert dict(FeedbackLetter.objects.values_list("pk", "deadline")) == deadlines
    assert _figures(now) == figures
    assert all(r.send_after <= timezone.now() for r in ReapplyReminder.objects.all())
    for letter in FeedbackLetter.objects.filter(pk__in=[letter.pk for letter in sent]):
        assert reapply_is_open(letter), letter


# --- Every link uses the demo's real address (issue 12) ---------------------------------------


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({}, "http://127.0.0.1:8000"),
        ({"CANDOR_DEMO_PORT": "8765"}, "http://127.0.0.1:8765"),
        ({"CANDOR_DEMO_HOST": "0.0.0.0", "CANDOR_DEMO_PORT": "9000"}, "http://127.0.0.1:9000"),  # nosec B104
        ({"CANDOR_DEMO_HOST": "::1", "CANDOR_DEMO_PORT": "9000"}, "http://[::1]:9000"),
        # .env.example's CANDOR_BASE_URL names this machine on 8000: the demo's port wins.
        ({"CANDOR_BASE_URL": "http://localhost:8000", "CANDOR_DEMO_PORT": "8765"}, "http://127.0.0.1:8765"),
        # A tunnel or proxy in front of the demo is kept.
        (
            {"CANDOR_BASE_URL": "https://demo.example.com/", "CANDOR_DEMO_PORT": "8765"},
            "https://demo.example.com",
        ),
    ],
)
def test_demo_links_use_the_address_the_demo_listens_on(environ, expected):
    assert demo_base_url(environ) == expected


def test_demo_port_that_is_not_a_number_is_refused_with_its_name():
    with pytest.raises(ValueError, match="CANDOR_DEMO_PORT"):
        demo_listen_address({"CANDOR_DEMO_PORT": "eighty"})
    assert demo_url({"CANDOR_DEMO_PORT": " 8001 "}) == "http://127.0.0.1:8001"


def _mailed_texts(folder: Path) -> list[str]:
    """The text and HTML parts of every message the file email backend wrote to ``folder``."""
    texts = []
    for path in sorted(folder.glob("*.log")):
        for raw in path.read_bytes().split(b"-" * 79):
            if not raw.strip():
                continue
            message = email.message_from_bytes(raw.strip(), policy=policy.default)
            texts.append(str(message["List-Unsubscribe"] or ""))
            for part in message.walk():
                if part.get_content_type() in ("text/plain", "text/html"):
                    texts.append(part.get_content())
    return texts
