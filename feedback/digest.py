"""No ghosting: the morning digest of candidates still waiting past a deadline.

Late means: a no-hire letter not sent by its deadline, or a candidate's request
for more detail not answered (sent) by its deadline; cancelled ones are not
waiting. HR gets one digest with everything; each decider gets one with their
own late items. Once per day and recipient: a second run the same day (a
redelivered task, a manual run) sends nothing new.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core.models import AuditEvent
from feedback.links import absolute
from feedback.models import FeedbackLetter, FeedbackRequest
from outbox.services import mail_domain

DIGEST_VERB = "digest.sent"
DIGEST_TARGET = "feedback.digest"
HR_KEY = 0  # the target id recording HR's digest; deciders are recorded by user id
# A digest lists at most this many items per section and says how many more wait.
MAX_LISTED = 100
NOT_WAITING = ("sent", "cancelled")


@dataclass
class Digest:
    letters: list = field(default_factory=list)
    requests: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.letters or self.requests)


def _url(name: str, *args) -> str:
    try:
        return absolute(reverse(name, args=args))
    except NoReverseMatch:
        return ""


def _days_late(deadline: dt.datetime, now: dt.datetime) -> int:
    return max(0, (now - deadline).days)


def late_letters(*, now: dt.datetime):
    return (
        FeedbackLetter.objects.filter(deadline__lt=now)
        .exclude(status__in=NOT_WAITING)
        .select_related("application__candidate", "application__job", "decision__decided_by")
        .order_by("deadline", "id")
    )


def late_requests(*, now: dt.datetime):
    return (
        FeedbackRequest.objects.filter(deadline__lt=now)
        .exclude(status__in=NOT_WAITING)
        .select_related(
            "letter__application__candidate", "letter__application__job", "letter__decision__decided_by"
        )
        .order_by("deadline", "id")
    )


def late_digests(*, now: dt.datetime) -> tuple[Digest, dict]:
    """HR's digest, and one per decider (user → Digest), of everything late at ``now``."""
    hr = Digest()
    by_decider: dict = defaultdict(Digest)
    for letter in late_letters(now=now):
        application = letter.application
        item = {
            "candidate": application.candidate.name,
            "job": application.job.title,
            "status": letter.get_status_display(),
            "deadline": letter.deadline,
            "days_late": _days_late(letter.deadline, now),
            "reason": letter.last_error if letter.status == FeedbackLetter.Status.FAILED else "",
            "url": _url("feedback:letter_edit", letter.pk),
        }
        hr.letters.append(item)
        by_decider[letter.decision.decided_by].letters.append(item)
    for request in late_requests(now=now):
        application = request.letter.application
        item = {
            "candidate": application.candidate.name,
            "job": application.job.title,
            "status": request.get_status_display(),
            "deadline": request.deadline,
            "days_late": _days_late(request.deadline, now),
            "url": _url("requests:review", request.pk),
            "answer_url": _url("requests:answer", request.pk),
        }
        hr.requests.append(item)
        by_decider[request.letter.decision.decided_by].requests.append(item)
    return hr, dict(by_decider)


def _message(*, digest: Digest, to: str, greeting: str, for_hr: bool, day: dt.date, key: str):
    context = {
        "greeting": greeting,
        "for_hr": for_hr,
        "day": day,
        "org_name": settings.CANDOR_ORG_NAME,
        "letters": digest.letters[:MAX_LISTED],
        "letters_more": max(0, len(digest.letters) - MAX_LISTED),
        "letters_count": len(digest.letters),
        "requests": digest.requests[:MAX_LISTED],
        "requests_more": max(0, len(digest.requests) - MAX_LISTED),
        "requests_count": len(digest.requests),
        "home_url": _url("feedback:hr_home") if for_hr else _url("requests:mine"),
    }
    waiting = len(digest.letters) + len(digest.requests)
    subject = (
        f"{waiting} candidate{'s' if waiting != 1 else ''} waiting past a feedback deadline ({day:%d %b %Y})"
    )
    msg = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("feedback/email/digest.txt", context),
        to=[to],
        headers={"Message-ID": f"<candor.digest.{day.isoformat()}.{key}@{mail_domain()}>"},
    )
    msg.attach_alternative(render_to_string("feedback/email/digest.html", context), "text/html")
    return msg


def _already_sent(day: dt.date) -> set[int]:
    return set(
        AuditEvent.objects.filter(
            verb=DIGEST_VERB, target_type=DIGEST_TARGET, data__date=day.isoformat()
        ).values_list("target_id", flat=True)
    )


@contextlib.contextmanager
def _one_run_at_a_time():
    """Two runs at once (two beats, a manual run) must not both send: a session lock on PostgreSQL."""
    if connection.vendor != "postgresql":
        yield  # SQLite (the demo): one worker, and writers are serialised anyway
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext('candor.late_digest'))")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext('candor.late_digest'))")


def late_digest_send(*, now: dt.datetime | None = None) -> int:
    """Email today's digests that were not sent yet. Returns how many went out.

    Each digest is recorded (AuditEvent "digest.sent" with the date) right after
    it is sent, so a run that fails half-way is finished by the next run
    without repeating the ones that went out.
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    with _one_run_at_a_time():
        hr, deciders = late_digests(now=now)
        if not hr:
            return 0
        done = _already_sent(day)
        outgoing = []  # (target id, digest, greeting, address, for HR, key)
        if HR_KEY not in done:
            outgoing.append((HR_KEY, hr, "Hello", settings.CANDOR_HR_EMAIL, True, "hr"))
        for user, digest in sorted(deciders.items(), key=lambda pair: pair[0].pk):
            if user.pk not in done and user.email:
                greeting = f"Hello {user.first_name}".strip()
                outgoing.append((user.pk, digest, greeting, user.email, False, f"u{user.pk}"))
        if not outgoing:
            return 0
        sent = 0
        with get_connection(fail_silently=False) as mail:
            for target_id, digest, greeting, address, for_hr, key in outgoing:
                msg = _message(digest=digest, to=address, greeting=greeting, for_hr=for_hr, day=day, key=key)
                msg.connection = mail
                msg.send()
                AuditEvent.objects.create(
                    verb=DIGEST_VERB,
                    target_type=DIGEST_TARGET,
                    target_id=target_id,
                    data={
                        "date": day.isoformat(),
                        "letters": len(digest.letters),
                        "requests": len(digest.requests),
                    },
                )
                sent += 1
    return sent
