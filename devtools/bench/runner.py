"""`make bench` from start to end, inside the bench database (see the bench command).

Phases, each reported as a section of docs/benchmarks.md:

1. seed the small size, count the queries of each page; seed up to the large
   size, count again (the counts must not change);
2. pages under gunicorn (2 sync workers pinned to one core) and a load
   generator on the other core, against a trivial fixed page, in turns;
3. bulk approval of the letters in review in one POST as HR;
4. those letters (now approved) made due and sent: sweep → Celery worker on
   Redis → SMTP to an aiosmtpd sink, against a bare smtplib loop;
5. the reminder sweep over the small and the large reminder table, with the
   same number due, and its query plan;
6. the quality check (phrase lists + sentence classifier) on one letter (p95) and on
   10,000 letters in bulk, against the phrase lists alone (``devtools/bench/quality.py``).
   It needs no database: ``phases=("quality",)`` skips migrating and seeding.
"""

import datetime as dt
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from devtools.bench import bulk, pages, quality, reminders, seed, sending
from devtools.bench.report import Row, Section, fragment, machine, markdown, ms, ratio, text_table
from devtools.bench.servers import Gunicorn
from feedback.models import FeedbackLetter, ReapplyReminder
from hiring.models import Application


@dataclass(frozen=True)
class Sizes:
    applications_small: int = 2_000
    applications: int = 200_000
    letters: int = 10_000  # bulk-approved, then sent
    reminders_small: int = 100_000
    reminders: int = 1_000_000
    reminders_due: int = 10_000
    page_rounds: int = 5
    page_seconds: float = 3.0
    connections: int = 2
    sweep_repeats: int = 3
    quality_runs: int = 500  # letters checked one at a time (p50/p95)
    quality_letters: int = 10_000  # letters checked in bulk

    @classmethod
    def smoke(cls) -> "Sizes":
        return cls(
            applications_small=40,
            applications=80,
            letters=20,
            reminders_small=500,
            reminders=1_000,
            reminders_due=10,
            page_rounds=1,
            page_seconds=0.5,
            sweep_repeats=1,
            quality_runs=20,
            quality_letters=30,
        )


PAGE_TARGET = 3.0
SEND_TARGET = 0.5
DATABASE_PHASES = ("pages", "bulk", "sending", "reminders")
PHASES = (*DATABASE_PHASES, "quality")


