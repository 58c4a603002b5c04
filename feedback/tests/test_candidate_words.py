"""Every email and page a candidate reads says the same thing, the same way.

- One promise about the panel of a reapplication (``placeholders.FRESH_PANEL_PROMISE``), in
  the letter, the candidate page, the reminder, the reapply form and its confirmation; and it
  says what the code does ("normally": HR may override the fresh-panel rule with a reason).
- One greeting: "Dear <preferred name, else first name>,".
- One From rule: "<signer> via <organisation>" when a person signs the email, else the
  organisation; always the organisation's sending address; replies to HR.

Issue 12: the letter said "you may ask to be interviewed by people who did not interview
you" while the page, the reminder and the reapply form promised "nobody who interviewed you
will interview you"; answers and reminders opened "Hello Rosa Rossi" from "Candor" while the
letter opened "Dear Rosa" from the decider.
"""

import datetime as dt
import email
import email.policy
import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from candidates.models import Candidate
from feedback import placeholders
from feedback.letters.emails import build_letter_message, candidate_from_email
from feedback.letters.services import default_template, letter_draft
from feedback.models import LetterTemplate
from feedback.portal import services
from feedback.portal.emails import build_answer_message, build_reminder_message
from feedback.requests import services as request_services
from feedback.tests.candidate_helpers import make_letter, url
from hiring.models import Application
from hiring.services.interviews import interview_assign
from hiring.tests.factories import ApplicationFactory, InterviewerFactory, InterviewFactory
from outbox.kinds import KINDS

pytestmark = pytest.mark.django_db

PROMISE_SENTENCE = f"If you reapply, {placeholders.FRESH_PANEL_PROMISE}."
# What the pages and emails said before, which the code does not keep.
BROKEN_PROMISES = ("nobody who interviewed", "fresh panel", "may ask to be interviewed", "new panel")
# Emails to staff, not to candidates.
# Kinds that never reach a candidate: the late digest (staff) and webhook deliveries (receivers).
STAFF_KINDS = {"digest", "webhook"}


@pytest.fixture(autouse=True)
def _org(settings):
    settings.DEFAULT_FROM_EMAIL = "Candor <feedback@candor.example>"
    settings.CANDOR_ORG_NAME = "Example Ltd"
    settings.CANDOR_HR_EMAIL = "hr@candor.example"


def _rosa(preferred: str = "") -> Candidate:
    from candidates.tests.factories import CandidateFactory

    candidate = CandidateFactory(name="Rosa Maria Rossi", email="rosa@example.com")
    if preferred:
        candidate.preferred_name = preferred
        candidate.save()
    return candidate


def _drafted_letter(candidate, *, decided_at=None):
    """A letter drafted from the default template, approved and sent."""
    letter = make_letter(
        candidate=candidate,
        decided_at=decided_at,
        decider=InterviewerFactory(first_name="Dana", last_name="Decider"),
    )
    decision = letter.decision
    letter.delete()
    drafted = letter_draft(decision=decision)
    drafted.status = drafted.Status.SENT
    drafted.sent_at = timezone.now()
    drafted.save()
    return drafted


def _parsed(msg):
    return email.message_from_bytes(msg.message().as_bytes(), policy=email.policy.default)


def _parts(msg) -> tuple[str, str]:
    parsed = _parsed(msg)
    return (
        parsed.get_body(preferencelist=("plain",)).get_content(),
        parsed.get_body(preferencelist=("html",)).get_content(),
    )


def _answer(letter):
    request = request_services.request_create(letter=letter, question="What would a strong design include?")
    request = request_services.request_answer(
        request=request,
        by=letter.decision.decided_by,
        answer="A stronger answer would compare a sliding window with a token bucket.",
    )
    return request


def _every_candidate_email(candidate) -> dict:
    """kind -> the message, one of each kind of email Candor sends a candidate."""
    letter = _drafted_letter(candidate)
    return {
        "letter": build_letter_message(letter),
        "reminder": build_reminder_message(services.reminder_opt_in(letter=letter)),
        "answer": build_answer_message(_answer(letter)),
    }


def test_every_kind_of_candidate_email_is_checked_here():
    """A new kind of email to candidates must join these tests (and follow their rules)."""
    assert set(KINDS) - STAFF_KINDS == {"letter", "reminder", "answer"}


# Greeting -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("preferred", "expected"), [("", "Dear Rosa,"), ("Rosie", "Dear Rosie,")])
def test_every_candidate_email_opens_with_the_same_greeting(preferred, expected):
    for kind, msg in _every_candidate_email(_rosa(preferred)).items():
        text, html = _parts(msg)
        assert text.startswith(expected), (kind, text[:40])
        assert f"<p>{expected}</p>" in html, kind
        assert "Hello" not in text and "Rosa Maria Rossi" not in text.split("\n")[0], kind


def test_greeting_name_falls_back_to_the_first_name_without_a_preferred_name():
    class Legacy:  # a candidate from before preferred names existed
        name = "  Zoë \n Ångström "

    assert placeholders.greeting_name(Legacy()) == "Zoë"
    assert placeholders.greeting(Legacy()) == "Dear Zoë,"


# From ------------------------------------------------------------------------------------------


def test_every_candidate_email_comes_from_the_organisations_address_signed_by_who_speaks():
    emails = _every_candidate_email(_rosa())
    expected = {
        "letter": "Dana Decider via Example Ltd",
        "answer": "Dana Decider via Example Ltd",
        "reminder": "Example Ltd",
    }
    for kind, msg in emails.items():
        sender = _parsed(msg)["From"].addresses[0]
        assert sender.display_name == expected[kind], kind
        assert sender.addr_spec == "feedback@candor.example", kind
        assert msg.reply_to == ["hr@candor.example"], kind


