"""Candidates get a preferred name and a language, and one email rule on every database.

``email_key`` replaces the ``lower(email)`` unique constraint: SQLite's ``lower()`` folds ASCII
only and PostgreSQL's follows the collation, so the old constraint meant different things on
each. The key is computed in Python (candidates.emails.normalise_email: NFKC, case-folded) and
the database only keeps it unique. Existing rows get their key here; if two existing rows have
the same key (addresses that only differ by case or Unicode form, which the old constraint let
through on one database or the other), the oldest keeps it and the others get
``<key>#duplicate-<id>``, which no address can equal (an address has no ``#`` after its ``@``),
so HR can find and merge them.
"""

import unicodedata

from django.db import migrations, models

import candidates.models
import candidates.validators


def _key(email: str) -> str:
    # A copy of candidates.emails.normalise_email as of this migration (migrations stay fixed).
    tidy = unicodedata.normalize("NFKC", email or "").strip()
    return unicodedata.normalize("NFKC", tidy.casefold())


def fill_email_keys(apps, schema_editor):
    Candidate = apps.get_model("candidates", "Candidate")
    seen = set()
    batch = []
    for pk, email in Candidate.objects.order_by("pk").values_list("pk", "email").iterator(chunk_size=2000):
        key = _key(email)
        if key in seen:
            key = f"{key}#duplicate-{pk}"
        seen.add(key)
        batch.append(Candidate(pk=pk, email_key=key))
        if len(batch) >= 2000:
            Candidate.objects.bulk_update(batch, ["email_key"])
            batch = []
    if batch:
        Candidate.objects.bulk_update(batch, ["email_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="candidate",
            name="preferred_name",
            field=models.CharField(
                blank=True,
                default="",
                help_text="What they like to be called, if not their full name.",
                max_length=200,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="candidate",
            name="language",
            field=models.CharField(
                default=candidates.models.default_language,
                max_length=16,
                validators=[candidates.validators.validate_language],
            ),
        ),
        migrations.AddField(
            model_name="candidate",
            name="email_key",
            field=models.CharField(default="", editable=False, max_length=400),
            preserve_default=False,
        ),
        migrations.RemoveConstraint(
            model_name="candidate",
            name="candidate_email_ci_unique",
        ),
        migrations.RunPython(fill_email_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="candidate",
            constraint=models.UniqueConstraint(
                fields=("email_key",),
                name="candidate_email_key_unique",
                violation_error_code="duplicate_email",
                violation_error_message="A candidate with this email already exists.",
            ),
        ),
    ]
