"""Every email Candor sends is well formed, trustworthy to spam filters, and readable on a phone.

One of each kind (letter, reapply reminder, answer to a request for more detail,
and the late-letter digest to HR and to the decider) is sent through the code
the worker runs, over SMTP to a real aiosmtpd server; the checks read what that
server received.
"""

import datetime as dt
import email.utils
import re

import pytest
from django.utils import timezone
from django.utils.module_loading import import_string

from feedback.models import FeedbackLetter, FeedbackRequest, ReapplyReminder
from outbox import services as delivery
from tests.e2e.every_email import CANDIDATE_KINDS, KINDS, by_kind, send_every_email
from tests.e2e.scenario import build_world
from tests.support.quality_tools import PHONE_VIEWPORT, require, screenshot_dir, spamassassin_reports

pytestmark = pytest.mark.django_db

MESSAGE_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")
ROWS = {"letter": FeedbackLetter, "reminder": ReapplyReminder, "answer": FeedbackRequest}
SPAM_LIMIT = 2.0


@pytest.fixture
def received(smtp_sink):
    world = build_world()
    recipients = send_every_email(world)
    assert smtp_sink.wait_for(len(KINDS), timeout=10)
    return world, by_kind(smtp_sink.messages, recipients)


def _row(kind, message):
    """The database row an email was sent for, found by the recipient's letter."""
    model = ROWS[kind]
    return model.objects.get(message_id=str(message["Message-ID"]).strip())


def test_every_email_has_a_text_and_an_html_part_a_stable_message_id_and_a_date(received):
    _world, emails = received
    ids = set()
    for kind, message in emails.items():
        assert message.get_content_type() == "multipart/alternative", kind
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        assert text is not None and text.get_content().strip(), f"{kind}: no text part"
        assert html is not None and "<" in html.get_content(), f"{kind}: no HTML part"

        message_id = str(message["Message-ID"]).strip()
        assert MESSAGE_ID.match(message_id), f"{kind}: Message-ID {message_id!r}"
        ids.add(message_id)
        if kind in ROWS:
            # Stable: the row keeps the id, and building the message again (as a
            # redelivered task would) gives the same one.
            row = _row(kind, message)
            rebuilt = import_string(delivery.KINDS[kind].builder)(row).message()
            assert str(rebuilt["Message-ID"]).strip() == message_id, kind

        sent = email.utils.parsedate_to_datetime(str(message["Date"]))
        # "-0000" (Django's default, EMAIL_USE_LOCALTIME off) is UTC with no local zone implied.
        sent = sent if sent.tzinfo else sent.replace(tzinfo=dt.UTC)
        assert abs(sent - timezone.now()) < dt.timedelta(minutes=5), f"{kind}: Date {message['Date']}"
    assert len(ids) == len(KINDS), "each email has its own Message-ID"


def test_emails_the_candidate_can_opt_out_of_carry_one_click_unsubscribe_headers(received):
    _world, emails = received
    for kind in CANDIDATE_KINDS:
        message = emails[kind]
        unsubscribe = str(message["List-Unsubscribe"] or "").strip()
        assert re.fullmatch(r"<https?://[^<>\s]+/c/unsubscribe/[^<>\s]+/>", unsubscribe), (kind, unsubscribe)
        assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click", kind
        # The text part offers the same way out, for clients that hide the header.
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert unsubscribe.strip("<>") in text, f"{kind}: no unsubscribe link in the text part"


def test_every_email_scores_below_2_in_spamassassin(received):
    require("spamassassin")
    _world, emails = received
    kinds = list(emails)
    reports = spamassassin_reports([emails[kind].as_bytes() for kind in kinds])
    scores = dict(zip(kinds, reports, strict=True))
    too_high = {kind: str(report) for kind, report in scores.items() if report.score >= SPAM_LIMIT}
    assert not too_high, f"SpamAssassin scores at or above {SPAM_LIMIT}: {too_high}"


@pytest.mark.browser
def test_every_email_html_fits_a_375px_phone_screen_with_readable_text(received, page):
    _world, emails = received
    folder = screenshot_dir("emails")
    page.set_viewport_size(PHONE_VIEWPORT)
    problems = []
    for kind, message in emails.items():
        html = message.get_body(preferencelist=("html",)).get_content()
        page.set_content(html)
        page.screenshot(path=str(folder / f"email-{kind.replace(' ', '-')}-375px.png"), full_page=True)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE_VIEWPORT["width"]:
            problems.append(f"{kind}: {width}px wide, scrolls sideways at 375px")
        smallest = page.evaluate(
            """() => Math.min(...[...document.querySelectorAll('p, li, td')]
                .filter(el => el.textContent.trim())
                .map(el => parseFloat(getComputedStyle(el).fontSize)))"""
        )
        if smallest < 12:
            problems.append(f"{kind}: text as small as {smallest}px")
    assert not problems, problems
