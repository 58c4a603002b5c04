"""The smoke run of `make bench`: the same code at tiny sizes, so the harness cannot rot.

Nothing here asserts a timing: the bench measures, it never fails on speed.
"""

import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from devtools.bench import quality, seed
from devtools.bench.runner import Bench, Sizes
from feedback.models import FeedbackLetter, ReapplyReminder
from hiring.models import Application, Decision, Interview, Scorecard

pytestmark = pytest.mark.bench


@pytest.mark.django_db
def test_seed_scale_writes_applications_at_every_stage_with_letters_and_reminders():
    call_command(
        "seed_scale", "--applications", "120", "--reminders", "50", "--due-fraction", "0.1", "--seed", "3"
    )

    assert Application.objects.count() == 120 + 50
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == {"active", "rejected", "hired", "withdrawn"}
    assert Interview.objects.filter(interviewer__username=seed.BENCH_INTERVIEWER).exists()
    assert Scorecard.objects.filter(status=Scorecard.Status.SUBMITTED, ratings__isnull=False).exists()
    no_hires = Decision.objects.filter(outcome=Decision.Outcome.NO_HIRE)
    assert no_hires.count() == FeedbackLetter.objects.count() > 0
    assert not no_hires.filter(points__isnull=True).exists()
    assert FeedbackLetter.objects.filter(status=FeedbackLetter.Status.IN_REVIEW).exists()
    assert ReapplyReminder.objects.filter(application__job__title__isnull=False).count() >= 50
    due = ReapplyReminder.objects.filter(status="scheduled", send_after__lte=seed.timezone.now())
    assert due.count() == 5


@pytest.mark.django_db
def test_seed_scale_adds_to_what_is_there():
    call_command("seed_scale", "--applications", "30")
    call_command("seed_scale", "--applications", "30", "--seed", "9")

    assert Application.objects.count() == 60
    # The application and candidate ids chosen up front did not collide.
    assert Application.objects.values("candidate").distinct().count() <= 60


@pytest.mark.django_db(transaction=True)
def test_bench_harness_produces_the_table_at_tiny_sizes(live_server, settings, tmp_path):
    """Seeding, query counts, page latencies (Python load generator), bulk approval, reminder sweep."""
    settings.ROOT_URLCONF = "devtools.urls"
    t0 = time.monotonic()
    bench = Bench(
        sizes=Sizes.smoke(),
        workdir=tmp_path,
        redis_url=settings.CELERY_BROKER_URL,
        log=lambda line: print(f"{time.monotonic() - t0:6.1f} {line}"),
        tool="python",
        base_url=live_server.url,
    )

    sections = bench.run(phases=("pages", "bulk", "reminders"), migrate=False)
    text = bench.text()
    doc = bench.markdown(command="manage.py bench --small", setup=["smoke"])

    assert [s.title.split(" (")[0] for s in sections] == [
        "Pages",
        "Bulk approval",
        "Sending",
        "Reminder sweep",
    ]
    for title in ("Interviewer home", "Application page", "HR letter queue", "HR home", "Candidate page"):
        assert f"{title}: p95" in text
    counts = bench.data["query_counts"]["large"]
    assert all(c.get("status") == 200 for c in counts.values()), counts
    assert bench.data["bulk"]["approved"] == Sizes.smoke().letters
    assert bench.data["reminders"]["large"]["due"] == Sizes.smoke().reminders_due
    assert "| Measure | Figure | Baseline | Ratio | Target | Met |" in doc
    assert "## Machine" in doc and "cores (nproc)" in doc
    assert (tmp_path / "results.json").exists()


def test_quality_phase_runs_alone_without_a_database_and_appends_its_section(tmp_path):
    """`manage.py bench --only quality --small`: no database (no django_db mark), tiny sizes."""
    output = tmp_path / "benchmarks.md"
    output.write_text("# Benchmarks\n\nEarlier runs.\n")
    out = io.StringIO()

    call_command(
        "bench",
        "--only",
        "quality",
        "--small",
        "--output",
        str(output),
        "--workdir",
        str(tmp_path),
        stdout=out,
    )

    doc = output.read_text()
    assert doc.startswith("# Benchmarks\n\nEarlier runs.\n\n## Quality check (issue 11)\n")
    assert "### Quality check (letters of 2,000 characters)" in doc
    assert re.search(
        r"\| One letter, the whole check: p95 [^|]*\| [\d.]+ ms \| [\d.]+ ms \| [\d.]+× \| ≤ 20 ms \|", doc
    )
    assert re.search(r"\| 30 letters in bulk, the whole check [^|]*\| [\d.]+ s \| [\d.]+ s \|", doc)
    assert "Model load and verification" in doc
    assert "| Measure | Figure | Baseline | Ratio | Target | Met |" in out.getvalue()
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["quality"]["single"]["runs"] == Sizes.smoke().quality_runs
    assert results["quality"]["bulk"]["letters"] == Sizes.smoke().quality_letters


def test_bench_letters_are_the_same_for_a_seed_and_about_2000_characters():
    letters = quality.make_letters(40, seed=5)

    assert letters == quality.make_letters(40, seed=5)
    assert letters != quality.make_letters(40, seed=6)
    assert all(1_800 <= len(text) <= 2_000 for text in letters)
    assert all(text.startswith("Dear ") and "Kind regards," in text for text in letters)


def test_bench_refuses_an_unknown_phase():
    with pytest.raises(ValueError, match="unknown bench phases"):
        Bench(sizes=Sizes.smoke(), workdir=Path("/nonexistent"), redis_url="").run(phases=("qualiti",))


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_bench_refuses_sqlite_with_a_clear_message(settings):
    settings.DATABASES = {**settings.DATABASES, "default": {**settings.DATABASES["default"]}}
    settings.DATABASES["default"]["ENGINE"] = "django.db.backends.sqlite3"

    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("bench")


@pytest.mark.services
def test_make_bench_runs_end_to_end_at_tiny_sizes(tmp_path):
    """`manage.py bench --small`: its own database, gunicorn, a Celery worker, the SMTP sink."""
    from tests.support.workers import worker_database_url

    output = tmp_path / "benchmarks.md"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.CELERY_BROKER_URL,
    }
    result = subprocess.run(
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "bench",
            "--small",
            "--database",
            f"candor_bench_smoke_{os.getpid()}",
            "--output",
            str(output),
            "--workdir",
            str(tmp_path / "work"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=settings.BASE_DIR,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    doc = output.read_text()
    for heading in ("## Pages", "## Bulk approval", "## Sending", "## Reminder sweep", "## Quality check"):
        assert heading in doc
    assert "Letters per second, sweep → Celery → SMTP" in doc
    assert re.search(r"\| Distinct messages at the sink [^|]*\| 20 \|", doc)
    assert "Measure" in result.stdout and "Figure" in result.stdout
