"""A real `celery beat`, with the project's interval schedules shortened for the end-to-end test.

The journey must see beat hand out due letters and reminders, but the sweeps run
every 1 to 15 minutes. This scheduler takes CELERY_BEAT_SCHEDULE from settings
as it is (so a wrong task name there fails the journey), keeps the interval
entries (the sweeps) at E2E_BEAT_SECONDS, and leaves out the crontab entries
(the morning digest, retention), which have their own tests.

    celery -A config beat -S tests.e2e.fast_beat.FastScheduler
"""

import datetime as dt
import os

from celery import beat, schedules


class FastScheduler(beat.Scheduler):
    """In memory (no schedule file): every interval entry runs every E2E_BEAT_SECONDS."""

    def merge_inplace(self, b):
        seconds = float(os.environ.get("E2E_BEAT_SECONDS", "2"))
        fast = {}
        for name, entry in b.items():
            every = entry["schedule"]
            if isinstance(every, int | float | dt.timedelta | schedules.schedule):
                fast[name] = {**entry, "schedule": seconds}
        super().merge_inplace(fast)
