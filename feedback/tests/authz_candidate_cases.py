"""Candidate pages (signed links), requests for more detail, privacy pages.

Candidate pages need no login: a valid token opens them for everyone (the
token is the credential); a bad token gets the friendly link-problem page with
status 404 (tested in test_candidate_links.py). The objects only these cases
need (the world's letter as sent, a request about it) are made on first use,
so the shared ``world`` fixture stays as it is.
"""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from feedback.links import make_token
from feedback.models import FeedbackLetter, FeedbackRequest
from tests.support.authz import NOT_ALLOWED, OK, Case, everyone, hr_only, staff_only, this_job_only


def _sent_letter(w):
    """The world's letter as the candidate receives it: sent."""
    if not getattr(w, "letter_is_sent", False):
        FeedbackLetter.objects.filter(pk=w.letter.pk).update(
            status=FeedbackLetter.Status.SENT, sent_at=timezone.now(), sent_text=w.letter.body
        )
        w.letter.refresh_from_db()
        w.letter_is_sent = True
    return w.letter


def _candidate_url(name, purpose="letter"):
    return lambda w: reverse(f"candidate:{name}", args=[make_token(purpose, _sent_letter(w).public_id)])


def _request(w):
    """A candidate's question about the world's letter, routed to its decider (interviewer_this)."""
    if not hasattr(w, "feedback_request"):
        now = timezone.now()
        w.feedback_request = FeedbackRequest.objects.create(
            letter=_sent_letter(w),
            question="Which part of the design was missing?",
            asked_at=now,
            deadline=now + dt.timedelta(days=7),
        )
    return w.feedback_request


CASES = {
    "candidate:letter": Case(url=_candidate_url("letter"), expect=everyone(OK)),
    "candidate:remind": Case(
        url=_candidate_url("remind"), method="post", data={"action": "on"}, expect=everyone(OK)
    ),
    # Actions are POST only: a GET changes nothing.
    "candidate:ask": Case(url=_candidate_url("ask"), expect=everyone(NOT_ALLOWED)),
    "candidate:rate": Case(url=_candidate_url("rate"), expect=everyone(NOT_ALLOWED)),
    "candidate:calendar": Case(url=_candidate_url("calendar"), expect=everyone(OK)),
    # The page's language switch (Django's set_language): a POST sets the language cookie and
    # goes back to the page named in "next"; it holds no personal data.
    "candidate:language": Case(
        url=lambda w: reverse("candidate:language"),
        method="post",
        data={"language": "de", "next": "/c/"},
        expect=everyone(OK),
    ),
    "candidate:unsubscribe": Case(url=_candidate_url("unsubscribe", "unsubscribe"), expect=everyone(OK)),
    "candidate:reapply": Case(url=_candidate_url("reapply", "reapply"), expect=everyone(OK)),
    # The decider answers; so may the job's hiring manager; HR reads it (and reviews below).
    "requests:mine": Case(url=lambda w: reverse("requests:mine"), expect=staff_only()),
    "requests:answer": Case(
        url=lambda w: reverse("requests:answer", args=[_request(w).pk]), expect=this_job_only()
    ),
    "requests:review_list": Case(url=lambda w: reverse("requests:review_list"), expect=hr_only()),
    "requests:review": Case(
        url=lambda w: reverse("requests:review", args=[_request(w).pk]), expect=hr_only()
    ),
    # The live quality check of an answer being typed: any staff member, POST only.
    "requests:check": Case(
        url=lambda w: reverse("requests:check"),
        method="post",
        data={"answer": "You were not the right culture fit."},
        expect=staff_only(),
    ),
    "privacy:home": Case(url=lambda w: reverse("privacy:home"), expect=hr_only()),
    "privacy:export": Case(url=lambda w: reverse("privacy:export", args=[w.candidate.pk]), expect=hr_only()),
    "privacy:erase": Case(url=lambda w: reverse("privacy:erase", args=[w.candidate.pk]), expect=hr_only()),
}
