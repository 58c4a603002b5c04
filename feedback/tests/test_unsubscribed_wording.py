"""What the pages say about email matches what Candor does, for unsubscribed candidates too.

A tester found: an unsubscribed candidate who asked a question was told "We will email you the
answer" (it is only on their page); HR's button read "Approve and send" and the message "on its
way to the candidate" for an answer that is not emailed; answers and letters not emailed because
the candidate unsubscribed read "Cancelled"; and a letter never emailed told the candidate to
open their page "from the link at the end of this email".
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.letters import services as letter_services
from feedback.letters.selectors import letter_on_page_only
from feedback.letters.services import default_template, letter_values
from feedback.models import FeedbackLetter, FeedbackRequest
from feedback.placeholders import DEFAULT_TEXT, render
from feedback.portal import services as portal_services
from feedback.portal.selectors import letter_page_text
from feedback.requests import services as request_services
from feedback.templatetags.status_words import NOT_EMAILED_LABEL
from feedback.tests.candidate_helpers import make_letter, url
from outbox.services import delivery_send

pytestmark = pytest.mark.django_db

ANSWER = (
    "In the design question you described a fixed window. A stronger answer would compare a "
    "sliding window with a token bucket and say how bursts at the boundary are handled."
)
QUESTION = "What would a strong design answer include?"


def _letter(*, unsubscribed: bool) -> FeedbackLetter:
    letter = make_letter()
    if unsubscribed:
        portal_services.candidate_unsubscribe(candidate=letter.application.candidate)
    return letter


def _answered(letter) -> FeedbackRequest:
    request = request_services.request_create(letter=letter, question=QUESTION)
    return request_services.request_answer(request=request, by=letter.decision.decided_by, answer=ANSWER)


def _approve_page_and_post(client, hr_user, request):
    client.force_login(hr_user)
    page = client.get(reverse("requests:review", args=[request.pk])).content.decode()
    done = client.post(
        reverse("requests:review", args=[request.pk]), {"answer": ANSWER, "override_reason": ""}, follow=True
    ).content.decode()
    return page, done


# 1. The candidate's page, after asking ----------------------------------------------------------


@pytest.mark.parametrize("unsubscribed", [True, False])
def test_what_the_candidate_is_told_after_asking_is_what_happens_to_the_answer(
    client, hr_user, mailoutbox, unsubscribed
):
    letter = _letter(unsubscribed=unsubscribed)
    before = client.get(url("letter", letter), follow=True).content.decode()
    after = client.post(url("ask", letter), {"question": QUESTION}, follow=True).content.decode()
    assert "We will email you the answer" not in after
    assert "The answer will appear on this page" in after
    promised_email = "we will also email it to you" in after
    assert promised_email is not unsubscribed
    assert ("we will also email it to you" in before) is not unsubscribed
    if unsubscribed:
        assert "We won&#x27;t email it to you, as you asked." in after

    # What was promised is what happens: answered, approved by HR, shown on the page, emailed or not.
    request = FeedbackRequest.objects.get(letter=letter)
    request = request_services.request_answer(request=request, by=letter.decision.decided_by, answer=ANSWER)
    request = request_services.request_approve(request=request, by=hr_user)
    FeedbackRequest.objects.filter(pk=request.pk).update(send_after=timezone.now() - dt.timedelta(seconds=1))
    delivery_send(kind="answer", pk=request.pk)
    assert len(mailoutbox) == (0 if unsubscribed else 1)
    assert "compare a sliding window" in client.get(url("letter", letter), follow=True).content.decode()


# 2. HR's review of the answer, and the status labels ----------------------------------------------


def test_hr_approving_an_answer_for_an_unsubscribed_candidate_is_told_it_is_not_emailed(client, hr_user):
    request = _answered(_letter(unsubscribed=True))
    page, done = _approve_page_and_post(client, hr_user, request)
    assert "Approve (shown on the candidate's page; not emailed: the candidate unsubscribed)" in page
    assert "Approve and send" not in page
    assert (
        "Approved: the answer is on the candidate&#x27;s page. "
        "It was not emailed because the candidate unsubscribed."
    ) in done
    assert "on its way to the candidate" not in done


def test_hr_approving_an_answer_for_a_subscribed_candidate_sends_it(client, hr_user):
    request = _answered(_letter(unsubscribed=False))
    page, done = _approve_page_and_post(client, hr_user, request)
    assert "Approve and send" in page
    assert "not emailed" not in page
    assert "Approved: the answer is on its way to the candidate." in done


@pytest.mark.parametrize("when", ["before approval", "after approval"])
def test_an_answer_not_emailed_because_they_unsubscribed_reads_not_emailed_not_cancelled(
    client, hr_user, when
):
    letter = _letter(unsubscribed=when == "before approval")
    request = request_services.request_approve(request=_answered(letter), by=hr_user)
    if when == "after approval":  # unsubscribed while the answer waited to go
        portal_services.candidate_unsubscribe(candidate=letter.application.candidate)
    # The stored status stays "cancelled": only the label changes.
    assert FeedbackRequest.objects.get(pk=request.pk).status == FeedbackRequest.Status.CANCELLED

    client.force_login(hr_user)
    listing = client.get(reverse("requests:review_list") + "?status=all").content.decode()
    assert f"<td>{NOT_EMAILED_LABEL}<br>" in listing
    assert "<td>Cancelled" not in listing
    review = client.get(reverse("requests:review", args=[request.pk])).content.decode()
    assert f"· {NOT_EMAILED_LABEL}</p>" in review
    assert "· Cancelled" not in review
    client.force_login(letter.decision.decided_by)
    mine = client.get(reverse("requests:mine")).content.decode()
    assert f"· {NOT_EMAILED_LABEL}" in mine


def test_a_request_hr_closed_still_reads_cancelled(client, hr_user):
    letter = _letter(unsubscribed=True)
    request = request_services.request_create(letter=letter, question=QUESTION)
    request_services.request_close(request=request, by=hr_user, reason="Asked again by email.")
    client.force_login(hr_user)
    text = client.get(reverse("requests:review", args=[request.pk])).content.decode()
    assert "· Cancelled" in text
    assert NOT_EMAILED_LABEL not in text


def test_a_letter_not_emailed_because_they_unsubscribed_reads_not_emailed_for_hr(client, hr_user):
    first = _letter(unsubscribed=True)
    second = make_letter(candidate=first.application.candidate, status=FeedbackLetter.Status.IN_REVIEW)
    second = letter_services.letter_approve(
        letter=second,
        by=hr_user,
        send_at=timezone.now() + dt.timedelta(minutes=1),
        override_reason="Checked.",
    )
    FeedbackLetter.objects.filter(pk=second.pk).update(send_after=timezone.now() - dt.timedelta(seconds=1))
    delivery_send(kind="letter", pk=second.pk)
    second.refresh_from_db()
    assert second.status == FeedbackLetter.Status.CANCELLED and letter_on_page_only(second)
    client.force_login(hr_user)
    page = client.get(reverse("feedback:letter_edit", args=[second.pk])).content.decode()
    assert f'id="letter-status">{NOT_EMAILED_LABEL}</span>' in page


# 3. The letter's text on the page ---------------------------------------------------------------


def _default_text(letter) -> str:
    template = default_template()
    return render(template.body_text if template else DEFAULT_TEXT, letter_values(decision=letter.decision))


@pytest.mark.parametrize("emailed", [True, False])
def test_the_letter_on_its_page_has_no_words_that_only_make_sense_in_an_email(client, hr_user, emailed):
    first = _letter(unsubscribed=not emailed)
    letter = make_letter(candidate=first.application.candidate, status=FeedbackLetter.Status.IN_REVIEW)
    body = _default_text(letter)
    assert "the link at the end of this email" in body  # the default template's wording
    FeedbackLetter.objects.filter(pk=letter.pk).update(body=body)
    letter.refresh_from_db()
    letter = letter_services.letter_approve(
        letter=letter,
        by=hr_user,
        send_at=timezone.now() + dt.timedelta(minutes=1),
        override_reason="Checked.",
    )
    FeedbackLetter.objects.filter(pk=letter.pk).update(send_after=timezone.now() - dt.timedelta(seconds=1))
    delivery_send(kind="letter", pk=letter.pk)
    letter.refresh_from_db()
    assert bool(letter.sent_text) is emailed

    page = client.get(url("letter", letter), follow=True).content.decode()
    assert "this email" not in page
    assert "any of these points, use &quot;Ask for more detail&quot; below." in page
    assert "Ask for more detail" in page  # the section it points to is on the page
    # The stored letter (and the email, when there was one) keep their words.
    letter.refresh_from_db()
    assert "the link at the end of this email" in letter.body


def test_the_email_only_sentence_is_rewritten_in_any_case_and_with_curly_quotes():
    letter = FeedbackLetter(
        body=(
            "Open your feedback page from the link at the end of this email and choose "
            "\u201cAsk for more detail\u201d. If you like, open your feedback page from the link at "
            'the end of this email and choose "Ask for more detail".'
        )
    )
    assert letter_page_text(letter) == (
        'Use \u201cAsk for more detail\u201d below. If you like, use "Ask for more detail" below.'
    )