class Bench:
    def __init__(
        self,
        *,
        sizes: Sizes,
        workdir: Path,
        redis_url: str,
        log=print,
        tool: str = "auto",
        base_url: str | None = None,
    ):
        """``base_url``: measure pages on a server already running (tests) instead of gunicorn."""
        self.sizes = sizes
        self.base_url = base_url
        self.workdir = Path(workdir)
        self.redis_url = redis_url
        self.log = log
        self.tool = tool
        self.data: dict = {"sizes": asdict(sizes)}
        self.sections: list[Section] = []

    # -- phases ---------------------------------------------------------------------------------

    def step(self, title: str) -> None:
        self.log(f"== {title} ({time.monotonic() - self.started:.0f} s)")

    def seed_and_count(self) -> None:
        s = self.sizes
        self.step(f"seeding {s.applications_small:,} applications")
        seed.seed_applications(s.applications_small, seed=1)
        seed.analyze()
        self.targets = pages.choose_targets()
        small = pages.query_counts(self.targets)
        self.step(f"seeding up to {s.applications:,} applications")
        started = time.monotonic()
        seed.seed_applications(
            s.applications - s.applications_small,
            seed=2,
            progress=lambda done, total: self.log(f"    {done:,}/{total:,}") if done % 50_000 == 0 else None,
        )
        seed.analyze()
        self.data["seed_seconds"] = time.monotonic() - started
        large = pages.query_counts(self.targets, explain=True)
        self.data["query_counts"] = {"small": small, "large": large}
        self.data["rows"] = {
            "applications": Application.objects.count(),
            "letters": FeedbackLetter.objects.count(),
        }
        for size, counts in ((s.applications_small, small), (s.applications, large)):
            brief = {k: (v.get("queries"), v.get("status")) for k, v in counts.items()}
            self.log(f"    queries (and status) at {size:,}: {brief}")

    def page_latencies(self) -> None:
        options = {
            "rounds": self.sizes.page_rounds,
            "duration": self.sizes.page_seconds,
            "connections": self.sizes.connections,
            "tool": self.tool,
            "log": self.log,
        }
        if self.base_url:
            self.step(f"pages at {self.base_url}")
            self.data["latency"] = pages.latencies(self.base_url, self.targets, cpu=None, **options)
            return
        self.step("pages under gunicorn")
        server = Gunicorn(
            env={"DJANGO_SETTINGS_MODULE": "config.settings.bench"}, workers=2, cpu=0, log_dir=self.workdir
        )
        server.start()
        try:
            self.data["latency"] = pages.latencies(server.url, self.targets, cpu=1, **options)
        finally:
            server.stop()

    def bulk_approval(self) -> None:
        n = self.sizes.letters
        self.step(f"bulk approval of {n:,} letters")
        ids = bulk.editable_letter_ids(n)
        while len(ids) < n:  # small sizes: add applications until enough letters wait for HR
            seed.seed_applications(max(100, (n - len(ids)) * 8), seed=len(ids) + 3)
            ids = bulk.editable_letter_ids(n)
        self.letter_ids = ids
        self.data["bulk"] = bulk.run(ids)
        self.log(f"    {self.data['bulk']}")

    def sending(self) -> None:
        ids = list(
            FeedbackLetter.objects.filter(pk__in=self.letter_ids, status=FeedbackLetter.Status.SCHEDULED)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        self.step(f"sending {len(ids):,} approved letters")
        if not ids:
            self.data["sending"] = {"missing": True}
            return
        self.data["sending"] = sending.run(
            ids, workdir=self.workdir / "worker", redis_url=self.redis_url, log=self.log
        )

    def reminder_sweep(self) -> None:
        s = self.sizes
        self.step(f"reminder sweep: {s.reminders_small:,} reminders, {s.reminders_due:,} due")
        seed.seed_reminders(s.reminders_small, due_fraction=s.reminders_due / s.reminders_small, seed=11)
        seed.analyze()
        small = reminders.time_sweep(repeats=s.sweep_repeats, redis_url=self.redis_url)
        self.log(f"    {small['total']:,} rows, {small['due']:,} due: {small['seconds']:.3f} s")
        self.step(f"reminder sweep: {s.reminders:,} reminders, {s.reminders_due:,} due")
        seed.seed_reminders(
            s.reminders - s.reminders_small,
            due_fraction=0.0,
            seed=12,
            progress=lambda done, total: self.log(f"    {done:,}/{total:,}") if done % 200_000 == 0 else None,
        )
        seed.analyze()
        large = reminders.time_sweep(repeats=s.sweep_repeats, redis_url=self.redis_url)
        self.log(f"    {large['total']:,} rows, {large['due']:,} due: {large['seconds']:.3f} s")
        self.data["reminders"] = {"small": small, "large": large}

    def quality_check(self) -> None:
        s = self.sizes
        self.step(f"quality check: one letter x {s.quality_runs:,}, {s.quality_letters:,} letters in bulk")
        self.data["quality"] = quality.run(
            runs=s.quality_runs, letters=s.quality_letters, warmup=min(50, s.quality_runs), log=self.log
        )

    # -- the report -----------------------------------------------------------------------------

    def report(self) -> list[Section]:
        sections = self.database_report() if self.database_phases else []
        if "quality" in self.phases:
            sections.append(self.quality_report())
        return sections

    def quality_report(self) -> Section:
        s = self.sizes
        q = self.data.get("quality") or {}
        section = Section(f"Quality check (letters of {quality.LETTER_CHARS:,} characters)")
        if not q:
            section.rows.append(Row("Quality check", "not measured", met=False))
            return section
        one = q["single"]
        check, phrases, model = one["check"], one["phrases"], one["classifier"]
        r95 = ratio(check["p95_ms"], phrases["p95_ms"])
        section.rows.append(
            Row(
                "One letter, the whole check: p95",
                ms(check["p95_ms"]),
                ms(phrases["p95_ms"]),
                f"{r95:.1f}×",
                f"≤ {quality.ONE_LETTER_P95_MS:.0f} ms",
                met=check["p95_ms"] <= quality.ONE_LETTER_P95_MS,
                note="baseline: the phrase lists alone",
            )
        )
        section.rows.append(
            Row(
                "One letter, the whole check: p50",
                ms(check["p50_ms"]),
                ms(phrases["p50_ms"]),
                f"{ratio(check['p50_ms'], phrases['p50_ms']):.1f}×",
            )
        )
        section.rows.append(
            Row(
                "One letter, the classifier alone (split + model): p95",
                ms(model["p95_ms"]),
                ms(phrases["p95_ms"]),
                f"{ratio(model['p95_ms'], phrases['p95_ms']):.1f}×",
            )
        )
        b = q.get("bulk")
        if b:
            section.rows.append(
                Row(
                    f"{b['letters']:,} letters in bulk, the whole check (one batched call)",
                    f"{b['check_s']:.2f} s",
                    f"{b['phrases_s']:.2f} s",
                    f"{ratio(b['check_s'], b['phrases_s']):.1f}×",
                    f"≤ {quality.BULK_SECONDS:.0f} s",
                    met=b["check_s"] <= quality.BULK_SECONDS,
                    note=f"{b['check_s'] / b['letters'] * 1000:.2f} ms a letter",
                )
            )
            if "check_cpu_s" in b:
                section.rows.append(
                    Row(
                        f"{b['letters']:,} letters in bulk, the whole check: CPU time of the process",
                        f"{b['check_cpu_s']:.2f} s",
                        f"{b['phrases_cpu_s']:.2f} s",
                        f"{ratio(b['check_cpu_s'], b['phrases_cpu_s']):.1f}×",
                        note="CPU seconds: what the check costs when other jobs share the machine",
                    )
                )
                section.rows.append(
                    Row(
                        f"{b['letters']:,} letters in bulk, every sentence made distinct (worst case)",
                        f"{b['distinct_s']:.2f} s",
                        f"{b['phrases_s']:.2f} s",
                        f"{ratio(b['distinct_s'], b['phrases_s']):.1f}×",
                        note=f"CPU {b['distinct_cpu_s']:.2f} s; nothing for the batch memo to share",
                    )
                )
                section.rows.append(
                    Row(
                        f"{b['letters']:,} letters in bulk, the check without its batch memo (before)",
                        f"{b['unmemoised_s']:.2f} s",
                        f"{b['phrases_s']:.2f} s",
                        f"{ratio(b['unmemoised_s'], b['phrases_s']):.1f}×",
                        note=f"CPU {b['unmemoised_cpu_s']:.2f} s; `Checker(memo=False)`, the same findings",
                    )
                )
            section.rows.append(
                Row(
                    f"{b['letters']:,} letters in bulk, the classifier alone (`classify_texts`)",
                    f"{b['classifier_s']:.2f} s",
                    f"{b['phrases_s']:.2f} s",
                    f"{ratio(b['classifier_s'], b['phrases_s']):.1f}×",
                )
            )
            section.rows.append(
                Row(
                    f"{b['letters']:,} letters in bulk, the language identifier alone",
                    f"{b['languages_s']:.2f} s",
                    f"{b['phrases_s']:.2f} s",
                    f"{ratio(b['languages_s'], b['phrases_s']):.1f}×",
                )
            )
        section.rows.append(
            Row(
                "Model load and verification (once per process, cold)",
                f"{q['model_load_s'] * 1000:,.0f} ms",
                note=q["model_version"],
            )
        )
        chars = q["letter_chars"]
        section.notes.append(
            "The check is `feedback.quality.check.Checker(extra_rules=())`: phrase lists, sentence "
            "classifier, language identifier and merge-field checks, what the letter editor and bulk "
            "approval run (without HR's own phrases, so no database). Baseline: the phrase lists alone "
            "(`feedback.quality.rules.check_text`) on the same letters in the same process. "
            f"One letter: {one['runs']:,} letters timed one at a time, the check, the phrase lists and "
            "the classifier alone taking turns on each, after a warm-up; the model's load is left out "
            "and shown on its own. Bulk: one `Checker.check_texts` call over all the letters (what "
            "bulk approval does), against the phrase lists in a loop. "
            f"Letters: built (seeded) from the held-out corpus, {chars['min']:,}-{chars['max']:,} "
            f"characters (mean {chars['mean']:,.0f}), {one['sentences_per_letter']:.0f} sentences, "
            f"{one['findings_per_letter']:.1f} findings "
            f"({one['blocking_per_letter']:.1f} blocking) a letter. "
            + (
                f"The bulk letters have {b['distinct_sentences']:,} distinct sentences among "
                f"{b['sentences']:,}: the check reads each distinct sentence piece, paragraph and block "
                "once per batch (`Checker.check_texts`), as real letters share their greeting, thanks, "
                "decision and sign-off; the worst-case row adds a unique number to every sentence. "
                if b and "distinct_sentences" in b
                else ""
            )
            + f"Sizes: {s.quality_runs:,} single letters, {s.quality_letters:,} in bulk. The bulk budget "
            f'(issue 11: "10,000 letters in seconds") is judged at ≤ {quality.BULK_SECONDS:.0f} s.'
        )
        return section

    def database_report(self) -> list[Section]:
        s = self.sizes
        d = self.data
        sections = []

        # Pages.
        section = Section(f"Pages ({s.applications:,} applications)")
        latency = d.get("latency", {})
        base = latency.get("baseline", {})
        counts = d.get("query_counts", {})
        for page in pages.PAGES:
            lat = latency.get(page.key, {})
            small = counts.get("small", {}).get(page.key, {})
            large = counts.get("large", {}).get(page.key, {})
            if lat.get("missing") or large.get("missing") or not lat:
                section.rows.append(Row(page.title, "not measured: the page does not exist yet", met=False))
                continue
            broken = large.get("status") != 200 or lat.get("errors")
            note = f"HTTP {large.get('status')}, {lat.get('errors', 0)} errors" if broken else ""
            r95 = ratio(lat["p95_ms"], base["p95_ms"])
            section.rows.append(
                Row(
                    f"{page.title}: p95",
                    ms(lat["p95_ms"]),
                    ms(base["p95_ms"]),
                    f"{r95:.1f}×",
                    f"≤ {PAGE_TARGET:.0f}×",
                    met=r95 <= PAGE_TARGET and not broken,
                    note=note,
                )
            )
            section.rows.append(
                Row(
                    f"{page.title}: p50",
                    ms(lat["p50_ms"]),
                    ms(base["p50_ms"]),
                    f"{ratio(lat['p50_ms'], base['p50_ms']):.1f}×",
                )
            )
            section.rows.append(
                Row(
                    f"{page.title}: queries at {s.applications_small:,} / {s.applications:,}",
                    f"{small.get('queries')} / {large.get('queries')}",
                    target="equal",
                    met=small.get("queries") == large.get("queries") and not broken,
                )
            )
        diagnostics = []
        for page in pages.PAGES:
            large = counts.get("large", {}).get(page.key, {})
            if not large.get("slowest"):
                continue
            diagnostics.append(
                f"{page.title}: {large['ms']:.0f} ms in the view through the test Client, of which "
                f"{large['db_ms']:.0f} ms in {large['queries']} queries; {large['bytes']:,} bytes. "
                f"Slowest query ({large['slowest'][0]['ms']:.1f} ms):\n  {large['slowest'][0]['sql'][:600]}"
            )
            if large.get("plan"):
                diagnostics.append("\n".join("  " + line for line in large["plan"].splitlines()[:30]))
        section.details = "\n\n".join(diagnostics)
        if base:
            section.notes.append(
                f"Baseline: a trivial view returning a fixed page through the same middleware "
                f"(`core/bench_views.py`), {base['rps']:,.0f} requests/s. Each page is loaded for "
                f"{s.page_seconds:g} s with {s.connections} connections, {s.page_rounds} rounds taking turns "
                f"with the baseline; figures are medians over the rounds. Load generator: {base['tool']}."
            )
            section.notes.append(
                f"Where each page's time goes at {s.applications:,} applications (one request through "
                "the test Client, in the bench process), with the plan of its slowest query:"
            )
        sections.append(section)

        # Bulk approval.
        section = Section(f"Bulk approval ({s.letters:,} letters, one request)")
        b = d.get("bulk", {})
        if b.get("missing") or not b:
            section.rows.append(Row("Bulk approval", "not measured: no bulk-approve URL yet", met=False))
        else:
            ok = b["status"] in (200, 302) and b["approved"] == b["letters"]
            section.rows.append(
                Row(
                    "Time of the request",
                    f"{b['seconds']:.2f} s",
                    target="seconds, one request",
                    met=ok and b["seconds"] < 60 and not b["limited"],
                    note=f"HTTP {b['status']}",
                )
            )
            section.rows.append(Row("Queries in the request", f"{b['queries']}", target="independent of N"))
            section.notes.append(
                'HR\'s "Approve every clean letter in review" on the queue: one POST with `scope=all`.'
            )
            section.rows.append(
                Row(
                    "Letters approved",
                    f"{b['approved']:,} of {b['letters']:,}",
                    target="all",
                    met=b["approved"] == b["letters"],
                )
            )
            if b["limited"]:
                section.notes.append("The POST was refused with HTTP 400 (DATA_UPLOAD_MAX_NUMBER_FIELDS).")
        sections.append(section)

        # Sending.
        section = Section(f"Sending ({s.letters:,} approved letters)")
        snd = d.get("sending", {})
        if snd.get("missing") or not snd:
            section.rows.append(Row("Sending", "not measured: no approved letters", met=False))
        else:
            r = ratio(snd["pipeline_rate"], snd["baseline_rate"])
            section.rows.append(
                Row(
                    "Letters per second, sweep → Celery → SMTP",
                    f"{snd['pipeline_rate']:,.0f}/s",
                    f"{snd['baseline_rate']:,.0f}/s",
                    f"{r:.2f}",
                    f"≥ {SEND_TARGET}",
                    met=r >= SEND_TARGET,
                )
            )
            section.rows.append(
                Row(
                    "Same, against building each message and sending it in the loop",
                    f"{snd['pipeline_rate']:,.0f}/s",
                    f"{snd['build_send_rate']:,.0f}/s",
                    f"{ratio(snd['pipeline_rate'], snd['build_send_rate']):.2f}",
                    note="the cost of sweep, Celery, state changes and audit alone",
                )
            )
            section.rows.append(
                Row(
                    "Distinct messages at the sink",
                    f"{snd['sink']['distinct']:,}",
                    target=f"exactly {snd['letters']:,}",
                    met=snd["sink"]["distinct"] == snd["letters"] and snd["sink"]["duplicates"] == 0,
                    note=f"{snd['sink']['raw']:,} accepted, {snd['sink']['duplicates']} duplicated",
                )
            )
            section.rows.append(
                Row(
                    "Worker peak memory (main + pool)",
                    f"{snd['worker_peak_mib']:,.0f} MiB",
                    note=(
                        f"{snd['worker_processes']} processes, "
                        f"largest {snd['worker_peak_process_mib']:,.0f} MiB"
                    ),
                )
            )
            if snd["sink"]["distinct"] < snd["letters"]:
                section.notes.append(
                    f"**Not everything arrived**: the pipeline had {snd['time_limit']:.0f} s (or stopped "
                    f"delivering for 60 s); {snd['sink']['distinct']:,} of {snd['letters']:,} letters "
                    "reached the sink, and the rate above is theirs."
                )
            section.notes.append(
                f"Pipeline: `letters_sweep_task` queued on Redis, run by a Celery worker (prefork, "
                f"concurrency {snd['concurrency']}) that claims the due letters and queues one "
                f"`delivery_send_chunk_task` per {settings.CANDOR_SEND_CHUNK} letters; the clock stops "
                f"when the sink holds every Message-ID "
                f"({snd['pipeline_s']:.1f} s). Baseline: one smtplib connection sending the same "
                f"pre-built messages in a loop, best of {len(snd['baseline_runs'])} runs "
                f"({', '.join(f'{x:.1f} s' for x in snd['baseline_runs'])}). Letter states after: "
                f"{snd['statuses']}."
            )
        sections.append(section)

        # Reminders.
        section = Section("Reminder sweep")
        rem = d.get("reminders")
        if rem:
            small, large = rem["small"], rem["large"]
            growth = ratio(large["db_seconds"], small["db_seconds"])
            section.rows.append(
                Row(
                    f"Sweep's queries, {large['total']:,} reminders, {large['due']:,} due",
                    f"{large['db_seconds'] * 1000:,.0f} ms",
                    f"{small['db_seconds'] * 1000:,.0f} ms at {small['total']:,} rows",
                    f"{growth:.2f}",
                    "≈ 1 (due rows, not total)",
                    met=growth <= 1.5 and large["claimed"] == large["due"],
                    note=f"{large['queries']} queries",
                )
            )
            section.rows.append(
                Row(
                    f"Whole sweep (claim, queue {large['due']:,} tasks), {large['total']:,} reminders",
                    f"{large['seconds']:.2f} s",
                    f"{small['seconds']:.2f} s at {small['total']:,} rows",
                    f"{ratio(large['seconds'], small['seconds']):.2f}",
                    note=f"{large['claimed']:,} claimed and queued",
                )
            )
            section.rows.append(
                Row(
                    "Claim query uses the partial index",
                    "yes" if large["uses_index"] else "no",
                    target=reminders.INDEX,
                    met=large["uses_index"],
                )
            )
            section.notes.append(
                'The sweep is `deliveries_sweep(kind="reminder")`, exactly what `reminders_sweep_task` '
                "runs: batches of 500 claimed with `SELECT … FOR UPDATE SKIP LOCKED`, leased, and one "
                "send task per row published to Redis after each commit (no worker runs; the claims are "
                f"released and the queue emptied between the {s.sweep_repeats} timed runs, median shown). "
                "The target is judged on the sweep's queries (a 10× larger table may take at most 1.5× "
                "as long); publishing is one message per due row at any table size, and on a shared "
                "machine it carries most of the noise. "
                "EXPLAIN (ANALYZE) of the first claiming batch at the large size:"
            )
            section.details = large["plan"]
        else:
            section.rows.append(Row("Reminder sweep", "not measured", met=False))
        sections.append(section)
        return sections

    # -- everything -----------------------------------------------------------------------------

    def run(self, *, phases=PHASES, migrate: bool = True) -> list[Section]:
        """Run ``phases`` (a subset of ``PHASES``). Without a database phase ("quality" alone)
        nothing is migrated or seeded and no database is touched."""
        unknown = set(phases) - set(PHASES)
        if unknown:
            raise ValueError(f"unknown bench phases {sorted(unknown)}: choose from {', '.join(PHASES)}")
        self.phases = tuple(phases)
        self.database_phases = [p for p in phases if p in DATABASE_PHASES]
        self.started = time.monotonic()
        self.started_at = timezone.now()
        self.machine = machine()
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.database_phases and migrate:
            self.step("migrating the bench database")
            call_command("migrate", verbosity=0, interactive=False)
        if self.database_phases:
            self.seed_and_count()
        if "pages" in phases:
            self.page_latencies()
        if "bulk" in phases or "sending" in phases:
            self.bulk_approval()
        if "sending" in phases:
            self.sending()
        if "reminders" in phases:
            self.reminder_sweep()
        if "quality" in phases:
            self.quality_check()
        self.elapsed = time.monotonic() - self.started
        self.sections = self.report()
        # var/ may have been cleaned meanwhile (make clean, make demo): write anyway.
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "results.json").write_text(json.dumps(self.data, indent=2, default=str))
        return self.sections

    def text(self) -> str:
        return "\n\n".join(f"{s.title}\n{text_table(s.rows)}" for s in self.sections)

    def markdown(self, *, command: str, setup: list[str], preamble: str = "") -> str:
        return markdown(
            sections=self.sections,
            command=command,
            started=self.started_at.astimezone(dt.UTC),
            elapsed_s=self.elapsed,
            machine_info=self.machine,
            setup=setup,
            preamble=preamble,
        )

    def fragment(self, *, heading: str, command: str) -> str:
        """The sections of this run as a part of docs/benchmarks.md (see ``report.fragment``)."""
        return fragment(
            heading=heading,
            sections=self.sections,
            command=command,
            started=self.started_at.astimezone(dt.UTC),
            elapsed_s=self.elapsed,
            machine_info=self.machine,
        )

    @staticmethod
    def database_name() -> str:
        return connection.settings_dict["NAME"]

    @staticmethod
    def reminder_total() -> int:
        return ReapplyReminder.objects.count()
