"""HR pages of the feedback app (letters, templates, dashboard)."""

from django.urls import reverse

from tests.support.authz import OK, Case, hr_only, this_job_only


def _letter_url(name):
    return lambda w: reverse(name, args=[w.letter.pk])


def _template_pk(w):
    """The default template (made by a data migration; a transactional test's flush may have removed it)."""
    from feedback import placeholders
    from feedback.models import LetterTemplate

    template, _ = LetterTemplate.objects.get_or_create(
        is_default=True,
        language="en-gb",  # one default per language (issue 16)
        defaults={
            "name": placeholders.DEFAULT_NAME,
            "subject": placeholders.DEFAULT_SUBJECT,
            "body_text": placeholders.DEFAULT_TEXT,
            "body_html": placeholders.DEFAULT_HTML,
        },
    )
    return template.pk


def _failed_reminder_pk(w):
    """A reapply reminder of the world's application that failed (one per application)."""
    from django.utils import timezone

    from feedback.models import DeliveryStatus, ReapplyReminder

    reminder, _ = ReapplyReminder.objects.get_or_create(
        application=w.letter.application,
        defaults={
            "candidate": w.letter.application.candidate,
            "status": DeliveryStatus.FAILED,
            "opted_in_at": timezone.now(),
            "send_after": timezone.now(),
            "last_error": "550 mailbox unavailable",
        },
    )
    return reminder.pk


CASES = {
    "feedback:hr_home": Case(url=lambda w: reverse("feedback:hr_home"), expect=hr_only()),
    "feedback:letter_queue": Case(url=lambda w: reverse("feedback:letter_queue"), expect=hr_only()),
    "feedback:letters_bulk_approve": Case(
        url=lambda w: reverse("feedback:letters_bulk_approve"),
        method="post",
        data=lambda w: {"letters": [w.letter.pk]},
        expect=hr_only(),
    ),
    "feedback:letter_edit": Case(url=_letter_url("feedback:letter_edit"), expect=hr_only()),
    "feedback:letter_lint": Case(
        url=_letter_url("feedback:letter_lint"),
        method="post",
        data={"subject": "Feedback", "body": "Dear Ada"},
        expect=hr_only(),
    ),
    "feedback:letter_preview": Case(url=_letter_url("feedback:letter_preview"), expect=hr_only()),
    "feedback:letter_approve": Case(
        url=_letter_url("feedback:letter_approve"),
        method="post",
        data={"when": "default"},
        expect=hr_only(),
    ),
    "feedback:letter_cancel": Case(
        url=_letter_url("feedback:letter_cancel"), method="post", expect=hr_only()
    ),
    "feedback:letter_retry": Case(url=_letter_url("feedback:letter_retry"), method="post", expect=hr_only()),
    "feedback:reminder_retry": Case(
        url=lambda w: reverse("feedback:reminder_retry", args=[_failed_reminder_pk(w)]),
        method="post",
        expect=hr_only(),
    ),
    "feedback:template_list": Case(url=lambda w: reverse("feedback:template_list"), expect=hr_only()),
    "feedback:template_create": Case(url=lambda w: reverse("feedback:template_create"), expect=hr_only()),
    "feedback:template_edit": Case(
        url=lambda w: reverse("feedback:template_edit", args=[_template_pk(w)]), expect=hr_only()
    ),
    "feedback:insights": Case(url=lambda w: reverse("feedback:insights"), expect=hr_only()),
    # The hiring manager's pipeline (issue #17): managers see their jobs, HR every open job.
    "feedback:pipeline": Case(
        url=lambda w: reverse("feedback:pipeline"),
        expect={**hr_only(), "manager_this_job": OK, "manager_other_job": OK},
    ),
    # The decision form's live check of feedback points: staff who may see the application.
    "feedback:point_check": Case(
        url=lambda w: reverse("feedback:point_check"),
        method="post",
        data=lambda w: {
            "application": w.application.pk,
            "points-TOTAL_FORMS": "1",
            "points-0-observation": "You were not the right culture fit.",
            "points-0-suggestion": "",
        },
        expect=this_job_only(),
    ),
}
