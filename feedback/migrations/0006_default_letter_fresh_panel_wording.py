# ruff: noqa: E501  (letter templates are prose: one paragraph per line)
"""The default letter template promises what the code does about the panel of a reapplication.

The old default said "you may ask to be interviewed by people who did not interview you
this time"; the letter, the candidate page, the reminder and the reapply pages now say one
thing (feedback.placeholders.FRESH_PANEL_PROMISE). Only a default row whose text is still the
old default, word for word, is changed: a template HR edited is theirs. The texts are copied
here (not imported) so that this migration stays the same when the built-in template changes.
"""

from django.db import migrations

OLD_SENTENCE = "You are welcome to apply again from {reapply_date}. If you do, you may ask to be interviewed by people who did not interview you this time."
NEW_SENTENCE = "You are welcome to apply again from {reapply_date}. If you reapply, you will normally be interviewed by people who did not interview you before."
OLD_BODY_TEXT = 'Dear {candidate_first_name},\n\nThank you for interviewing with us for the {job_title} role. We have decided not to offer you the job this time, and we would like to tell you why, as specifically as we can.\n\n{progress}\n\n{decider_name}, who made the decision, noted these points:\n\n{points}\n\nYou are welcome to apply again from {reapply_date}. If you do, you may ask to be interviewed by people who did not interview you this time.\n\nIf you would like more detail on any of these points, open your feedback page from the link at the end of this email and choose "Ask for more detail". Your question goes to {decider_name}, and the answer comes back to you through our HR team.\n\nBest regards,\n\n{decider_name}\nSent on behalf of {decider_first_name} by the HR team at {org_name} ({hr_email})'
NEW_BODY_TEXT = OLD_BODY_TEXT.replace(OLD_SENTENCE, NEW_SENTENCE)


def _move(apps, old: str, new: str) -> None:
    LetterTemplate = apps.get_model("feedback", "LetterTemplate")
    LetterTemplate.objects.filter(is_default=True, body_text=old).update(body_text=new)


def forwards(apps, schema_editor):
    _move(apps, OLD_BODY_TEXT, NEW_BODY_TEXT)


def backwards(apps, schema_editor):
    _move(apps, NEW_BODY_TEXT, OLD_BODY_TEXT)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0005_letter_reapply_on")]
    operations = [migrations.RunPython(forwards, backwards)]
