# ruff: noqa: E501  (letter templates are prose: one paragraph per line)
"""The default letter template, so that a no-hire can draft a letter on a fresh install.

The text is copied here (not imported) so that this migration stays the same
when the built-in template in feedback/placeholders.py changes.
"""

from django.db import migrations

NAME = "Standard feedback letter"
SUBJECT = "Feedback on your application for {job_title}"
BODY_TEXT = 'Dear {candidate_first_name},\n\nThank you for interviewing with us for the {job_title} role. We have decided not to offer you the job this time, and we would like to tell you why, as specifically as we can.\n\n{progress}\n\n{decider_name}, who made the decision, noted these points:\n\n{points}\n\nYou are welcome to apply again from {reapply_date}. If you do, you may ask to be interviewed by people who did not interview you this time.\n\nIf you would like more detail on any of these points, open your feedback page from the link at the end of this email and choose "Ask for more detail". Your question goes to {decider_name}, and the answer comes back to you through our HR team.\n\nBest regards,\n\n{decider_name}\nSent on behalf of {decider_first_name} by the HR team at {org_name} ({hr_email})'
BODY_HTML = '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{subject}</title>\n</head>\n<body style="margin:0; padding:0; background:#f4f4f4;">\n<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f4f4;">\n<tr><td align="center" style="padding:24px 12px;">\n<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px; width:100%; background:#ffffff;">\n<tr><td style="padding:28px 32px; font-family:Arial, Helvetica, sans-serif; font-size:16px; line-height:1.5; color:#222222;">\n{letter}\n</td></tr>\n<tr><td style="padding:20px 32px; border-top:1px solid #dddddd; font-family:Arial, Helvetica, sans-serif; font-size:15px; line-height:1.5; color:#222222;">\n<p style="margin:0 0 12px;"><a href="{candidate_page_url}" style="color:#0b57d0;">Open your feedback page</a> to ask for more detail, tell us how useful this feedback was, or ask us to remind you when you can reapply.</p>\n<p style="margin:0; font-size:13px; color:#555555;">{org_name} &middot; {hr_email} &middot; <a href="{unsubscribe_url}" style="color:#555555;">Unsubscribe</a></p>\n</td></tr>\n</table>\n</td></tr>\n</table>\n</body>\n</html>'


def create_default_template(apps, schema_editor):
    LetterTemplate = apps.get_model("feedback", "LetterTemplate")
    if LetterTemplate.objects.filter(is_default=True).exists():
        return
    LetterTemplate.objects.get_or_create(
        name=NAME,
        defaults={"subject": SUBJECT, "body_text": BODY_TEXT, "body_html": BODY_HTML, "is_default": True},
    )


def remove_default_template(apps, schema_editor):
    apps.get_model("feedback", "LetterTemplate").objects.filter(name=NAME, updated_by=None).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]
    operations = [migrations.RunPython(create_default_template, remove_default_template)]
