"""Store the quality check's result on every letter still to approve whose stored result is stale.

A letter's stored result is keyed by everything it depends on (its text, its points, the
candidate's names, the phrase lists, the admin's phrases, the classifier's model); see
``feedback.letters.findings``. Run it after migrating, after a bulk load, or after the phrase
lists or the model changed, so that the queue and bulk approval find every result ready:
they would otherwise check the stale letters themselves, when first shown or approved.
"""

from django.core.management.base import BaseCommand

from feedback.letters.findings import letters_store_findings


class Command(BaseCommand):
    help = (
        "Check letters in draft or review whose stored quality-check result is missing or stale, "
        "and store it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        count = letters_store_findings(batch_size=batch_size)
        self.stdout.write(f"Checked {count} letter{'s' if count != 1 else ''}.")
