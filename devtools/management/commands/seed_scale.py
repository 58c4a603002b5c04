"""Data at scale for `make bench`: `manage.py seed_scale --applications N [--reminders M]`.

Adds rows every run (it never deletes). See devtools/bench/seed.py for the spreads.
"""

import time

from django.core.management.base import BaseCommand

from devtools.bench.seed import BENCH_USERS, PASSWORD, analyze, seed_applications, seed_reminders


class Command(BaseCommand):
    help = "Add N realistic applications (and M reapply reminders) in bulk, for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, required=True, help="applications to add")
        parser.add_argument("--reminders", type=int, default=0, help="reapply reminders to add")
        parser.add_argument(
            "--due-fraction", type=float, default=0.01, help="share of the added reminders that are due now"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed")

    def handle(self, *args, applications, reminders, due_fraction, seed, **options):
        started = time.monotonic()

        def progress(label):
            def report(done, total):
                if options["verbosity"] >= 2 or done == total:
                    self.stdout.write(f"  {label}: {done:,}/{total:,} ({time.monotonic() - started:.1f} s)")

            return report

        counts = seed_applications(applications, seed=seed, progress=progress("applications"))
        counts.update(
            {
                f"reminder bench {k}": v
                for k, v in seed_reminders(
                    reminders, due_fraction=due_fraction, seed=seed + 1, progress=progress("reminders")
                ).items()
            }
        )
        analyze()
        for name, value in counts.items():
            if value:
                self.stdout.write(f"{name:>32}: {value:,}")
        users = ", ".join(BENCH_USERS)
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {time.monotonic() - started:.1f} s. Users: {users} (password {PASSWORD})."
            )
        )
