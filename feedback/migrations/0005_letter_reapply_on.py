# Letters store the reapply date they give (fixed at approval). Existing letters get the
# date their text was drafted with, as far as it can be known: the decision's date in the
# organisation's time zone plus the job's cool-down today.

import datetime as dt
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.db import migrations, models

CHUNK = 500


def fill_reapply_on(apps, schema_editor):
    letter_model = apps.get_model("feedback", "FeedbackLetter")
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    by_day = defaultdict(list)
    rows = letter_model.objects.filter(reapply_on__isnull=True).values_list(
        "pk", "decision__decided_at", "application__job__reapply_cooldown_days"
    )
    for pk, decided_at, days in rows.iterator(chunk_size=2000):
        by_day[decided_at.astimezone(zone).date() + dt.timedelta(days=days)].append(pk)
    # One UPDATE per date (and per CHUNK letters), not one per letter.
    for day, pks in by_day.items():
        for start in range(0, len(pks), CHUNK):
            letter_model.objects.filter(pk__in=pks[start : start + CHUNK]).update(reapply_on=day)


class Migration(migrations.Migration):

    dependencies = [
        ('feedback', '0004_late_digest'),
    ]

    operations = [
        migrations.AddField(
            model_name='feedbackletter',
            name='reapply_on',
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_reapply_on, migrations.RunPython.noop, elidable=True),
    ]
