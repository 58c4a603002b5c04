"""The letter editor's safety: stale tabs, real override reasons, refused approvals (PRG), highlights.

From a fresh-eyes review: a stale tab's approval silently dropped another tab's edit; "x" was
accepted as an override reason; a refused approval stayed on the POST's URL with its message far
below; the "Not checked" highlight ran past its paragraph on text posted with CR LF line ends.
"""

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.letters import services
from feedback.letters.findings import letter_findings
from feedback.letters.services import (
    LetterConflictError,
    LetterFindingsError,
    letter_approve,
    letter_draft,
    letter_edit,
    letter_version,
    override_reason_problem,
)
from feedback.models import FeedbackLetter
from hiring.models import Decision
from hiring.tests.factories import (
    ApplicationFactory,
    DecisionFactory,
    FeedbackPointFactory,
    HRFactory,
    InterviewerFactory,
    job_with_pipeline,
)

pytestmark = pytest.mark.django_db

BOILERPLATE = "We were impressed, but other candidates had more relevant experience."
ITALIAN = (
    "Grazie mille per il tempo che ci ha dedicato durante il colloquio. Abbiamo apprezzato la sua "
    "disponibilità e la chiarezza con cui ha descritto il progetto precedente."
)


def make_letter() -> FeedbackLetter:
    job = job_with_pipeline(title="Backend Engineer")
    application = ApplicationFactory(job=job, candidate__name="Ada Lovelace")
    decision = DecisionFactory(
        application=application,
        outcome=Decision.Outcome.NO_HIRE,
        decided_by=InterviewerFactory(first_name="Alice", last_name="Ito"),
        decided_at=timezone.now(),
    )
    FeedbackPointFactory(decision=decision)
    return letter_draft(decision=decision)


@pytest.fixture
def hr_client(client, hr_user):
    client.force_login(hr_user)
    return client


def editor_version(page: str) -> str:
    return re.search(r'name="version" value="([0-9a-f]+)"', page).group(1)


# --- 1. Stale tabs ------------------------------------------------------------------------------


def test_the_editor_carries_the_version_it_was_loaded_from(hr_client):
    letter = make_letter()

    page = hr_client.get(reverse("feedback:letter_edit", args=[letter.pk])).content.decode()

    assert editor_version(page) == letter_version(letter.subject, letter.body)


def test_a_stale_tab_cannot_approve_over_another_tabs_edit(hr_client, hr_user):
    letter = make_letter()
    url = reverse("feedback:letter_edit", args=[letter.pk])
    stale = editor_version(hr_client.get(url).content.decode())  # tab B opens the letter
    other = HRFactory(username="hr2", first_name="Omar", last_name="Other")
    letter_edit(  # tab A (another HR user) saves an edit
        letter=letter, by=other, subject=letter.subject, body=letter.body + "\n\nEdited in tab A."
    )

    response = hr_client.post(  # tab B, old text, clicks Approve
        reverse("feedback:letter_approve", args=[letter.pk]),
        {"when": "default", "subject": letter.subject, "body": letter.body + "\n\nTab B.", "version": stale},
    )

    assert response.status_code == 409
    page = unescape(response.content.decode())
    assert "This letter was changed by Omar Other at" in page and "reload to see theirs" in page
    assert "Tab B." in page  # B's text is still on the screen
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.IN_REVIEW
    assert letter.body.endswith("Edited in tab A.")  # A's edit kept


def test_a_stale_tab_cannot_save_over_another_tabs_edit(hr_client, hr_user):
    letter = make_letter()
    stale = letter_version(letter.subject, letter.body)
    letter_edit(letter=letter, by=hr_user, subject=letter.subject, body=letter.body + "\n\nFirst tab.")

    response = hr_client.post(
        reverse("feedback:letter_edit", args=[letter.pk]),
        {"subject": letter.subject, "body": "Second tab's text.", "version": stale},
    )

    assert response.status_code == 409
    page = unescape(response.content.decode())
    assert "This letter was changed by Hana Reyes" in page
    assert "Second tab's text." in page
    letter.refresh_from_db()
    assert letter.body.endswith("First tab.")


def test_the_current_version_saves_and_approves(hr_client):
    letter = make_letter()
    version = letter_version(letter.subject, letter.body)

    response = hr_client.post(
        reverse("feedback:letter_approve", args=[letter.pk]),
        {
            "when": "default",
            "subject": letter.subject,
            "body": letter.body + "\n\nBest wishes.",
            "version": version,
        },
    )

    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.SCHEDULED and letter.body.endswith("Best wishes.")


