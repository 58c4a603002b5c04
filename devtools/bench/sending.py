"""The sending bench: approved letters through sweep → Celery on Redis → SMTP, against bare smtplib.

Both send the same messages (built by ``feedback.letters.emails.build_letter_message``
with the Message-ID the engine gives each letter) to the same aiosmtpd sink,
which runs in a process of its own and counts distinct Message-IDs.
"""

import datetime as dt
import smtplib
import time
from email.utils import parseaddr
from pathlib import Path

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from devtools.bench.servers import MemorySampler, free_port
from feedback.letters.emails import build_letter_message
from feedback.models import FeedbackLetter
from outbox.services import delivery_kind, delivery_message_id
from tests.support.smtp import SinkProcess


def letters_make_due(letter_ids: list[int]) -> None:
    """Move the send time of approved letters to now, as if the next business morning had come."""
    FeedbackLetter.objects.filter(pk__in=letter_ids, status=FeedbackLetter.Status.SCHEDULED).update(
        send_after=timezone.now() - dt.timedelta(seconds=1), claimed_until=None
    )


def build_messages(letter_ids: list[int]) -> list[tuple[str, list[str], bytes]]:
    """(from, recipients, bytes) of each letter, exactly as the engine would send it."""
    letters = FeedbackLetter.objects.filter(pk__in=letter_ids).select_related(
        *delivery_kind("letter").select_related
    )
    out = []
    for letter in letters.iterator(chunk_size=1000):
        letter.message_id = letter.message_id or delivery_message_id("letter", letter)
        msg = build_letter_message(letter)
        msg.extra_headers["Message-ID"] = letter.message_id
        out.append((parseaddr(msg.from_email)[1], msg.recipients(), msg.message().as_bytes(linesep="\r\n")))
    return out


def smtplib_loop(messages, *, host: str, port: int) -> float:
    """The baseline: one SMTP connection, one sendmail per message. Seconds taken."""
    start = time.perf_counter()
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        for sender, recipients, data in messages:
            smtp.sendmail(sender, recipients, data)
    return time.perf_counter() - start


def run(
    letter_ids: list[int],
    *,
    workdir: Path,
    redis_url: str,
    concurrency: int = 2,
    time_limit: float = 720.0,
    log=print,
) -> dict:
    """Send the letters both ways; rates, counts at the sink, and the worker's peak memory.

    The pipeline gets ``time_limit`` seconds (so the bench ends in bounded time); if
    it has not delivered everything by then, the rate is what arrived in that time.
    """
    from outbox.tasks import outbox_sweep_task
    from tests.support.workers import CeleryWorker, redis_flush, worker_database_url

    n = len(letter_ids)
    port = free_port()
    sink = SinkProcess(port)
    result: dict = {"letters": n}
    try:
        # Baseline, twice (before and after the pipeline); the faster one counts.
        log(f"    building {n:,} messages for the smtplib baseline")
        start = time.perf_counter()
        messages = build_messages(letter_ids)
        build_s = time.perf_counter() - start
        log(f"    built in {build_s:.1f} s ({n / build_s:,.0f} messages/s)")
        sink.reset()
        seconds = smtplib_loop(messages, host="127.0.0.1", port=port)
        counts = sink.wait_for(n, idle_timeout=30)
        baseline_runs = [seconds]
        log(f"    smtplib loop (before): {n / seconds:,.0f} messages/s, sink {counts}")
        result["baseline_sink"] = counts

        # The pipeline.
        sink.reset()
        redis_flush(redis_url)
        worker = CeleryWorker(
            env={
                "DJANGO_SETTINGS_MODULE": "config.settings.bench",
                "DATABASE_URL": worker_database_url(),
                "REDIS_URL": redis_url,
                "EMAIL_URL": f"smtp://127.0.0.1:{port}",
                "DJANGO_LOG_LEVEL": "WARNING",
            },
            workdir=workdir,
        )
        worker.start(concurrency=concurrency)
        try:
            letters_make_due(letter_ids)
            connection.close()  # nothing of ours holds locks while the worker sweeps
            with MemorySampler(worker.proc.pid) as memory:
                start = time.perf_counter()
                outbox_sweep_task.delay("letter")
                counts = sink.wait_for(n, idle_timeout=60, time_limit=time_limit)
                seconds = time.perf_counter() - start
            log(f"    pipeline: {counts['distinct']:,} in {seconds:.1f} s, sink {counts}")
        finally:
            worker.stop()
        result.update(
            pipeline_s=seconds,
            time_limit=time_limit,
            pipeline_rate=counts["distinct"] / seconds,
            sink=counts,
            worker_peak_mib=memory.peak_total_mib,
            worker_peak_process_mib=memory.peak_process_mib,
            worker_processes=memory.processes,
            concurrency=concurrency,
            statuses=dict(
                FeedbackLetter.objects.filter(pk__in=letter_ids)
                .values_list("status")
                .annotate(n=Count("id"))
                .order_by()
            ),
        )

        sink.reset()
        seconds = smtplib_loop(messages, host="127.0.0.1", port=port)
        after = sink.wait_for(n, idle_timeout=30)
        baseline_runs.append(seconds)
        log(f"    smtplib loop (after): {n / seconds:,.0f} messages/s, sink {after}")
        best = min(baseline_runs)
        result.update(
            baseline_s=best,
            baseline_rate=n / best,
            baseline_runs=baseline_runs,
            # The same loop that also builds each message with the app's builder: the
            # unavoidable work, so pipeline / this is the cost of the machinery alone.
            build_s=build_s,
            build_send_rate=n / (build_s + best),
        )
        redis_flush(redis_url)
    finally:
        sink.stop()
    return result
