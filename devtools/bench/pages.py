"""The page bench: query counts through the test Client, latencies under gunicorn.

Pages are named by URL name; one that does not exist (yet) is reported as
missing rather than failing the run.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from devtools.bench import loadgen
from devtools.bench.seed import BENCH_HR, BENCH_INTERVIEWER
from feedback.links import make_token
from feedback.models import FeedbackLetter
from hiring.models import Application, Scorecard

User = get_user_model()


@dataclass(frozen=True)
class Targets:
    """The objects the pages show, chosen once at the small size and kept for the large one."""

    application_pk: int | None
    letter_token: str | None


@dataclass(frozen=True)
class Page:
    key: str
    title: str
    url_name: str
    username: str | None
    args: Callable[[Targets], list] = lambda targets: []
    # A candidate's email link is exchanged for a session address on first open (the
    # redirect): the page measured is that address, opened with that session's cookie.
    exchanges_link: bool = False


BASELINE = Page("baseline", "Fixed page (baseline)", "bench_fixed", BENCH_HR)
PAGES = (
    Page("interviewer_home", "Interviewer home", "hiring:my_interviews", BENCH_INTERVIEWER),
    Page(
        "application",
        "Application page",
        "hiring:application_detail",
        BENCH_INTERVIEWER,
        lambda t: [t.application_pk],
    ),
    Page("letter_queue", "HR letter queue", "feedback:letter_queue", BENCH_HR),
    Page("hr_home", "HR home", "feedback:hr_home", BENCH_HR),
    Page(
        "candidate",
        "Candidate page",
        "candidate:letter",
        None,
        lambda t: [t.letter_token],
        exchanges_link=True,
    ),
)


def choose_targets() -> Targets:
    """A rich application of the bench interviewer (decided, many interviews) and a sent letter."""
    interviewer = User.objects.get(username=BENCH_INTERVIEWER)
    mine = Application.objects.filter(
        interviews__interviewer=interviewer, interviews__scorecard__status=Scorecard.Status.SUBMITTED
    )
    application = (
        mine.annotate(
            panel=Count("interviews", distinct=True),
            sent=Count("letters", filter=Q(letters__status=FeedbackLetter.Status.SENT), distinct=True),
        )
        .order_by("-sent", "-panel", "id")
        .values_list("pk", flat=True)
        .first()
    ) or (
        Application.objects.filter(interviews__interviewer=interviewer).values_list("pk", flat=True).first()
    )
    sent = FeedbackLetter.objects.filter(status=FeedbackLetter.Status.SENT).order_by("id")
    # The application page's own letter when it has one.
    letter = (
        sent.filter(application_id=application).values_list("public_id", flat=True).first()
        or sent.values_list("public_id", flat=True).first()
    )
    return Targets(
        application_pk=application,
        letter_token=make_token("letter", letter) if letter else None,
    )


def url_of(page: Page, targets: Targets) -> str | None:
    args = page.args(targets)
    if any(a is None for a in args):
        return None
    try:
        return reverse(page.url_name, args=args)
    except NoReverseMatch:
        return None


def client_for(username: str | None) -> Client:
    client = Client(raise_request_exception=False)
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def opened(page: Page, targets: Targets) -> tuple[str | None, Client]:
    """The page's address and a client (with its session) that opens it as its user would.

    For a page reached through a candidate's email link, the link is opened once and the
    session address it redirects to is returned. ``None`` when the page cannot be reached.
    """
    client = client_for(page.username)
    url = url_of(page, targets)
    if url is not None and page.exchanges_link:
        response = client.get(url)
        url = response["Location"] if response.status_code == 302 else url
    return url, client


def query_counts(targets: Targets, pages=PAGES, *, explain: bool = False) -> dict[str, dict]:
    """Per page: the queries of one GET (after a warm-up GET), its status, size and time.

    With ``explain``, the plan of each page's slowest query too.
    """
    results = {}
    for page in pages:
        url, client = opened(page, targets)
        if url is None:
            results[page.key] = {"missing": True}
            continue
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - start
        captured = ctx.captured_queries
        slowest = sorted(captured, key=lambda q: -float(q["time"]))[:3]
        results[page.key] = {
            "queries": len(captured),
            "status": response.status_code,
            "bytes": len(response.content),
            # Where one request's time goes, measured through the test Client.
            "ms": elapsed * 1000,
            "db_ms": sum(float(q["time"]) for q in captured) * 1000,
            "slowest": [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in slowest],
        }
        if explain and slowest:
            results[page.key]["plan"] = explain_sql(slowest[0]["sql"])
    return results


def explain_sql(sql: str) -> str:
    """EXPLAIN ANALYZE of a captured SELECT (PostgreSQL), in a transaction rolled back."""
    if connection.vendor != "postgresql" or not sql.lstrip().upper().startswith("SELECT"):
        return ""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            transaction.set_rollback(True)
    except DatabaseError as exc:  # a query that cannot be replayed as text
        return f"(no plan: {exc})"
    return plan


def session_cookie(client: Client) -> dict[str, str]:
    """The ``Cookie`` header carrying ``client``'s session, or none for a client without one."""
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie.value}"} if cookie else {}


def latencies(
    base_url: str,
    targets: Targets,
    *,
    pages=PAGES,
    rounds: int = 3,
    duration: float = 5.0,
    connections: int = 2,
    cpu: int | None = 1,
    tool: str = "auto",
    log=print,
) -> dict[str, dict]:
    """p50/p95 per page under load, the baseline measured in the same rounds.

    Pages and baseline take turns, ``rounds`` times, so a noisy moment on the
    shared machine hits them alike; each figure is the median over the rounds.
    """
    everything = [BASELINE, *pages]
    opened_pages = {p.key: opened(p, targets) for p in everything}
    urls = {key: url for key, (url, _client) in opened_pages.items()}
    headers = {key: session_cookie(client) for key, (url, client) in opened_pages.items() if url}
    runs: dict[str, list[dict]] = {p.key: [] for p in everything if urls[p.key]}
    for key in runs:  # warm-up: connections, templates, caches
        loadgen.run(
            base_url + urls[key],
            duration=min(1.0, duration),
            connections=connections,
            headers=headers[key],
            cpu=cpu,
            tool=tool,
        )
    for round_ in range(rounds):
        for key in runs:
            result = loadgen.run(
                base_url + urls[key],
                duration=duration,
                connections=connections,
                headers=headers[key],
                cpu=cpu,
                tool=tool,
            )
            runs[key].append(result)
            log(
                f"    round {round_ + 1}/{rounds} {key:>16}: p50 {result['p50_ms']:7.1f} ms  "
                f"p95 {result['p95_ms']:7.1f} ms  {result['rps']:7.1f} req/s  errors {result['errors']}"
            )
    summary = {}
    for page in everything:
        if page.key not in runs:
            summary[page.key] = {"missing": True}
            continue
        results = runs[page.key]
        summary[page.key] = {
            "p50_ms": statistics.median(r["p50_ms"] for r in results),
            "p95_ms": statistics.median(r["p95_ms"] for r in results),
            "rps": statistics.median(r["rps"] for r in results),
            "requests": sum(r["requests"] for r in results),
            "errors": sum(r["errors"] for r in results),
            "tool": results[0]["tool"],
        }
    return summary
