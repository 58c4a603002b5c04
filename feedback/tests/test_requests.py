"""Requests for more detail: routed to the decider, answered, reviewed by HR with the quality check."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from feedback.models import FeedbackRequest
from feedback.portal import services
from feedback.requests import services as request_services
from feedback.requests.services import QualityCheckFailed, RequestStateError
from feedback.tests.candidate_helpers import make_letter, url
from hiring.tests.factories import InterviewerFactory

pytestmark = pytest.mark.django_db

GOOD_ANSWER = (
    "In the design question you described a fixed window. A stronger answer would compare a "
    "sliding window with a token bucket and say how bursts at the boundary are handled."
)
FLAGGED_ANSWER = "Honestly you were not the right culture fit for the team."


@pytest.fixture
def asked(db):
    letter = make_letter()
    request = request_services.request_create(
        letter=letter, question="What would a strong design answer include?"
    )
    return letter, request


def _answered(asked, text=GOOD_ANSWER):
    letter, request = asked
    return request_services.request_answer(request=request, by=letter.decision.decided_by, answer=text)


def test_decider_sees_the_request_and_answers_it(client, asked):
    letter, request = asked
    decider = letter.decision.decided_by
    client.force_login(decider)
    listing = client.get(reverse("requests:mine")).content.decode()
    assert reverse("requests:answer", args=[request.pk]) in listing
    page = client.get(reverse("requests:answer", args=[request.pk])).content.decode()
    assert "What would a strong design answer include?" in page
    response = client.post(reverse("requests:answer", args=[request.pk]), {"answer": GOOD_ANSWER})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.answer, request.answered_by) == ("in_review", GOOD_ANSWER, decider)
    assert AuditEvent.objects.filter(verb="request.answered", actor=decider).exists()


def test_jobs_hiring_manager_may_answer(client, asked):
    letter, request = asked
    client.force_login(letter.application.job.hiring_manager)
    response = client.post(reverse("requests:answer", args=[request.pk]), {"answer": GOOD_ANSWER})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "in_review"


def test_other_interviewer_cannot_see_or_answer(client, asked):
    _, request = asked
    client.force_login(InterviewerFactory())
    assert (
        reverse("requests:answer", args=[request.pk])
        not in client.get(reverse("requests:mine")).content.decode()
    )
    assert client.get(reverse("requests:answer", args=[request.pk])).status_code == 404
    assert client.post(reverse("requests:answer", args=[request.pk]), {"answer": "x"}).status_code == 404
    request.refresh_from_db()
    assert request.status == "open"


def test_hr_reads_but_does_not_answer_in_the_deciders_place(client, asked, hr_user):
    _, request = asked
    client.force_login(hr_user)
    assert client.get(reverse("requests:answer", args=[request.pk])).status_code == 200
    client.post(reverse("requests:answer", args=[request.pk]), {"answer": GOOD_ANSWER})
    request.refresh_from_db()
    assert request.status == "open"


def test_empty_answer_is_refused_next_to_the_field(client, asked):
    letter, request = asked
    client.force_login(letter.decision.decided_by)
    response = client.post(reverse("requests:answer", args=[request.pk]), {"answer": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_overdue_request_is_marked_late_for_the_decider(client, asked):
    letter, request = asked
    FeedbackRequest.objects.filter(pk=request.pk).update(deadline=timezone.now() - dt.timedelta(days=1))
    client.force_login(letter.decision.decided_by)
    assert "(late)" in client.get(reverse("requests:mine")).content.decode()


def test_late_requests_reach_the_deciders_digest(asked):
    """The daily digest (feedback.digest) lists open requests past their deadline for the decider."""
    from feedback.digest import late_digests

    letter, request = asked
    _, by_decider = late_digests(now=request.deadline + dt.timedelta(minutes=1))
    items = by_decider[letter.decision.decided_by].requests
    assert [item["answer_url"] for item in items] == [
        "http://testserver" + reverse("requests:answer", args=[request.pk])
    ]


# HR review ------------------------------------------------------------------------------


def test_hr_approves_a_clean_answer_and_it_is_scheduled_now(client, asked, hr_user):
    request = _answered(asked)
    client.force_login(hr_user)
    page = client.get(reverse("requests:review", args=[request.pk])).content.decode()
    assert "Quality check: no flags." in page
    response = client.post(
        reverse("requests:review", args=[request.pk]), {"answer": GOOD_ANSWER, "override_reason": ""}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == FeedbackRequest.Status.SCHEDULED
    assert request.send_after <= timezone.now()
    assert request.approved_by == hr_user
    assert AuditEvent.objects.filter(verb="request.approved", actor=hr_user).exists()


def test_flagged_answer_shows_findings_and_blocks_approval(client, asked, hr_user):
    request = _answered(asked, FLAGGED_ANSWER)
    client.force_login(hr_user)
    page = client.get(reverse("requests:review", args=[request.pk])).content.decode()
    assert "Quality check: 1 flag" in page
    assert "<mark" in page and "culture fit" in page
    response = client.post(
        reverse("requests:review", args=[request.pk]), {"answer": FLAGGED_ANSWER, "override_reason": ""}
    )
    assert response.status_code == 400
    request.refresh_from_db()
    assert request.status == FeedbackRequest.Status.IN_REVIEW


def test_hr_can_fix_the_answer_while_reviewing(client, asked, hr_user):
    request = _answered(asked, FLAGGED_ANSWER)
    client.force_login(hr_user)
    response = client.post(reverse("requests:review", args=[request.pk]), {"answer": GOOD_ANSWER})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.answer, request.status) == (GOOD_ANSWER, FeedbackRequest.Status.SCHEDULED)
    assert AuditEvent.objects.filter(verb="request.edited").exists()


def test_override_with_a_reason_is_audited(client, asked, hr_user):
    request = _answered(asked, FLAGGED_ANSWER)
    client.force_login(hr_user)
    response = client.post(
        reverse("requests:review", args=[request.pk]),
        {"answer": FLAGGED_ANSWER, "override_reason": "Quoting the candidate's own words back"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == FeedbackRequest.Status.SCHEDULED
    assert request.override_reason == "Quoting the candidate's own words back"
    event = AuditEvent.objects.get(verb="request.override")
    assert (event.actor, event.reason) == (hr_user, "Quoting the candidate's own words back")
    assert event.data["categories"] == ["boilerplate"]


def test_service_refuses_flagged_answer_without_reason(asked, hr_user):
    request = _answered(asked, FLAGGED_ANSWER)
    with pytest.raises(QualityCheckFailed) as exc:
        request_services.request_approve(request=request, by=hr_user)
    assert exc.value.findings


def test_approving_twice_is_refused(asked, hr_user):
    request = _answered(asked)
    request_services.request_approve(request=request, by=hr_user)
    with pytest.raises(RequestStateError):
        request_services.request_approve(request=request, by=hr_user)
    with pytest.raises(RequestStateError):
        request_services.request_answer(request=request, by=hr_user, answer="late change")


def test_unanswered_request_cannot_be_approved(asked, hr_user):
    _, request = asked
    with pytest.raises(RequestStateError):
        request_services.request_approve(request=request, by=hr_user)


def test_unsubscribed_candidate_is_not_emailed_but_sees_the_answer(client, asked, hr_user):
    letter, _ = asked
    request = _answered(asked)
    services.candidate_unsubscribe(candidate=letter.application.candidate)
    request_services.request_approve(request=request, by=hr_user)
    request.refresh_from_db()
    assert request.status == FeedbackRequest.Status.CANCELLED
    assert "unsubscribed" in request.last_error
    assert (
        "compare a sliding window" in client.get(url("letter", letter), follow=True).content.decode().lower()
    )


def test_approved_answer_is_emailed_once_by_the_engine(asked, hr_user, mailoutbox):
    from outbox.services import delivery_send

    letter, _ = asked
    request = request_services.request_approve(request=_answered(asked), by=hr_user)
    assert delivery_send(kind="answer", pk=request.pk) == "sent"
    assert delivery_send(kind="answer", pk=request.pk) == "skipped"
    assert len(mailoutbox) == 1
    assert GOOD_ANSWER in mailoutbox[0].body
    assert mailoutbox[0].to == [letter.application.candidate.email]


def test_review_list_shows_answers_waiting_for_review(client, asked, hr_user):
    request = _answered(asked)
    client.force_login(hr_user)
    body = client.get(reverse("requests:review_list")).content.decode()
    assert reverse("requests:review", args=[request.pk]) in body


def test_live_check_returns_findings_for_the_text_being_typed(client, asked):
    letter, _ = asked
    client.force_login(letter.decision.decided_by)
    flagged = client.post(reverse("requests:check"), {"answer": FLAGGED_ANSWER}).content.decode()
    assert "Quality check: 1 flag" in flagged and "<mark" in flagged
    clean = client.post(reverse("requests:check"), {"answer": GOOD_ANSWER}).content.decode()
    assert "no flags" in clean
    assert client.get(reverse("requests:check")).status_code == 405
    answer_page = client.get(reverse("requests:answer", args=[asked[1].pk])).content.decode()
    assert f'hx-post="{reverse("requests:check")}"' in answer_page


def test_hr_closes_a_request_without_answer_with_an_audited_reason(client, asked, hr_user):
    letter, request = asked
    client.force_login(hr_user)
    url_ = reverse("requests:review", args=[request.pk])
    client.post(url_, {"action": "close", "reason": ""})
    request.refresh_from_db()
    assert request.status == FeedbackRequest.Status.OPEN
    response = client.post(url_, {"action": "close", "reason": "Abusive message"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == FeedbackRequest.Status.CANCELLED
    event = AuditEvent.objects.get(verb="request.closed")
    assert (event.actor, event.reason) == (hr_user, "Abusive message")
    page = client.get(url("letter", letter), follow=True).content.decode()
    assert "This question was closed" in page
