"""HR review: edit, live check, approve (or override), schedule, cancel, retry, bulk approve, queue."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_for
from core.dates import org_tz
from feedback.letters.findings import text_checker
from feedback.letters.services import (
    LetterFindingsError,
    LetterStateError,
    letter_approve,
    letter_cancel,
    letter_draft,
    letter_edit,
    letter_retry,
    letters_bulk_approve,
)
from feedback.models import FeedbackLetter, Phrase
from hiring.models import Decision
from hiring.tests.factories import (
    ApplicationFactory,
    DecisionFactory,
    FeedbackPointFactory,
    InterviewerFactory,
    job_with_pipeline,
)

pytestmark = pytest.mark.django_db

BOILERPLATE = "We were impressed, but other candidates had more relevant experience."


def make_letter(*, name="Ada Lovelace", decided_at=None, job=None) -> FeedbackLetter:
    job = job or job_with_pipeline(title="Backend Engineer")
    application = ApplicationFactory(job=job, candidate__name=name)
    decision = DecisionFactory(
        application=application,
        outcome=Decision.Outcome.NO_HIRE,
        decided_by=InterviewerFactory(first_name="Alice", last_name="Ito"),
        decided_at=decided_at or timezone.now(),
    )
    FeedbackPointFactory(decision=decision)
    return letter_draft(decision=decision)


def with_boilerplate(letter, by):
    return letter_edit(letter=letter, by=by, subject=letter.subject, body=letter.body + "\n\n" + BOILERPLATE)


def verbs(letter):
    return [event.verb for event in audit_for(letter).order_by("id")]


@pytest.fixture
def hr_client(client, hr_user):
    client.force_login(hr_user)
    return client


def test_drafted_letter_is_clean_by_default(hr_user):
    letter = make_letter()

    scheduled = letter_approve(letter=letter, by=hr_user)

    assert scheduled.status == FeedbackLetter.Status.SCHEDULED


def test_hr_saves_edits_and_the_letter_goes_in_review(hr_client):
    letter = make_letter()

    response = hr_client.post(
        reverse("feedback:letter_edit", args=[letter.pk]),
        {"subject": "Your interview\r\nBcc: x@example.com", "body": "Dear Ada,\r\n\r\nThanks."},
    )

    letter.refresh_from_db()
    assert response.status_code == 302
    assert letter.status == FeedbackLetter.Status.IN_REVIEW
    assert letter.subject == "Your interview Bcc: x@example.com"
    assert letter.body == "Dear Ada,\n\nThanks."
    assert verbs(letter) == ["letter.drafted", "letter.edited"]


def test_live_lint_endpoint_highlights_boilerplate(hr_client):
    letter = make_letter()

    response = hr_client.post(
        reverse("feedback:letter_lint", args=[letter.pk]),
        {"subject": letter.subject, "body": "Dear Ada,\n\n" + BOILERPLATE},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert '<mark class="finding finding-boilerplate' in html
    assert "other candidates had more relevant" in html
    assert "Boilerplate" in html
    letter.refresh_from_db()
    assert BOILERPLATE not in letter.body  # checking does not save


def test_approve_is_blocked_while_findings_remain(hr_user):
    letter = with_boilerplate(make_letter(), hr_user)

    with pytest.raises(LetterFindingsError):
        letter_approve(letter=letter, by=hr_user)

    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.IN_REVIEW


def test_approve_page_shows_why_it_is_blocked(hr_client, hr_user):
    letter = with_boilerplate(make_letter(), hr_user)

    response = hr_client.post(
        reverse("feedback:letter_approve", args=[letter.pk]), {"when": "default"}, follow=True
    )

    # Post/Redirect/Get: back on the editor, the refusal at the top.
    assert response.redirect_chain[-1][0] == reverse("feedback:letter_edit", args=[letter.pk])
    assert "written reason" in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.IN_REVIEW


def test_override_with_a_reason_approves_and_is_audited(hr_client, hr_user):
    letter = with_boilerplate(make_letter(), hr_user)

    response = hr_client.post(
        reverse("feedback:letter_approve", args=[letter.pk]),
        {"when": "default", "override_reason": "The candidate asked for this exact wording."},
    )

    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.SCHEDULED
    assert letter.override_reason == "The candidate asked for this exact wording."
    override = audit_for(letter).get(verb="letter.override")
    assert override.actor == hr_user and override.reason == letter.override_reason
    assert verbs(letter)[-3:] == ["letter.override", "letter.approved", "letter.scheduled"]


def test_approval_defaults_to_the_next_business_morning(hr_user):
    friday_afternoon = dt.datetime(2026, 11, 20, 15, 0, tzinfo=org_tz())
    with time_machine.travel(friday_afternoon, tick=False):
        letter = make_letter()
        approved = letter_approve(letter=letter, by=hr_user)

    assert approved.send_after == dt.datetime(2026, 11, 23, 9, 0, tzinfo=org_tz())
    assert approved.approved_by == hr_user


def test_approval_at_a_chosen_time_in_the_organisations_time_zone(hr_client):
    letter = make_letter()
    when = timezone.localtime(timezone.now() + dt.timedelta(days=2)).replace(second=0, microsecond=0)

    hr_client.post(
        reverse("feedback:letter_approve", args=[letter.pk]),
        {"when": "chosen", "send_at": when.strftime("%Y-%m-%dT%H:%M")},
    )

    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.SCHEDULED
    assert letter.send_after == when


def test_approval_in_the_past_is_refused(hr_client, hr_user):
    letter = make_letter()
    past = timezone.localtime(timezone.now() - dt.timedelta(hours=1))

    response = hr_client.post(
        reverse("feedback:letter_approve", args=[letter.pk]),
        {"when": "chosen", "send_at": past.strftime("%Y-%m-%dT%H:%M")},
    )

    assert response.status_code == 400
    assert "must be in the future" in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.DRAFT


@pytest.mark.parametrize("send_at", ["9999-12-31T23:59", "LATER"])
def test_approval_more_than_a_year_ahead_is_refused_next_to_the_field(hr_client, send_at):
    letter = make_letter()
    if send_at == "LATER":
        later = timezone.localtime(timezone.now() + dt.timedelta(days=366))
        send_at = later.strftime("%Y-%m-%dT%H:%M")

    response = hr_client.post(
        reverse("feedback:letter_approve", args=[letter.pk]), {"when": "chosen", "send_at": send_at}
    )

    assert response.status_code == 400
    assert "within a year from now" in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.DRAFT


def test_the_service_refuses_a_send_time_more_than_a_year_ahead(hr_user):
    letter = make_letter()
    too_late = timezone.now() + dt.timedelta(days=366)

    with pytest.raises(LetterStateError, match="within a year from now"):
        letter_approve(letter=letter, by=hr_user, send_at=too_late)
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.DRAFT
    assert (
        letter_approve(letter=letter, by=hr_user, send_at=timezone.now() + dt.timedelta(days=364)).status
        == FeedbackLetter.Status.SCHEDULED
    )


def test_approving_twice_is_refused(hr_user):
    letter = make_letter()
    letter_approve(letter=letter, by=hr_user)

    with pytest.raises(LetterStateError, match="cannot be approved"):
        letter_approve(letter=letter, by=hr_user)
    assert verbs(letter).count("letter.approved") == 1


def test_a_scheduled_letter_cannot_be_edited(hr_user):
    letter = letter_approve(letter=make_letter(), by=hr_user)

    with pytest.raises(LetterStateError):
        letter_edit(letter=letter, by=hr_user, subject="x", body="y")


def test_cancel_puts_a_scheduled_letter_back_in_review(hr_client, hr_user):
    letter = letter_approve(letter=make_letter(), by=hr_user)

    response = hr_client.post(reverse("feedback:letter_cancel", args=[letter.pk]))

    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.IN_REVIEW
    assert letter.send_after is None
    assert verbs(letter)[-1] == "letter.cancelled"


def test_cancel_after_sending_started_says_it_is_too_late(hr_user):
    letter = letter_approve(letter=make_letter(), by=hr_user)
    FeedbackLetter.objects.filter(pk=letter.pk).update(status=FeedbackLetter.Status.SENDING)

    with pytest.raises(LetterStateError, match="already started sending"):
        letter_cancel(letter=letter, by=hr_user)

    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.SENDING


def test_retry_puts_a_failed_letter_back_in_the_queue_now(hr_client, hr_user):
    letter = letter_approve(letter=make_letter(), by=hr_user)
    FeedbackLetter.objects.filter(pk=letter.pk).update(
        status=FeedbackLetter.Status.FAILED, attempts=5, last_error="550 mailbox unavailable"
    )
    page = hr_client.get(reverse("feedback:letter_edit", args=[letter.pk])).content.decode()
    assert "550 mailbox unavailable" in page and "Send again now" in page

    hr_client.post(reverse("feedback:letter_retry", args=[letter.pk]))

    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.SCHEDULED
    assert letter.attempts == 0 and letter.last_error == ""
    assert letter.send_after <= timezone.now()
    retried = audit_for(letter).get(verb="letter.retried")
    assert retried.reason == "550 mailbox unavailable"


def test_retry_of_a_letter_that_did_not_fail_is_refused(hr_user):
    letter = make_letter()

    with pytest.raises(LetterStateError, match="only a failed letter"):
        letter_retry(letter=letter, by=hr_user)


def test_bulk_approve_approves_only_clean_letters(hr_client, hr_user):
    clean = [make_letter(name=f"Clean {i}") for i in range(2)]
    flagged = with_boilerplate(make_letter(name="Flagged One"), hr_user)
    already = letter_approve(letter=make_letter(name="Already Approved"), by=hr_user)

    response = hr_client.post(
        reverse("feedback:letters_bulk_approve"),
        {"letters": [letter.pk for letter in [*clean, flagged, already]]},
        follow=True,
    )

    statuses = dict(FeedbackLetter.objects.values_list("pk", "status"))
    assert all(statuses[letter.pk] == "scheduled" for letter in clean)
    assert statuses[flagged.pk] == "in_review"
    page = response.content.decode()
    assert "Approved 2 letters" in page
    assert "Flagged One: 1 finding" in page
    assert "Already Approved: already approved, scheduled" in page
    assert verbs(clean[0])[-2:] == ["letter.approved", "letter.scheduled"]


def _bulk_queries(hr_user, count, *, all_in_review=False, stale=False):
    letters = [make_letter(name=f"Candidate {i}") for i in range(count)]
    letters.append(with_boilerplate(make_letter(name="Flagged"), hr_user))
    if all_in_review:
        FeedbackLetter.objects.filter(status="draft").update(status="in_review")
    if stale:
        FeedbackLetter.objects.update(check_key="")
    ids = [letter.pk for letter in letters]
    with CaptureQueriesContext(connection) as queries:
        if all_in_review:
            approved, skipped = letters_bulk_approve(all_in_review=True, by=hr_user)
        else:
            approved, skipped = letters_bulk_approve(letter_ids=ids, by=hr_user)
    assert len(approved) == count and list(skipped) == [letters[-1].pk]
    return len(queries)


@pytest.mark.parametrize(
    "all_in_review, stale",
    [(False, False), (False, True), (True, False), (True, True)],
    ids=["ids-stored", "ids-checked", "all-stored", "all-checked"],
)
def test_bulk_approve_query_count_does_not_grow_with_the_letters(hr_user, all_in_review, stale):
    few = _bulk_queries(hr_user, 2, all_in_review=all_in_review, stale=stale)
    FeedbackLetter.objects.update(status=FeedbackLetter.Status.SENT)
    many = _bulk_queries(hr_user, 25, all_in_review=all_in_review, stale=stale)

    assert many == few
    # 11: the default send time reads HR's closure days (one query, core.dates, issue 12).
    assert many <= 11


def stored(letter):
    letter.refresh_from_db()
    return (letter.check_blocking, letter.check_advisory, letter.check_key)


def current_key(letter):
    from feedback.letters.findings import letters_inputs

    inputs = letters_inputs(FeedbackLetter.objects.filter(pk=letter.pk))
    return text_checker().key(inputs[letter.pk])


def test_drafting_and_editing_store_the_result_keyed_by_the_content(hr_user):
    letter = make_letter()
    assert stored(letter) == (0, 0, current_key(letter))

    edited = with_boilerplate(letter, hr_user)

    assert stored(edited) == (1, 0, current_key(edited))


# Issue 11: this test used to assert the opposite (a stored clean result was trusted after the
# text changed behind the services' back); the stored result is now keyed by the content.
def test_bulk_approve_checks_again_a_letter_changed_behind_the_services_back(hr_user):
    letter = make_letter()
    FeedbackLetter.objects.filter(pk=letter.pk).update(body=letter.body + "\n\n" + BOILERPLATE)

    approved, skipped = letters_bulk_approve(letter_ids=[letter.pk], by=hr_user)

    assert approved == [] and skipped[letter.pk].startswith("1 finding")
    assert stored(letter) == (1, 0, current_key(letter))


def test_bulk_approve_checks_again_when_the_phrase_list_changed(hr_user):
    letter = make_letter()
    # The sentence is clean for the built-in check; only the new admin phrase flags it.
    sentence = "Your rate limiter used the gumption library without a fallback."
    FeedbackLetter.objects.filter(pk=letter.pk).update(body=letter.body + "\n\n" + sentence)
    Phrase.objects.create(category="boilerplate", pattern="gumption", message="Vague.")

    approved, skipped = letters_bulk_approve(letter_ids=[letter.pk], by=hr_user)

    assert approved == [] and skipped[letter.pk].startswith("1 finding")
    assert stored(letter) == (1, 0, current_key(letter))


def test_single_approval_always_checks_the_letter_again(hr_user):
    letter = make_letter()
    FeedbackLetter.objects.filter(pk=letter.pk).update(body=letter.body + "\n\n" + BOILERPLATE)

    with pytest.raises(LetterFindingsError):
        letter_approve(letter=letter, by=hr_user)


def test_approve_every_clean_letter_in_review_from_the_queue(hr_client, hr_user):
    reviewed = [with_boilerplate(make_letter(name=f"Ada Reviewed {i}"), hr_user) for i in range(3)]
    for letter in reviewed[:2]:
        letter_edit(letter=letter, by=hr_user, subject=letter.subject, body="Dear Ada, thank you.")
    draft = make_letter(name="Still Draft")

    queue = hr_client.get(reverse("feedback:letter_queue")).content.decode()
    assert "Approve every clean letter in review (3)" in queue
    assert 'name="scope" value="all"' in queue

    response = hr_client.post(reverse("feedback:letters_bulk_approve"), {"scope": "all"}, follow=True)

    statuses = dict(FeedbackLetter.objects.values_list("pk", "status"))
    assert [statuses[letter.pk] for letter in reviewed] == ["scheduled", "scheduled", "in_review"]
    assert statuses[draft.pk] == "draft"
    page = response.content.decode()
    assert "Approved 2 letters" in page
    assert "Ada Reviewed 2: 1 finding" in page


def test_bulk_approve_without_a_selection_is_refused(hr_client):
    letter = make_letter()

    response = hr_client.post(reverse("feedback:letters_bulk_approve"), {}, follow=True)

    assert "Select at least one letter to approve." in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == "draft"


def test_queue_shows_the_stored_count_and_checks_only_stale_letters(hr_client, hr_user):
    kept = make_letter(name="Stored Count")
    stale = make_letter(name="Stale Count")
    # A stored result under the key of the letter's current content is used as it is...
    FeedbackLetter.objects.filter(pk=kept.pk).update(check_blocking=7)
    # ...one whose content changed since (here by raw SQL) is checked again.
    FeedbackLetter.objects.filter(pk=stale.pk).update(
        check_blocking=5, body=stale.body + "\n\n" + BOILERPLATE
    )

    page = hr_client.get(reverse("feedback:letter_queue")).content.decode()

    stored_row = page[page.index(f'id="letter-{kept.pk}"') :]
    stale_row = page[page.index(f'id="letter-{stale.pk}"') :]
    assert "7 findings" in stored_row.split("</tr>")[0]
    assert "1 finding<" in stale_row.split("</tr>")[0]
    assert stored(stale) == (1, 0, current_key(stale))


def test_queue_is_ordered_by_deadline_and_marks_overdue(hr_client):
    now = timezone.now()
    late = make_letter(name="Late Letter", decided_at=now - dt.timedelta(days=20))
    soon = make_letter(name="Soon Letter", decided_at=now - dt.timedelta(days=1))
    later = make_letter(name="Later Letter", decided_at=now)
    sent = make_letter(name="Sent Letter", decided_at=now - dt.timedelta(days=30))
    FeedbackLetter.objects.filter(pk=sent.pk).update(status=FeedbackLetter.Status.SENT)

    page = hr_client.get(reverse("feedback:letter_queue")).content.decode()

    assert page.index("Late Letter") < page.index("Soon Letter") < page.index("Later Letter")
    assert "Sent Letter" not in page
    late_row = page[page.index(f'id="letter-{late.pk}"') : page.index(f'id="letter-{soon.pk}"')]
    soon_row = page[page.index(f'id="letter-{soon.pk}"') : page.index(f'id="letter-{later.pk}"')]
    assert "Overdue" in late_row
    assert "Overdue" not in soon_row


def test_queue_query_count_does_not_grow_with_the_letters(hr_client):
    for i in range(3):
        make_letter(name=f"Candidate {i}")
    # Each measure follows a warm-up GET: per-process caches fill, new letters' checks are stored.
    hr_client.get(reverse("feedback:letter_queue"))
    with CaptureQueriesContext(connection) as few:
        hr_client.get(reverse("feedback:letter_queue"))
    for i in range(20):
        make_letter(name=f"More {i}")
    hr_client.get(reverse("feedback:letter_queue"))
    with CaptureQueriesContext(connection) as many:
        hr_client.get(reverse("feedback:letter_queue"))

    assert len(many) == len(few)


def test_editor_shows_preview_and_history(hr_client, hr_user):
    letter = with_boilerplate(make_letter(), hr_user)

    page = hr_client.get(reverse("feedback:letter_edit", args=[letter.pk])).content.decode()

    assert "Alice Ito via Example Ltd" in page
    assert reverse("feedback:letter_preview", args=[letter.pk]) in page
    assert "letter.drafted" in page and "letter.edited" in page
    assert '<mark class="finding finding-boilerplate' in page


def test_preview_is_the_email_html_with_its_own_strict_policy(hr_client):
    letter = make_letter()

    response = hr_client.get(reverse("feedback:letter_preview", args=[letter.pk]))

    assert response.status_code == 200
    assert "<p>Dear Ada,</p>" in response.content.decode()
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "script-src" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_sent_letter_shows_exactly_what_was_sent(hr_client):
    letter = make_letter()
    FeedbackLetter.objects.filter(pk=letter.pk).update(
        status=FeedbackLetter.Status.SENT,
        sent_at=timezone.now(),
        sent_subject="The sent subject",
        sent_text="The exact text that went out.",
        sent_html="<p>The exact HTML that went out.</p>",
    )

    page = hr_client.get(reverse("feedback:letter_edit", args=[letter.pk])).content.decode()
    preview = hr_client.get(reverse("feedback:letter_preview", args=[letter.pk])).content.decode()

    assert "The sent subject" in page and "The exact text that went out." in page
    assert 'name="body"' not in page
    assert preview == "<p>The exact HTML that went out.</p>"


def test_pages_escape_names_and_feedback_text(hr_client, hr_user):
    nasty = '<script>alert("x")</script> Zoë O\'Brien'
    letter = make_letter(name=nasty)
    letter_edit(letter=letter, by=hr_user, subject='<img src=x onerror="y">', body="<b>bold</b> & more")

    for url in (
        reverse("feedback:letter_queue"),
        reverse("feedback:letter_edit", args=[letter.pk]),
        reverse("feedback:hr_home"),
    ):
        page = hr_client.get(url).content.decode()
        assert "<script>alert" not in page, url
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Zoë O&#x27;Brien" in page, url
    editor = hr_client.get(reverse("feedback:letter_edit", args=[letter.pk])).content.decode()
    assert "<img src=x" not in editor and "<b>bold</b>" not in editor


def test_hr_home_shows_candidates_waiting_and_the_oldest_wait(hr_client, hr_user):
    now = timezone.now()
    make_letter(decided_at=now - dt.timedelta(days=12))
    make_letter(decided_at=now - dt.timedelta(days=1))
    done = make_letter(decided_at=now - dt.timedelta(days=40))
    FeedbackLetter.objects.filter(pk=done.pk).update(status=FeedbackLetter.Status.SENT)
    failed = make_letter(decided_at=now - dt.timedelta(days=2))
    FeedbackLetter.objects.filter(pk=failed.pk).update(status=FeedbackLetter.Status.FAILED)

    response = hr_client.get(reverse("feedback:hr_home"))

    figures = response.context["figures"]
    assert figures["waiting"] == 3
    assert figures["oldest_wait"] >= dt.timedelta(days=12)
    assert figures["overdue"] == 1
    assert figures["failed"] == 1
    page = response.content.decode()
    assert '<p class="display-6 mb-0" id="figure-waiting">3</p>' in page
    assert 'id="figure-oldest">12 days</p>' in page


def test_store_letter_findings_fills_in_missing_and_stale_counts_of_letters_to_approve(hr_user):
    unchecked = make_letter(name="Unchecked")
    stale = with_boilerplate(make_letter(name="Stale"), hr_user)
    sent = make_letter(name="Sent")
    FeedbackLetter.objects.filter(pk=unchecked.pk).update(check_blocking=None, check_key="")
    FeedbackLetter.objects.filter(pk=stale.pk).update(check_blocking=0, check_key="old")
    FeedbackLetter.objects.filter(pk=sent.pk).update(status="sent", check_blocking=None, check_key="")
    out = io.StringIO()

    call_command("store_letter_findings", "--batch-size", "1", stdout=out)

    assert stored(unchecked) == (0, 0, current_key(unchecked))
    assert stored(stale) == (1, 0, current_key(stale))
    assert stored(sent)[0] is None
    assert out.getvalue().strip() == "Checked 2 letters."


# --- Issue 11: the stored check can never be stale; approving approves what is on the screen ----


def queue_row(page, letter):
    return page[page.index(f'id="letter-{letter.pk}"') :].split("</tr>")[0]


def editor_counts(client, letter):
    response = client.get(reverse("feedback:letter_edit", args=[letter.pk]))
    findings = response.context["findings"]
    return len(findings.blocking), len(findings.advisory)


@pytest.mark.parametrize("scope", ["selected", "all"])
def test_a_body_changed_by_raw_sql_is_checked_again_and_refused_by_bulk_approval(hr_client, hr_user, scope):
    letter = letter_edit(
        letter=make_letter(name="Ada Change"), by=hr_user, subject="Feedback", body="Dear Ada,\n\nThanks."
    )
    clean_before = stored(letter)
    assert clean_before[0] == 0
    # Around every service: the stored result still says "clean" under the old key.
    FeedbackLetter.objects.filter(pk=letter.pk).update(
        body="Dear Ada,\n\nThe standard of applicants this time round was exceptionally high."
    )

    data = {"scope": "all"} if scope == "all" else {"letters": [letter.pk]}
    response = hr_client.post(reverse("feedback:letters_bulk_approve"), data, follow=True)

    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.IN_REVIEW
    assert "Ada Change: 1 finding" in response.content.decode()
    assert stored(letter) == (1, 0, current_key(letter))
    # The queue's column and the editor agree, on the current text.
    page = hr_client.get(reverse("feedback:letter_queue")).content.decode()
    assert "1 finding<" in queue_row(page, letter)
    assert editor_counts(hr_client, letter) == (1, 0)


def test_the_queue_column_always_equals_the_editor(hr_client, hr_user):
    letters = {
        "clean": make_letter(name="Ada Clean"),
        "blocking": with_boilerplate(make_letter(name="Ada Blocking"), hr_user),
        "advisory": make_letter(name="Ada Advisory"),
        "italian": make_letter(name="Ada Italian"),
    }
    FeedbackLetter.objects.filter(pk=letters["advisory"].pk).update(
        body="Dear Ada,\n\nMedication was mentioned."
    )
    # German, French and Spanish have their own lists (issue 16); Italian is not checked.
    FeedbackLetter.objects.filter(pk=letters["italian"].pk).update(
        body="Dear Ada,\n\nAbbiamo deciso di non procedere con la sua candidatura perché le risposte erano "
        "troppo generiche."
    )

    page = hr_client.get(reverse("feedback:letter_queue")).content.decode()

    rows = {name: queue_row(page, letter) for name, letter in letters.items()}
    assert "None" in rows["clean"] and "finding" not in rows["clean"]
    assert "1 finding<" in rows["blocking"]
    assert "1 advisory" in rows["advisory"] and "finding" not in rows["advisory"]
    assert "Not checked: Italian" in rows["italian"]
    for name, letter in letters.items():
        blocking, advisory = editor_counts(hr_client, letter)
        summary = FeedbackLetter.objects.get(pk=letter.pk)
        assert (summary.check_blocking, summary.check_advisory) == (blocking, advisory), name
    editor = hr_client.get(reverse("feedback:letter_edit", args=[letters["italian"].pk])).content.decode()
    assert "Not checked: written in Italian" in editor


def test_advisory_findings_and_untranslated_parts_do_not_block_approval(hr_user):
    advisory = letter_edit(
        letter=make_letter(), by=hr_user, subject="Feedback", body="Dear Ada,\n\nMedication was mentioned."
    )
    # Italian: not checked (German, French and Spanish have their own lists since issue 16).
    italian = letter_edit(
        letter=make_letter(name="Giulia"),
        by=hr_user,
        subject="Feedback",
        body="Cara Giulia,\n\nAbbiamo deciso di non procedere con la sua candidatura perché le risposte "
        "erano troppo generiche.",
    )

    assert letter_approve(letter=advisory, by=hr_user).override_reason == ""
    approved, skipped = letters_bulk_approve(letter_ids=[italian.pk], by=hr_user)
    assert approved == [italian.pk] and not skipped


def test_approving_saves_and_checks_the_text_on_the_screen_in_one_step(hr_client, hr_user):
    letter = make_letter()
    on_screen = letter.body.replace(
        "Best regards",
        "You also asked how the limits would be configured per customer, which was the right question."
        "\n\nBest regards",
        1,
    )

    response = hr_client.post(
        reverse("feedback:letter_approve", args=[letter.pk]),
        {"when": "default", "subject": "Our feedback, Ada", "body": on_screen},
    )

    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.SCHEDULED
    assert (letter.subject, letter.body) == ("Our feedback, Ada", on_screen.strip())
    assert verbs(letter) == ["letter.drafted", "letter.edited", "letter.approved", "letter.scheduled"]


def test_unsaved_edits_with_a_blocking_finding_are_saved_and_the_approval_refused(hr_client, hr_user):
    letter = make_letter()
    on_screen = letter.body + "\n\n" + BOILERPLATE

    response = hr_client.post(
        reverse("feedback:letter_approve", args=[letter.pk]),
        {"when": "default", "subject": letter.subject, "body": on_screen},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("feedback:letter_edit", args=[letter.pk])
    page = response.content.decode()
    assert "Your edits were saved, but the letter was not approved" in page
    assert "The quality check found 1 problem" in page
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.IN_REVIEW and BOILERPLATE in letter.body
    assert verbs(letter) == ["letter.drafted", "letter.edited"]

    hr_client.post(
        reverse("feedback:letter_approve", args=[letter.pk]),
        {
            "when": "default",
            "subject": letter.subject,
            "body": on_screen,
            "override_reason": "Their own words.",
        },
    )
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.SCHEDULED and letter.override_reason == "Their own words."


def test_approving_with_an_empty_subject_on_the_screen_is_refused_next_to_the_field(hr_client):
    letter = make_letter()

    response = hr_client.post(
        reverse("feedback:letter_approve", args=[letter.pk]),
        {"when": "default", "subject": "", "body": letter.body},
    )

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.DRAFT


def test_the_approve_button_posts_the_editors_text(hr_client):
    letter = make_letter()

    page = hr_client.get(reverse("feedback:letter_edit", args=[letter.pk])).content.decode()

    button = page[page.index(">Approve and schedule</button>") - 300 :]
    assert 'form="letter-form"' in button
    assert f'formaction="{reverse("feedback:letter_approve", args=[letter.pk])}"' in button
    reason = page[page.index('name="override_reason"') - 200 : page.index('name="override_reason"') + 200]
    assert 'form="letter-form"' in reason


@pytest.mark.parametrize("field", ["[First Name]", "{{name}}", "%FIRSTNAME%", "{candidate_first_name}"])
def test_a_leftover_merge_field_blocks_approval(hr_user, field):
    letter = make_letter()
    letter = letter_edit(
        letter=letter, by=hr_user, subject=letter.subject, body=letter.body.replace("Ada", field, 1)
    )

    with pytest.raises(LetterFindingsError) as caught:
        letter_approve(letter=letter, by=hr_user)

    assert [f.category for f in caught.value.findings.blocking] == ["merge_field"]


def test_the_greeting_uses_the_preferred_name_and_never_a_surname_from_last_first(hr_user):
    from candidates.models import Candidate

    letter = make_letter(name="Lovelace, Augusta Ada")
    Candidate.objects.filter(pk=letter.application.candidate_id).update(preferred_name="")
    assert "Dear Augusta," in letter.body

    # The same name typed by hand as "Dear Lovelace," is a finding.
    edited = letter_edit(
        letter=letter,
        by=hr_user,
        subject=letter.subject,
        body=letter.body.replace("Dear Augusta,", "Dear Lovelace,"),
    )
    assert stored(edited)[0] == 1

    preferred = make_letter(name="Ada Lovelace")
    Candidate.objects.filter(pk=preferred.application.candidate_id).update(preferred_name="Ada L")
    edited = letter_edit(letter=preferred, by=hr_user, subject=preferred.subject, body=preferred.body)
    # Drafted before the preferred name was set: the greeting by first name is an advisory note.
    assert stored(edited)[:2] == (0, 1)


@pytest.mark.parametrize("blank", [" ", "\r\n\r\n", "\t "])
def test_a_letter_of_spaces_and_line_breaks_is_refused_next_to_the_field(hr_client, blank):
    letter = make_letter()
    body_before = letter.body

    for name, extra in (("feedback:letter_edit", {}), ("feedback:letter_approve", {"when": "default"})):
        response = hr_client.post(
            reverse(name, args=[letter.pk]), {"subject": letter.subject, "body": blank, **extra}
        )

        assert response.status_code == 400
        assert "Write the letter&#x27;s text." in response.content.decode()
        letter.refresh_from_db()
        assert (letter.body, letter.status) == (body_before, FeedbackLetter.Status.DRAFT)


@pytest.mark.parametrize("letter_id", [str(2**63), str(2**70), "-1", "0"])
def test_bulk_approval_of_a_letter_number_no_letter_can_have_is_refused(hr_client, letter_id):
    letter = make_letter()

    response = hr_client.post(reverse("feedback:letters_bulk_approve"), {"letters": [letter.pk, letter_id]})

    assert response.status_code < 500
    letter.refresh_from_db()
    assert letter.status == FeedbackLetter.Status.DRAFT
