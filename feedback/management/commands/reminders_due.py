"""Demo helper: make opted-in reapply reminders due now, instead of in six months.

It moves reminders, never decisions: the no-hire's ``decided_at`` (and with it the
letter's deadline, the dashboard's time-to-letter figures and the order of events) is
left alone. With ``--open-reapply`` it also moves the reapply date the letter promises
(``FeedbackLetter.reapply_on``, which the reapply form, the candidate's page, the
``.ics`` and the reminder's text read through ``feedback.portal.selectors.reapply_date``)
to today, so the reminder's link opens the form.
"""

import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.dates import org_tz
from feedback.links import PURPOSES, LinkError, read_token
from feedback.models import DeliveryStatus, FeedbackLetter, ReapplyReminder
from feedback.portal.selectors import candidate_tz, reapply_date


def _public_id(value: str) -> uuid.UUID:
    """A UUID, or the letter named by a candidate link (letter, unsubscribe or reapply) or its token."""
    try:
        return uuid.UUID(value)
    except ValueError:
        pass
    token = value.rstrip("/").rsplit("/", 1)[-1]
    for purpose in PURPOSES:
        try:
            return read_token(purpose, token)
        except LinkError:
            continue
    raise CommandError("--letter takes the letter's public id (a UUID), or a candidate link from its email.")


class Command(BaseCommand):
    help = (
        "Mark opted-in reapply reminders due now (send_after = now) and ask the sweep to run, "
        "so a demo can show the reminder without waiting for the reapply date. With --open-reapply, "
        "also move the letter's reapply date to today so that the reapply form is open (demo data "
        "only). Decisions are never changed."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--letter", help="the letter's public id (a UUID), or any candidate link or token made for it"
        )
        which.add_argument("--all", action="store_true", help="every opted-in reminder")
        parser.add_argument(
            "--open-reapply",
            action="store_true",
            help="move the reapply date the letter promises to today, so the reapply form opens now "
            "(the decision keeps its date)",
        )
        parser.add_argument("--force", action="store_true", help="allow --open-reapply when DEBUG is off")

    def handle(self, *args, **options):
        if options["open_reapply"] and not (settings.DEBUG or options["force"]):
            raise CommandError(
                "--open-reapply rewrites the reapply date a letter promised: "
                "demo only (DEBUG on, or --force)."
            )
        reminders = ReapplyReminder.objects.filter(status=DeliveryStatus.SCHEDULED)
        if options["letter"]:
            public_id = _public_id(options["letter"])
            letter = FeedbackLetter.objects.filter(public_id=public_id).first()
            if letter is None:
                raise CommandError("No letter has this public id.")
            reminders = reminders.filter(application_id=letter.application_id)
        now = timezone.now()
        with transaction.atomic():
            ids = list(reminders.select_for_update().values_list("pk", flat=True))
            count = ReapplyReminder.objects.filter(pk__in=ids).update(send_after=now, claimed_until=None)
            if options["open_reapply"]:
                self._open_reapply(ids, now)
            transaction.on_commit(self._sweep)
        self.stdout.write(self.style.SUCCESS(f"{count} reminder(s) due now."))
        if not count:
            self.stdout.write("Only opted-in reminders that are still scheduled are moved.")

    def _open_reapply(self, reminder_ids, now):
        """Set the reapply date of each reminder's letter to today, where it is later.

        The form opens at midnight of the reapply date in the candidate's zone, so "today"
        is the earlier of today in the candidate's zone and in the organisation's: midnight
        of that day has passed wherever the candidate is. Only the letter's stored date
        moves (``FeedbackLetter.reapply_on``); the decision, its letter's deadline and
        the dashboard's figures keep their values.
        """
        letters = FeedbackLetter.objects.filter(
            application__reapply_reminder__pk__in=reminder_ids
        ).select_related("decision", "application__job", "application__candidate")
        for letter in letters:
            today = min(
                timezone.localdate(now, org_tz()),
                timezone.localdate(now, candidate_tz(letter.application.candidate)),
            )
            before = reapply_date(letter)
            if before <= today:
                continue
            FeedbackLetter.objects.filter(pk=letter.pk).update(reapply_on=today)
            audit_record(
                actor=None,
                verb="letter.reapply_date_moved",
                target=letter,
                reason="Demo: manage.py reminders_due --open-reapply.",
                data={"from": before.isoformat(), "to": today.isoformat()},
            )
            self.stdout.write(f"Letter {letter.public_id}: the reapply form opens today.")

    def _sweep(self):
        try:
            from outbox.tasks import outbox_sweep_task
        except ImportError:
            self.stdout.write("The reminders sweep is not available; it runs on its beat schedule.")
            return
        outbox_sweep_task.delay("reminder")
        self.stdout.write("Asked the reminders sweep to run now.")
