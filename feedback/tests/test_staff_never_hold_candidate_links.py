"""Staff never hold a working candidate link (fresh-eyes finding): what was sent is shown with
its tokens masked, and a preview of an unsent letter carries an inert placeholder that never
opens anything, before or after the letter is sent. What is sent stays unchanged."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.masking import mask_candidate_links
from feedback.letters.emails import build_letter_message
from feedback.links import PREVIEW_TOKEN, make_token
from feedback.models import FeedbackLetter
from feedback.privacy.services import candidate_export
from feedback.requests import services as request_services
from feedback.tests.candidate_helpers import make_letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_client(client, hr_user):
    client.force_login(hr_user)
    return client


# A candidate path with its token, anywhere in a page (text, href, escaped or not).
_CANDIDATE_PATHS = re.compile(r"/c/(?:unsubscribe/|reapply/)?([^/\s\"'<>&]+)/")


def _tokens_in(text: str) -> set[str]:
    return {token for token in _CANDIDATE_PATHS.findall(text) if token not in ("[token]", "language")}


def _send(letter) -> FeedbackLetter:
    """Store what the sending engine stores: the real message, real signed links."""
    message = build_letter_message(letter)
    FeedbackLetter.objects.filter(pk=letter.pk).update(
        status=FeedbackLetter.Status.SENT,
        sent_at=timezone.now(),
        sent_subject=message.subject,
        sent_text=message.body,
        sent_html=message.alternatives[0][0],
    )
    letter.refresh_from_db()
    return letter


def _opens_nothing(link_token: str, purpose_path: str = "") -> None:
    candidate_browser = Client()
    response = candidate_browser.get(f"/c/{purpose_path}{link_token}/")
    assert response.status_code == 404, (link_token, response.status_code)


def test_what_is_sent_still_carries_working_links():
    letter = _send(make_letter(status=FeedbackLetter.Status.SCHEDULED))
    tokens = _tokens_in(letter.sent_text) | _tokens_in(letter.sent_html)
    assert tokens and all(":" in token for token in tokens)
    assert make_token("letter", letter.public_id).split(":")[0] in letter.sent_text


def test_hr_letter_page_and_html_view_mask_the_sent_links(hr_client):
    letter = _send(make_letter(status=FeedbackLetter.Status.SCHEDULED))
    sent_tokens = _tokens_in(letter.sent_text) | _tokens_in(letter.sent_html)

    page = hr_client.get(reverse("feedback:letter_edit", args=[letter.pk])).content.decode()
    html = hr_client.get(reverse("feedback:letter_preview", args=[letter.pk])).content.decode()

    for shown in (page, html):
        assert "/c/[token]/" in shown
        for token in sent_tokens:
            for part in token.split(":"):
                assert part not in shown


@pytest.mark.parametrize("status", [FeedbackLetter.Status.IN_REVIEW, FeedbackLetter.Status.SCHEDULED])
def test_the_preview_of_an_unsent_letter_holds_no_link_that_works_once_sent(hr_client, status):
    letter = make_letter(status=status)

    page = hr_client.get(reverse("feedback:letter_edit", args=[letter.pk])).content.decode()
    html = hr_client.get(reverse("feedback:letter_preview", args=[letter.pk])).content.decode()
    shown = _tokens_in(page) | _tokens_in(html)

    assert shown == {PREVIEW_TOKEN}
    _send(letter)
    for token in shown:
        _opens_nothing(token)
        _opens_nothing(token, "unsubscribe/")


def test_the_question_page_and_the_export_mask_the_letter_they_show(client, hr_user):
    letter = _send(make_letter(status=FeedbackLetter.Status.SCHEDULED))
    sent_tokens = _tokens_in(letter.sent_text)
    request = request_services.request_create(letter=letter, question="What would a strong answer include?")
    client.force_login(hr_user)

    shown = [
        client.get(reverse("requests:answer", args=[request.pk])).content.decode(),
        json.dumps(candidate_export(candidate=letter.application.candidate)),
    ]

    for text in shown:
        assert "/c/[token]/" in text
        assert not any(part in text for token in sent_tokens for part in token.split(":"))


def test_the_admin_shows_the_sent_copy_masked(client):
    from hiring.tests.factories import AdminFactory

    letter = _send(make_letter(status=FeedbackLetter.Status.SCHEDULED))
    sent_tokens = _tokens_in(letter.sent_text) | _tokens_in(letter.sent_html)
    client.force_login(AdminFactory())

    page = client.get(reverse("admin:feedback_feedbackletter_change", args=[letter.pk])).content.decode()

    assert "Sent text (candidate links masked)" in page
    assert "/c/[token]/" in page
    assert not any(part in page for token in sent_tokens for part in token.split(":"))


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("See https://candor.acme.com/c/ab:cd:ef/ now", "See https://candor.acme.com/c/[token]/ now"),
        (
            '<a href="https://x.test/c/unsubscribe/ab:cd/">',
            '<a href="https://x.test/c/unsubscribe/[token]/">',
        ),
        ("https://x.test/c/Ab3_slot/ask/?utm=1", "https://x.test/c/[token]/ask/?utm=1"),
        ("https://careers.acme.com/jobs/?q=ada", "https://careers.acme.com/jobs/?q=ada"),
        ("", ""),
    ],
)
def test_one_masking_rule_for_staff(text, masked):
    assert mask_candidate_links(text) == masked
