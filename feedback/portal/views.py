"""Candidate pages. No account: every page reads a signed token naming a letter.

A bad token (tampered, expired, made for another purpose, or a letter that is
not sent or was erased) gets a friendly page with status 404 and changes
nothing. GET never changes state; every action is a POST with CSRF, except the
one-click unsubscribe POST from mail clients (RFC 8058), which the signed token
protects instead.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import add_validation_error
from feedback.portal import ics, services, sessions
from feedback.portal.forms import QuestionForm, RatingForm, ReapplyForm, time_zone_names
from feedback.portal.i18n import candidate_page_language, long_date
from feedback.portal.selectors import (
    LinkProblem,
    existing_reapplication,
    letter_from_token,
    letter_page_text,
    other_letters,
    progress,
    reapply_date,
    reapply_is_open,
    reapply_jobs,
    reminder_for,
    reminder_is_on,
    reminders_pending,
)
from feedback.portal.services import CandidateActionError
from feedback.requests import services as request_services
from feedback.requests.selectors import answers_emailed_to, candidate_requests
from feedback.requests.services import REQUESTS_PER_LETTER, RequestStateError

LINK_PROBLEM_STATUS = 404


def link_problem(request, reason: str):
    return render(
        request,
        "feedback/portal/link_problem.html",
        {"reason": reason, "hr_email": settings.CANDOR_HR_EMAIL},
        status=LINK_PROBLEM_STATUS,
    )


def candidate_link(purpose: str):
    """Load the letter named by the link in the URL, or show the link problem page.

    The URL's segment is a signed token (from an email) or a session slot
    (``feedback.portal.sessions``). A GET with a valid token is exchanged for a slot and
    redirected to the same page with the slot, so history and Referer carry no token; a POST
    with a token (RFC 8058 one-click unsubscribe from a mail client) is served as it is.
    The view receives the letter and the slot (or token) to build its own links with.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, token, *args, **kwargs):
            try:
                if sessions.is_signed_token(token):
                    letter = letter_from_token(purpose, token)
                    slot = sessions.exchange(request, purpose, token)
                    if request.method == "GET":
                        response = redirect(request.path.replace(token, slot, 1))
                        response["X-Robots-Tag"] = "noindex, nofollow"
                        response["Cache-Control"] = "no-store"
                        return response
                    token = slot  # a POST: served, and its redirects lead to the slot's pages
                else:
                    letter = letter_from_token(purpose, sessions.token_for(request, purpose, token))
            except LinkProblem as problem:
                return link_problem(request, problem.reason)
            # In the candidate's language, or the one they chose (feedback.portal.i18n).
            with candidate_page_language(request, letter.application.candidate) as language:
                response = view(request, letter, token, *args, **kwargs)
            response["Content-Language"] = language
            # Personal pages: not cached by proxies, not indexed.
            response["X-Robots-Tag"] = "noindex, nofollow"
            return response

        return never_cache(wrapper)

    return decorator


def _urls(request, letter, token) -> dict:
    return {
        "page_url": reverse("candidate:letter", args=[token]),
        "remind_url": reverse("candidate:remind", args=[token]),
        "ask_url": reverse("candidate:ask", args=[token]),
        "rate_url": reverse("candidate:rate", args=[token]),
        "calendar_url": reverse("candidate:calendar", args=[token]),
        "unsubscribe_url": _page_link(request, "unsubscribe", letter),
        "reapply_url": _page_link(request, "reapply", letter),
    }


_PAGE_FOR_PURPOSE = {
    "letter": "candidate:letter",
    "unsubscribe": "candidate:unsubscribe",
    "reapply": "candidate:reapply",
}


def _page_link(request, purpose: str, letter) -> str:
    """A link from one candidate page to another: through a session slot, never a token."""
    return reverse(_PAGE_FOR_PURPOSE[purpose], args=[sessions.slot_for(request, purpose, letter.public_id)])


def _letter_url(request, letter) -> str:
    return _page_link(request, "letter", letter)


def _letter_page(request, letter, token, *, question_form=None, rating_form=None, status=200):
    candidate = letter.application.candidate
    reminder = reminder_for(letter)
    rating = getattr(letter, "rating", None)
    requests = list(candidate_requests(letter))
    context = {
        "letter": letter,
        "candidate": candidate,
        "job": letter.application.job,
        "text": letter_page_text(letter),
        "progress": progress(letter),
        "reapply_date": reapply_date(letter),
        "reapply_open": reapply_is_open(letter),
        "reapplied": existing_reapplication(letter) is not None,
        "reminder": reminder,
        "reminder_on": reminder_is_on(reminder),
        "reminder_sent": reminder is not None and reminder.status == "sent",
        "requests": requests,
        "can_ask": len(requests) < REQUESTS_PER_LETTER,
        "answers_emailed": answers_emailed_to(candidate),
        "question_form": question_form or QuestionForm(),
        "rating": rating,
        "rating_form": rating_form
        or RatingForm(initial={"score": rating.score, "comment": rating.comment} if rating else None),
        "hr_email": settings.CANDOR_HR_EMAIL,
        # Every page leads to the candidate's other letters: the only way to one not emailed.
        "other_letters": [
            {**item, "url": _letter_url(request, item["letter"])} for item in other_letters(letter)
        ],
        **_urls(request, letter, token),
    }
    return render(request, "feedback/portal/letter.html", context, status=status)


