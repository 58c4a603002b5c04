"""Emails to candidates besides the letter: the reapply reminder and answers to their questions.

The sending engine (outbox.services) builds each message with these
functions, from a row that keeps its Message-ID, so a redelivered send is the
same message.

Every email to a candidate follows the letter's rules: it opens with
``placeholders.greeting`` ("Dear Rosa,") and comes from
``letters.emails.candidate_from_email`` ("<signer> via <organisation>", or the
organisation's name when no person signs it). Who gets which email after
unsubscribing is decided by the ``*_skip_reason`` hooks below and
``letters.emails.letter_skip_reason``: only a reminder asked for after the
unsubscribe still goes.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core.text import one_line
from feedback import links
from feedback.letters.emails import candidate_from_email
from feedback.models import FeedbackLetter
from feedback.placeholders import greeting
from feedback.portal.i18n import candidate_language, long_date
from feedback.portal.selectors import reapply_date, reapply_jobs


def _letter_of(application) -> FeedbackLetter | None:
    return (
        FeedbackLetter.objects.filter(application=application)
        .select_related("application__candidate", "application__job", "decision")
        .order_by("-id")
        .first()
    )


def _unsubscribe_headers(letter) -> dict:
    # RFC 8058: an HTTPS URI and the One-Click marker; the URL takes a POST.
    return {
        "List-Unsubscribe": f"<{links.unsubscribe_url(letter)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _message(
    *, candidate, signer: str = "", subject, template, context, message_id, headers
) -> EmailMultiAlternatives:
    """One email to ``candidate`` from ``feedback/email/<template>.txt`` and ``.html``.

    The greeting (``greeting``) and the From (``candidate_from_email(signer=…)``) follow the
    rules every candidate email shares; ``signer`` is the person who signs it, or "".
    Call it inside ``translation.override(candidate_language(candidate))`` (the builders
    below do): the subject, the text and ``Content-Language`` are in that language.
    """
    context = {
        "org_name": settings.CANDOR_ORG_NAME,
        "hr_email": settings.CANDOR_HR_EMAIL,
        "greeting": greeting(candidate),
        **context,
    }
    msg = EmailMultiAlternatives(
        subject=one_line(subject),
        body=render_to_string(f"feedback/email/{template}.txt", context),
        from_email=candidate_from_email(signer=signer),
        to=[candidate.email],
        reply_to=[settings.CANDOR_HR_EMAIL],
        headers={"Message-ID": message_id, "Content-Language": translation.get_language(), **headers},
    )
    msg.attach_alternative(render_to_string(f"feedback/email/{template}.html", context), "text/html")
    return msg


def reminder_link(letter) -> str:
    """The reapply form when a role is open (the same job, or the team's open jobs), else the careers page."""
    if reapply_jobs(letter) or not settings.CANDOR_CAREERS_URL:
        return links.reapply_url(letter)
    return settings.CANDOR_CAREERS_URL


def build_reminder_message(reminder) -> EmailMultiAlternatives:
    """The reapply reminder, in the candidate's language (``candidate_language``)."""
    with translation.override(candidate_language(reminder.candidate)):
        return _reminder_message(reminder)


def _reminder_message(reminder) -> EmailMultiAlternatives:
    letter = _letter_of(reminder.application)
    candidate = reminder.candidate
    job = reminder.application.job
    jobs = reapply_jobs(letter)
    context = {
        "job_title": job.title,
        "same_job_open": jobs == [job],
        "other_jobs": [j for j in jobs if j != job],
        "other_titles": ", ".join(j.title for j in jobs if j != job),
        "reapply_date": long_date(reapply_date(letter)),
        "link": reminder_link(letter),
        "letter_url": links.letter_page_url(letter),
        "unsubscribe_url": links.unsubscribe_url(letter),
    }
    return _message(
        subject=_("You can now reapply to %(org_name)s") % {"org_name": settings.CANDOR_ORG_NAME},
        template="reminder",
        context=context,
        candidate=candidate,
        message_id=reminder.message_id,
        headers=_unsubscribe_headers(letter),
    )


def build_answer_message(request) -> EmailMultiAlternatives:
    """An approved answer to the candidate's question, in the candidate's language."""
    with translation.override(candidate_language(request.letter.application.candidate)):
        return _answer_message(request)


def _answer_message(request) -> EmailMultiAlternatives:
    letter = request.letter
    candidate = letter.application.candidate
    answered_by = request.answered_by
    signer = (answered_by.get_full_name() or answered_by.get_username()) if answered_by else ""
    context = {
        "job_title": letter.application.job.title,
        "question": request.question,
        "answer": request.answer,
        "answered_by": one_line(signer),
        "letter_url": links.letter_page_url(letter),
        "unsubscribe_url": links.unsubscribe_url(letter),
    }
    return _message(
        subject=_("Your question about the %(job_title)s role") % {"job_title": letter.application.job.title},
        template="answer",
        context=context,
        candidate=candidate,
        signer=signer,
        message_id=request.message_id,
        headers=_unsubscribe_headers(letter),
    )


def reminder_skip_reason(reminder) -> str | None:
    """Why a due reminder must not be sent, or None to send it.

    A reminder is its own consent: one asked for after an unsubscribe is sent (the candidate
    stays unsubscribed from everything else); one asked for before it is not.
    """
    candidate = reminder.candidate
    if candidate.erased:
        return "The candidate's data was erased."
    if candidate.unsubscribed_at is not None and candidate.unsubscribed_at > reminder.opted_in_at:
        return "The candidate unsubscribed after asking for it."
    if reminder.application.reapplications.exists():
        return "The candidate has already reapplied."
    return None


def answer_skip_reason(request) -> str | None:
    """Why an approved answer must not be emailed (it still shows on the candidate's page).

    Unsubscribed candidates get no answer by email, whatever reminder they asked for since.
    """
    candidate = request.letter.application.candidate
    if candidate.erased:
        return "The candidate's data was erased."
    if candidate.unsubscribed:
        return "The candidate unsubscribed."
    return None