def test_answer_comes_from_whoever_answered_it(hiring_manager):
    letter = _drafted_letter(_rosa())
    letter.application.job.hiring_manager = hiring_manager
    letter.application.job.save()
    request = request_services.request_create(letter=letter, question="Could you say more?")
    request = request_services.request_answer(
        request=request, by=hiring_manager, answer="A stronger answer would compare a token bucket."
    )
    sender = _parsed(build_answer_message(request))["From"].addresses[0]
    assert sender.display_name == "Max Mendel via Example Ltd"


def test_from_name_cannot_inject_headers():
    assert "\n" not in candidate_from_email(signer="Dana\r\nBcc: x@example.com")


# The fresh-panel promise ---------------------------------------------------------------------


def _assert_promise(kind: str, text: str) -> None:
    assert placeholders.FRESH_PANEL_PROMISE in text, f"{kind}: no fresh-panel promise"
    lowered = text.lower()
    for broken in BROKEN_PROMISES:
        assert broken not in lowered, f"{kind}: says {broken!r}"


def test_the_default_letter_and_its_email_make_the_promise():
    assert PROMISE_SENTENCE in placeholders.DEFAULT_TEXT
    assert PROMISE_SENTENCE in default_template().body_text  # the stored default row, migrated
    letter = _drafted_letter(_rosa())
    _assert_promise("letter text", letter.body)
    text, _html = _parts(build_letter_message(letter))
    _assert_promise("letter email", text)


def test_the_reminder_makes_the_same_promise():
    letter = _drafted_letter(_rosa())
    text, html = _parts(build_reminder_message(services.reminder_opt_in(letter=letter)))
    _assert_promise("reminder text", text)
    _assert_promise("reminder html", html)
    assert PROMISE_SENTENCE in text and PROMISE_SENTENCE in html


def test_the_candidate_page_makes_the_same_promise_before_and_on_the_reapply_date(client):
    before = _drafted_letter(_rosa())
    page = client.get(url("letter", before), follow=True).content.decode()
    _assert_promise("candidate page", page)
    assert PROMISE_SENTENCE in page

    after = make_letter(decided_at=timezone.now() - dt.timedelta(days=400))
    page = client.get(url("letter", after), follow=True).content.decode()
    assert "You can reapply now." in page
    _assert_promise("candidate page, reapply open", page)


def test_the_reapply_pages_make_the_same_promise(client):
    not_yet = make_letter()
    page = client.get(url("reapply", not_yet, "reapply"), follow=True).content.decode()
    _assert_promise("reapply, not yet", page)

    letter = make_letter(decided_at=timezone.now() - dt.timedelta(days=400))
    page = client.get(url("reapply", letter, "reapply"), follow=True).content.decode()
    assert "Send my application" in page
    _assert_promise("reapply form", page)
    assert PROMISE_SENTENCE in page

    ApplicationFactory(
        candidate=letter.application.candidate,
        job=letter.application.job,
        previous=letter.application,
        source=Application.Source.REAPPLY,
    )
    page = client.get(url("reapply", letter, "reapply"), follow=True).content.decode()
    assert "We have your application" in page
    _assert_promise("reapply confirmation", page)


def test_the_promise_says_what_the_panel_rule_does(hr_user):
    """HR may put an earlier interviewer on a reapplication's panel with a written reason, so the
    promise is "normally", never "nobody who interviewed you will"."""
    letter = make_letter(decided_at=timezone.now() - dt.timedelta(days=400))
    earlier_interviewer = letter.decision.decided_by
    InterviewFactory(application=letter.application, interviewer=earlier_interviewer)
    again = ApplicationFactory(
        candidate=letter.application.candidate,
        job=letter.application.job,
        previous=letter.application,
        source=Application.Source.REAPPLY,
    )
    interview_assign(
        application=again,
        stage=again.current_stage or letter.application.job.stages.first(),
        interviewer=earlier_interviewer,
        by=hr_user,
        override_reason="The only person who can assess this skill.",
    )
    assert "normally" in placeholders.FRESH_PANEL_PROMISE


# The stored default template -----------------------------------------------------------------


def _migration():
    return importlib.import_module("feedback.migrations.0006_default_letter_fresh_panel_wording")


def test_migration_moves_an_unedited_default_template_to_the_new_wording():
    migration = _migration()
    LetterTemplate.objects.all().delete()
    old = LetterTemplate.objects.create(
        name="Standard feedback letter",
        subject="s",
        body_text=migration.OLD_BODY_TEXT,
        body_html="{letter}",
        is_default=True,
    )
    migration.forwards(django_apps, None)
    old.refresh_from_db()
    assert old.body_text == placeholders.DEFAULT_TEXT
    migration.backwards(django_apps, None)
    old.refresh_from_db()
    assert old.body_text == migration.OLD_BODY_TEXT


def test_migration_leaves_a_template_hr_edited_alone():
    migration = _migration()
    LetterTemplate.objects.all().delete()
    edited = migration.OLD_BODY_TEXT.replace("Best regards", "Kind regards")
    row = LetterTemplate.objects.create(
        name="Ours", subject="s", body_text=edited, body_html="{letter}", is_default=True
    )
    migration.forwards(django_apps, None)
    row.refresh_from_db()
    assert row.body_text == edited