def _back(token, anchor: str):
    return redirect(reverse("candidate:letter", args=[token]) + f"#{anchor}")


@require_GET
@candidate_link("letter")
def letter_page(request, letter, token):
    return _letter_page(request, letter, token)


@require_POST
@candidate_link("letter")
def remind(request, letter, token):
    try:
        if request.POST.get("action") == "off":
            services.reminder_opt_out(letter=letter)
            messages.success(request, _("Done: we will not send you a reminder."))
        else:
            services.reminder_opt_in(letter=letter)
            day = long_date(reapply_date(letter))
            done = _("Done: we will email you on %(day)s, when you can reapply.") % {"day": day}
            if letter.application.candidate.unsubscribed:
                only = _("It is the only email we will send you: you are still unsubscribed from the rest.")
                done = f"{done} {only}"
            messages.success(request, done)
    except CandidateActionError as exc:
        messages.error(request, exc.message)
    return _back(token, "reapply")


@require_GET
@candidate_link("letter")
def calendar(request, letter, token):
    response = HttpResponse(ics.reapply_ics(letter), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{ics.ics_filename(letter)}"'
    return response


def _question_sent(candidate) -> str:
    """Where the answer will reach them: always on the page; by email too unless they unsubscribed."""
    if answers_emailed_to(candidate):
        return _(
            "Thank you: your question is on its way. The answer will appear on this page, "
            "and we will also email it to you."
        )
    return _(
        "Thank you: your question is on its way. The answer will appear on this page. "
        "We won't email it to you, as you asked."
    )


@require_POST
@candidate_link("letter")
def ask(request, letter, token):
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            request_services.request_create(letter=letter, question=form.cleaned_data["question"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("question", message)
        except RequestStateError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _question_sent(letter.application.candidate))
            return _back(token, "ask")
    return _letter_page(request, letter, token, question_form=form, status=400)


@require_POST
@candidate_link("letter")
def rate(request, letter, token):
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rating_save(
                letter=letter, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
            )
        except (ValidationError, CandidateActionError) as exc:
            form.add_error(None, getattr(exc, "message", None) or "; ".join(exc.messages))
        else:
            messages.success(request, _("Thank you for telling us how useful this was."))
            return _back(token, "rate")
    return _letter_page(request, letter, token, rating_form=form, status=400)


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without a CSRF token; the signed token protects it.
@require_http_methods(["GET", "POST"])
@candidate_link("unsubscribe")
def unsubscribe(request, letter, token):
    """Stop emails about this and any other application; GET asks, POST (or one-click) does it.

    The pages say exactly what ``services.candidate_unsubscribe`` does; an already unsubscribed
    candidate with a reminder asked for since can cancel that too.
    """
    candidate = letter.application.candidate
    # The unsubscribe link never expires; its way back to the letter's page lasts only as long
    # as the letter's own links (sessions.letter_links_still_open), never past them.
    page_url = _letter_url(request, letter) if sessions.letter_links_still_open(letter) else ""
    context = {"page_url": page_url, "hr_email": settings.CANDOR_HR_EMAIL}
    if request.method == "POST":
        services.candidate_unsubscribe(candidate=candidate)
        return render(request, "feedback/portal/unsubscribed.html", context)
    return render(
        request,
        "feedback/portal/unsubscribe_confirm.html",
        {**context, "already": candidate.unsubscribed, "reminders_pending": reminders_pending(candidate)},
    )


@require_http_methods(["GET", "POST"])
@candidate_link("reapply")
def reapply(request, letter, token):
    context = {
        "letter": letter,
        "job": letter.application.job,
        "reapply_date": reapply_date(letter),
        "hr_email": settings.CANDOR_HR_EMAIL,
        "careers_url": settings.CANDOR_CAREERS_URL,
        "page_url": _letter_url(request, letter),
    }
    existing = existing_reapplication(letter)
    if existing is not None:
        # A second submission of the form (back button, double click, an old tab) says so.
        already = request.method == "POST"
        return render(
            request,
            "feedback/portal/reapply_done.html",
            {**context, "application": existing, "already": already},
        )
    if not reapply_is_open(letter):
        return render(request, "feedback/portal/reapply_not_yet.html", context)
    jobs = reapply_jobs(letter)
    if not jobs:
        return render(request, "feedback/portal/reapply_no_roles.html", context)
    candidate = letter.application.candidate
    points = list(letter.decision.points.select_related("criterion"))
    initial = {"name": candidate.name, "email": candidate.email, "time_zone": candidate.time_zone}
    form = ReapplyForm(request.POST or None, initial=initial, points=points, jobs=jobs)
    if request.method == "POST" and form.is_valid():
        job_id = form.cleaned_data.get("job")
        job = next((j for j in jobs if j.pk == job_id), None) if job_id else None
        try:
            services.reapply_submit(
                letter=letter,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                time_zone=form.cleaned_data["time_zone"],
                answers=form.answers(),
                job=job,
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        except CandidateActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Thank you: we have your application."))
            return redirect(reverse("candidate:reapply", args=[token]))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "feedback/portal/reapply.html",
        {**context, "form": form, "jobs": jobs, "time_zones": time_zone_names()},
        status=status,
    )