def test_the_service_refuses_a_stale_version(hr_user):
    letter = make_letter()
    stale = letter_version(letter.subject, letter.body)
    letter_edit(letter=letter, by=hr_user, subject="Changed subject", body=letter.body)

    with pytest.raises(LetterConflictError):
        letter_approve(letter=letter, by=hr_user, expected_version=stale)
    with pytest.raises(LetterConflictError):
        letter_edit(letter=letter, by=hr_user, subject="Mine", body="Mine", expected_version=stale)
    letter.refresh_from_db()
    assert letter.subject == "Changed subject" and letter.status == FeedbackLetter.Status.IN_REVIEW


# --- 4. Real override reasons ----------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["x", "ok", "fine fine", "   .......................  ", "approved by me"])
def test_a_token_reason_is_not_a_reason(reason):
    assert override_reason_problem(reason)


@pytest.mark.parametrize("reason", ["The candidate asked for this exact wording.", "Their own words."])
def test_a_real_reason_is_one(reason):
    assert override_reason_problem(reason) == ""


def test_a_one_character_reason_does_not_override_blocking_findings(hr_user):
    letter = make_letter()
    letter = letter_edit(
        letter=letter, by=hr_user, subject=letter.subject, body=letter.body + "\n\n" + BOILERPLATE
    )

    with pytest.raises(LetterFindingsError) as refused:
        letter_approve(letter=letter, by=hr_user, override_reason="x")

    assert "at least 3 words" in str(refused.value)
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.IN_REVIEW


def test_the_api_refuses_a_one_character_reason(hr_user):
    from rest_framework.test import APIClient

    letter = make_letter()
    letter = letter_edit(
        letter=letter, by=hr_user, subject=letter.subject, body=letter.body + "\n\n" + BOILERPLATE
    )
    client = APIClient()
    client.force_authenticate(hr_user)

    response = client.post(
        reverse("api:letter-approve", args=[letter.pk]), {"override_reason": "x"}, format="json"
    )

    assert response.status_code == 400
    assert "at least 3 words" in str(response.json())
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.IN_REVIEW


# --- 5. A refused approval: Post/Redirect/Get, the message at the top -----------------------------------


def test_a_refused_approval_redirects_to_the_editor_with_the_message_at_the_top(hr_client, hr_user):
    letter = make_letter()
    version = letter_version(letter.subject, letter.body)
    on_screen = letter.body + "\n\n" + BOILERPLATE

    response = hr_client.post(
        reverse("feedback:letter_approve", args=[letter.pk]),
        {
            "when": "default",
            "subject": letter.subject,
            "body": on_screen,
            "version": version,
            "override_reason": "x",
        },
    )

    assert response.status_code == 302 and response["Location"] == reverse(
        "feedback:letter_edit", args=[letter.pk]
    )
    page = unescape(hr_client.get(response["Location"]).content.decode())
    message = page.index("Your edits were saved, but the letter was not approved")
    assert message < page.index('id="edit-title"')  # above the editor, at the top
    field = page.index('name="override_reason"')
    assert "Write a real reason" in page[field - 1500 : field + 1500]  # and next to the field
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.IN_REVIEW and BOILERPLATE in letter.body
    # Loaded again: the refusal is said once, and the page does not post anything.
    again = unescape(hr_client.get(response["Location"]).content.decode())
    assert "Write a real reason" not in again


# --- 5. Highlights on the text the page shows ---------------------------------------------------------


def marks(html: str) -> list[str]:
    found = re.findall(r"<mark [^>]*>(.*?)<span class=\"visually-hidden\">", str(html), flags=re.S)
    return [unescape(m) for m in found]


def test_the_highlighted_not_checked_part_is_its_paragraph_on_text_posted_with_crlf(hr_client):
    letter = make_letter()
    typed = (
        f"Dear Ada,\r\n\r\n{ITALIAN}\r\n\r\nSystem design\r\n- What we saw: When asked to design "
        "the rate limiter you used a fixed window and did not say how bursts are handled.\r\n  What "
        "would have been stronger: Compare a sliding window or token bucket and say which trade-off "
        "you would pick.\r\n"
    )

    response = hr_client.post(
        reverse("feedback:letter_lint", args=[letter.pk]), {"subject": letter.subject, "body": typed}
    )

    subject, body = services.stored_text(letter.subject, typed)
    findings = letter_findings(letter=letter, subject=subject, body=body)
    spans = [f for f in findings.body if f.end > f.start]
    assert any(f.category == "not_checked" for f in spans)
    lint_body = response.content.decode().split('id="lint-body"', 1)[1]
    assert marks(lint_body) == [f.text for f in sorted(spans, key=lambda f: f.start)]
    not_checked = next(f for f in spans if f.category == "not_checked")
    assert (
        "System design" not in not_checked.text
        and body[not_checked.start : not_checked.end] == not_checked.text
    )
