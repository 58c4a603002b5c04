"""No ghosting: the morning digest of candidates still waiting past a deadline.

Late means: a no-hire letter not sent by its deadline, or a candidate's request
for more detail not answered (sent) by its deadline; cancelled ones are not
waiting. HR gets one digest with everything; each decider gets one with their
own late items.

Each digest is a ``LateDigest`` row (one per recipient and local day, unique in
the database) sent by the outbox like every other email (kind ``digest``,
registered in ``feedback/apps.py``): ``late_digest_send`` creates today's rows and
sends them at once through the engine; the ``digests-sweep`` beat entry sends
any the run could not. A second run the same day creates nothing and finds
its rows sent. The message is built when it is sent, from what is late then.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from feedback.links import absolute
from feedback.models import FeedbackLetter, FeedbackRequest, LateDigest
from outbox.models import DeliveryStatus
from outbox.services import Outcome, TemporaryDeliveryError, delivery_lease_until, delivery_send

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


def late_letters(*, now: dt.datetime, decider=None):
    """Letters not sent by their deadline at ``now`` (of one decider's decisions, if given)."""
    letters = FeedbackLetter.objects.filter(deadline__lt=now).exclude(status__in=NOT_WAITING)
    if decider is not None:
        letters = letters.filter(decision__decided_by=decider)
    return letters.select_related(
        "application__candidate", "application__job", "decision__decided_by"
    ).order_by("deadline", "id")


def late_requests(*, now: dt.datetime, decider=None):
    """Requests not answered by their deadline at ``now`` (about one decider's letters, if given)."""
    requests = FeedbackRequest.objects.filter(deadline__lt=now).exclude(status__in=NOT_WAITING)
    if decider is not None:
        requests = requests.filter(letter__decision__decided_by=decider)
    return requests.select_related(
        "letter__application__candidate", "letter__application__job", "letter__decision__decided_by"
    ).order_by("deadline", "id")


def late_digests(*, now: dt.datetime, decider=None) -> tuple[Digest, dict]:
    """HR's digest, and one per decider (user → Digest), of everything late at ``now``.

    With ``decider``: only that decider's late items (HR's digest then holds the same).
    """
    hr = Digest()
    by_decider: dict = defaultdict(Digest)
    for letter in late_letters(now=now, decider=decider):
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
    for request in late_requests(now=now, decider=decider):
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


# -- the outbox kind "digest": prepare, skip, build (called by the engine) -----


def digests_prepare(rows: list[LateDigest]) -> None:
    """Read what is late once for a chunk of digests, not once per digest."""
    hr, by_decider = late_digests(now=timezone.now())
    for row in rows:
        row.late_items = hr if row.user_id is None else by_decider.get(row.user, Digest())


def _late_items(row: LateDigest) -> Digest:
    items = getattr(row, "late_items", None)
    if items is None:
        hr, by_decider = late_digests(now=timezone.now(), decider=row.user)
        items = hr if row.user_id is None else by_decider.get(row.user, Digest())
        row.late_items = items
    return items


def digest_skip_reason(row: LateDigest) -> str:
    """Why a digest must not go out now, or ""."""
    if row.day < timezone.localdate():
        return "Not sent: a later digest replaces it."
    if row.user_id is not None and not row.user.email:
        return "Not sent: the decider has no email address."
    if not _late_items(row):
        return "Not sent: nothing is late any more."
    return ""


def build_digest_message(row: LateDigest) -> EmailMultiAlternatives:
    """The digest email of ``row``: what is late now, for HR or for its decider (text and HTML)."""
    digest = _late_items(row)
    for_hr = row.user_id is None
    day = row.day
    context = {
        "greeting": "Hello" if for_hr else f"Hello {row.user.first_name}".strip(),
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
        to=[settings.CANDOR_HR_EMAIL if for_hr else row.user.email],
    )
    msg.attach_alternative(render_to_string("feedback/email/digest.html", context), "text/html")
    return msg


# -- the morning run -------------------------------------------------------------


def late_digest_send(*, now: dt.datetime | None = None) -> int:
    """Create today's digests and send them. Returns how many went out.

    HR gets one with everything late; each decider with an email address one
    with their own late items.

    ``now`` (default: now) says which local day the digests are for and what is
    late. Idempotent per day: a second run creates no row (one per recipient and
    day, unique in the database) and sends only what the first could not.
    Concurrent runs are safe: the engine's conditional take sends each row once.

    Raises the mail server's error (e.g. ``ConnectionRefusedError``) when a digest
    could not go out for now: it and the ones not tried yet stay scheduled, and
    the ``digests-sweep`` beat entry sends them once their claim runs out.
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    hr, deciders = late_digests(now=now)
    if hr:
        # Due at once, and leased to this run: the sweep leaves them alone unless it dies.
        due, lease = timezone.now(), delivery_lease_until(timezone.now())
        rows = [LateDigest(user=None, day=day, send_after=due, claimed_until=lease)]
        rows += [
            LateDigest(user=user, day=day, send_after=due, claimed_until=lease)
            for user in sorted(deciders, key=lambda user: user.pk)
            if user.email
        ]
        LateDigest.objects.bulk_create(rows, ignore_conflicts=True)
    pending = LateDigest.objects.filter(
        day=day, status__in=(DeliveryStatus.SCHEDULED, DeliveryStatus.SENDING)
    ).order_by("pk")
    sent = 0
    for pk in pending.values_list("pk", flat=True):
        try:
            outcome = delivery_send(kind="digest", pk=pk)
        except TemporaryDeliveryError as exc:
            # The row waits, claimed, for the sweep; the caller sees the mail server's own error.
            raise exc.__cause__ or exc  # noqa: B904
        sent += outcome == Outcome.SENT
    return sent
