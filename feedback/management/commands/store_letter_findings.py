"""Store the quality check's findings count on every letter still to approve that lacks a current one.

Run once after migrating (letters drafted before the count was stored), or after
bulk-loading letters; drafting and editing keep the count current on their own.
"""

from django.core.management.base import BaseCommand

from feedback.letters.findings import letters_store_findings


class Command(BaseCommand):
    help = "Check letters in draft or review whose stored findings count is missing or stale, and store it."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        count = letters_store_findings(batch_size=batch_size)
        self.stdout.write(f"Checked {count} letter{'s' if count != 1 else ''}.")
