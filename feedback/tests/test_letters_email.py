"""The letter email: two parts, the right headers, and nothing a name or text can inject."""

import email
import email.policy

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from feedback import links
from feedback.letters.emails import body_to_html, build_letter_message
from feedback.letters.services import letter_draft
from hiring.models import Decision
from hiring.tests.factories import (
    ApplicationFactory,
    DecisionFactory,
    FeedbackPointFactory,
    InterviewerFactory,
    job_with_pipeline,
)

pytestmark = pytest.mark.django_db

NASTY_NAME = 'Zoë "<script>alert(1)</script>" O\'Brien\r\nBcc: victim@example.com'


@pytest.fixture(autouse=True)
def _frozen_clock():
    """Signed links carry a timestamp: building one twice across a second boundary differs."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


@pytest.fixture
def letter():
    job = job_with_pipeline(title="Backend Engineer")
    decider = InterviewerFactory(first_name="Alice", last_name="Ito")
    application = ApplicationFactory(
        job=job, candidate__name="Ada Lovelace", candidate__email="ada@example.com"
    )
    decision = DecisionFactory(application=application, outcome=Decision.Outcome.NO_HIRE, decided_by=decider)
    FeedbackPointFactory(decision=decision)
    return letter_draft(decision=decision)


def parsed(msg):
    return email.message_from_bytes(msg.message().as_bytes(), policy=email.policy.default)


def parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_message_has_a_text_and_an_html_part_with_the_letter_and_links(letter):
    msg = build_letter_message(letter)

    text, html = parts(parsed(msg))
    assert msg.to == ["ada@example.com"]
    assert text.startswith("Dear Ada,")
    assert links.letter_page_url(letter) in text and links.unsubscribe_url(letter) in text
    assert "<p>Dear Ada,</p>" in html
    assert "<ul><li>What we saw: When asked to design the rate limiter" in html
    assert f'href="{links.letter_page_url(letter)}"' in html
    assert f'href="{links.unsubscribe_url(letter)}"' in html


def test_message_headers(letter, settings):
    settings.DEFAULT_FROM_EMAIL = "Candor <feedback@candor.example>"
    settings.CANDOR_ORG_NAME = "Example Ltd"
    settings.CANDOR_HR_EMAIL = "hr@candor.example"

    message = parsed(build_letter_message(letter))

    assert message["Message-ID"] == letter.message_id
    assert message["Message-ID"] == f"<letter.{letter.public_id}@candor.example>"
    assert message["From"].addresses[0].display_name == "Alice Ito via Example Ltd"
    assert message["From"].addresses[0].addr_spec == "feedback@candor.example"
    assert message["Reply-To"] == "hr@candor.example"
    assert message["List-Unsubscribe"].strip() == f"<{links.unsubscribe_url(letter)}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Date"]
    assert message["Subject"] == "Feedback on your application for Backend Engineer"


def test_message_id_is_stable_across_builds(letter):
    assert (
        build_letter_message(letter).message()["Message-ID"]
        == build_letter_message(letter).message()["Message-ID"]
    )


def test_html_escapes_script_quotes_and_keeps_unicode(letter):
    letter.body = "Dear Zoë,\n\n<script>alert(\"x\")</script> & 'quotes'\n- <b>bold</b> item"
    letter.application.candidate.name = NASTY_NAME

    _, html = parts(parsed(build_letter_message(letter)))

    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quotes&#x27;" in html
    assert "<li>&lt;b&gt;bold&lt;/b&gt; item</li>" in html
    assert "Dear Zoë," in html


def test_subject_and_names_with_cr_lf_cannot_inject_headers(letter):
    letter.subject = "Your application\r\nBcc: victim@example.com\nX-Evil: 1"
    letter.decision.decided_by.first_name = 'Al"ice\r\nBcc: victim@example.com'
    letter.decision.decided_by.last_name = "Itō <script>"
    letter.application.candidate.name = NASTY_NAME

    msg = build_letter_message(letter)
    raw = msg.message().as_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)

    assert message["Bcc"] is None and message["X-Evil"] is None
    assert message["Subject"] == "Your application Bcc: victim@example.com X-Evil: 1"
    display = message["From"].addresses[0].display_name
    assert display == 'Al"ice Bcc: victim@example.com Itō <script> via Example Ltd'
    assert message["From"].addresses[0].addr_spec == "feedback@candor.example"
    assert message.get_all("To") == ["ada@example.com"]


def test_subject_with_unicode_and_html_is_escaped_in_the_html_title(letter):
    letter.subject = 'Zoë\'s <script>alert("x")</script> feedback'

    message = parsed(build_letter_message(letter))
    _, html = parts(message)

    assert message["Subject"].strip() == letter.subject
    assert "<title>Zoë&#x27;s &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; feedback</title>" in html


def test_message_sends_through_the_email_backend(letter):
    build_letter_message(letter).send()

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.alternatives[0].mimetype == "text/html"


def test_body_to_html_makes_paragraphs_lists_and_continuations():
    html = body_to_html("First line\nsecond line\n\nCriterion\n- one\n  more of one\n- two\n\nEnd")

    assert html == (
        "<p>First line<br>second line</p>\n<p>Criterion</p>\n"
        "<ul><li>one<br>more of one</li><li>two</li></ul>\n<p>End</p>"
    )
