"""ATS webhooks in, fast: each vendor's signed rejection → the inbox → processing (the task's
function, called directly) → a no-hire waiting for the decider → their points → a draft letter.
The vendors' APIs are a local server answering with recorded responses."""

import json
import logging

import pytest
from django.urls import reverse

from candidates.models import Candidate
from core.models import AuditEvent
from feedback.models import FeedbackLetter
from hiring.models import Application, Decision, Interview, Rating, Scorecard
from hiring.services.decisions import decision_record
from integrations import services
from integrations.models import AtsMapping, AtsRejection, InboundEvent
from integrations.tests.support import CASES, ats_world, post_webhook, recorded, signed

pytestmark = pytest.mark.django_db
VENDORS = ("greenhouse", "lever", "ashby")


def _receive_and_process(client, vendor):
    body, headers = signed(vendor)
    response = post_webhook(client, vendor, body, headers)
    assert response.status_code == 202, response.content
    event = InboundEvent.objects.get(vendor=vendor)
    services.inbound_event_process(event_pk=event.pk)
    event.refresh_from_db()
    return event


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Candidate,
            Application,
            Interview,
            Scorecard,
            Rating,
            AtsRejection,
            InboundEvent,
            AuditEvent,
        )
    }


@pytest.mark.parametrize("vendor", VENDORS)
def test_signed_rejection_waits_for_decider_then_drafts_their_letter(vendor, client, vendor_server):
    world = ats_world(vendor, base_url=vendor_server.url)
    event = _receive_and_process(client, vendor)
    assert event.state == InboundEvent.State.DONE, event.error
    # Processed: the inbox keeps the event without the candidate's details.
    assert world["case"]["email"] not in json.dumps(event.payload)

    candidate = Candidate.objects.get(email=world["case"]["email"])
    assert candidate.name == world["case"]["name"]
    application = Application.objects.get(candidate=candidate, job=world["job"])
    assert application.is_open and application.current_stage == world["stage"]
    rejection = AtsRejection.objects.get(application=application)
    assert rejection.decider == world["decider"]
    assert rejection.state == AtsRejection.State.AWAITING_POINTS
    # The decider's ATS scorecard is in Candor, submitted and locked, on their interview.
    card = Scorecard.objects.get(interview__application=application, interview__interviewer=world["decider"])
    assert card.locked and card.recommendation in ("no", "strong_no")
    assert card.ratings.filter(criterion__name="Problem solving", score__lte=2).exists()
    # Earlier stages' scorecards are left out.
    assert Scorecard.objects.filter(interview__application=application).count() == 1

    # The decider sees it, and gets the app's own no-hire form.
    client.force_login(world["decider"])
    assert world["case"]["name"] in client.get(reverse("integrations:waiting_for_me")).content.decode()
    assert client.get(reverse("hiring:decision_create", args=[application.pk])).status_code == 200

    decision = decision_record(
        application=application,
        stage=world["stage"],
        outcome=Decision.Outcome.NO_HIRE,
        decided_by=world["decider"],
        points=[
            {
                "criterion": world["stage"].criteria.get(name="Problem solving"),
                "observation": "Your rate limiter used a fixed window and missed bursts at the boundary.",
                "suggestion": "Compare a sliding window with a token bucket for the traffic given.",
            }
        ],
    )
    letter = FeedbackLetter.objects.get(decision=decision)
    assert letter.decision.decided_by == world["decider"]
    rejection.refresh_from_db()
    assert rejection.state == AtsRejection.State.DECIDED and rejection.decision == decision
    assert world["case"]["name"] not in client.get(reverse("integrations:waiting_for_me")).content.decode()


@pytest.mark.parametrize("vendor", VENDORS)
def test_replayed_event_changes_nothing(vendor, client, vendor_server):
    ats_world(vendor, base_url=vendor_server.url)
    _receive_and_process(client, vendor)
    before = _counts()
    api_calls = len(vendor_server.requests)
    body, headers = signed(vendor)
    response = post_webhook(client, vendor, body, headers)
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "already received"}
    for event in InboundEvent.objects.all():
        services.inbound_event_process(event_pk=event.pk)
    assert _counts() == before
    assert len(vendor_server.requests) == api_calls


@pytest.mark.parametrize("vendor", VENDORS)
def test_bad_signature_is_refused_stores_nothing_and_logs_no_personal_data(
    vendor, client, vendor_server, caplog
):
    world = ats_world(vendor, base_url=vendor_server.url)
    body, headers = signed(vendor, secret="not-the-secret")
    with caplog.at_level(logging.INFO):
        response = post_webhook(client, vendor, body, headers)
        unsigned = post_webhook(client, vendor, json.dumps(recorded(CASES[vendor]["body"])).encode(), {})
    assert response.status_code == 403 and unsigned.status_code == 403
    assert InboundEvent.objects.count() == 0 and Candidate.objects.count() == 0
    world["connection"].refresh_from_db()
    assert world["connection"].bad_signatures == 2
    logged = caplog.text
    assert "signature" in logged
    for personal in (world["case"]["name"], world["case"]["email"], *world["case"]["name"].split()):
        assert personal not in logged
    assert body.decode()[:40] not in logged


def test_tampered_body_with_a_valid_greenhouse_signature_is_refused(client, vendor_server):
    ats_world("greenhouse", base_url=vendor_server.url)
    body, headers = signed("greenhouse")
    assert post_webhook(client, "greenhouse", body.replace(b"Hector", b"Hacker"), headers).status_code == 403


def test_lever_signature_covers_token_and_triggered_at(client, vendor_server):
    ats_world("lever", base_url=vendor_server.url)
    body, headers = signed("lever")
    data = json.loads(body)
    data["triggeredAt"] += 1
    assert post_webhook(client, "lever", json.dumps(data).encode(), headers).status_code == 403


def test_unknown_vendor_or_no_connection_is_404(client):
    body, headers = signed("ashby")
    assert post_webhook(client, "ashby", body, headers).status_code == 404
    assert post_webhook(client, "workday", body, headers).status_code == 404


@pytest.mark.parametrize(
    ("vendor", "body"),
    [
        ("greenhouse", "greenhouse_application_updated_active.json"),
        ("lever", "lever_candidate_stage_change.json"),
    ],
)
def test_events_that_are_not_rejections_are_kept_and_ignored(vendor, body, client, vendor_server):
    ats_world(vendor, base_url=vendor_server.url)
    raw, headers = signed(vendor, recorded(body))
    assert post_webhook(client, vendor, raw, headers).status_code == 202
    event = InboundEvent.objects.get()
    assert services.inbound_event_process(event_pk=event.pk) == InboundEvent.State.IGNORED
    assert Candidate.objects.count() == 0 and vendor_server.requests == []


def test_unmapped_decider_waits_as_needs_mapping_until_hr_maps_and_reprocesses(client, vendor_server):
    world = ats_world("greenhouse", base_url=vendor_server.url, map_decider=False)
    event = _receive_and_process(client, "greenhouse")
    assert event.state == InboundEvent.State.NEEDS_MAPPING
    assert event.missing == [{"kind": "user", "external_id": "92120", "external_name": "Alice Ito"}]
    assert Candidate.objects.count() == 0 and Application.objects.count() == 0

    client.force_login(world["hr"])
    page = client.get(reverse("integrations:mappings", args=["greenhouse"])).content.decode()
    assert "92120" in page and "Alice" not in page.split("map it")[0].rsplit("href=", 1)[-1]
    prefilled = client.get(
        reverse("integrations:mappings", args=["greenhouse"]), {"kind": "user", "external_id": "92120"}
    )
    assert 'value="Alice Ito"' in prefilled.content.decode()
    response = client.post(
        reverse("integrations:mappings", args=["greenhouse"]),
        {"kind": "user", "external_id": "92120", "external_name": "Alice Ito", "user": world["decider"].pk},
    )
    assert response.status_code == 302
    assert AtsMapping.objects.filter(kind="user", external_id="92120", user=world["decider"]).exists()
    assert client.post(reverse("integrations:event_reprocess", args=[event.pk])).status_code == 302
    assert services.inbound_event_process(event_pk=event.pk) == InboundEvent.State.DONE
    assert AtsRejection.objects.get().decider == world["decider"]


def test_vendor_api_down_fails_the_event_and_a_later_reprocess_succeeds(client, vendor_server):
    world = ats_world("ashby", base_url=vendor_server.url)
    vendor_server.fail = 503
    event = _receive_and_process(client, "ashby")
    assert event.state == InboundEvent.State.FAILED and "503" in event.error
    assert Application.objects.count() == 0
    vendor_server.fail = None
    services.event_reprocess(event=event, by=world["hr"])
    assert services.inbound_event_process(event_pk=event.pk) == InboundEvent.State.DONE


@pytest.mark.parametrize("vendor", VENDORS)
def test_write_back_feedback_sent_writes_one_note(vendor, client, vendor_server):
    world = ats_world(vendor, base_url=vendor_server.url)
    _receive_and_process(client, vendor)
    application = AtsRejection.objects.get().application
    assert services.write_back_feedback_sent(application) is True
    assert services.write_back_feedback_sent(application) is False
    calls = vendor_server.calls("POST", world["case"]["note_path"])
    assert len(calls) == 1
    assert "feedback sent" in calls[0]["body"].decode()
    if vendor == "greenhouse":
        assert calls[0]["headers"]["On-Behalf-Of"] == "92120"
    assert AtsRejection.objects.get().state == AtsRejection.State.FEEDBACK_SENT


def test_write_back_is_nothing_for_applications_not_from_an_ats(db):
    from hiring.tests.factories import ApplicationFactory, job_with_pipeline

    assert services.write_back_feedback_sent(ApplicationFactory(job=job_with_pipeline())) is False


def test_connection_page_never_shows_the_stored_secret(client, hr_user):
    client.force_login(hr_user)
    url = reverse("integrations:connection_edit", args=["lever"])
    response = client.post(
        url,
        {
            "enabled": "on",
            "webhook_secret": "s3cret-value-abcdef",
            "api_key": "k3y-value-123456",
            "act_as": hr_user.pk,
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "s3cret-value-abcdef" not in page and "k3y-value-123456" not in page
    assert "…cdef" in page and "…3456" in page
    # Saving without a new secret keeps the stored one.
    client.post(url, {"enabled": "on", "act_as": hr_user.pk})
    from integrations.models import AtsConnection

    assert AtsConnection.objects.get(vendor="lever").webhook_secret == "s3cret-value-abcdef"


def test_integrations_home_lists_events_needing_hr(client, vendor_server):
    world = ats_world("greenhouse", base_url=vendor_server.url, map_decider=False)
    _receive_and_process(client, "greenhouse")
    client.force_login(world["hr"])
    page = client.get(reverse("integrations:home")).content.decode()
    assert "Needs mapping" in page and "Process again" in page


def test_events_whose_task_was_lost_are_queued_again(client, vendor_server, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    ats_world("lever", base_url=vendor_server.url)
    body, headers = signed("lever")
    post_webhook(client, "lever", body, headers)
    queued = []
    monkeypatch.setattr(services, "queue_processing", queued.append)
    assert services.inbound_events_requeue_stale() == 0  # just arrived: its task is on its way
    InboundEvent.objects.update(received_at=timezone.now() - dt.timedelta(minutes=10))
    assert services.inbound_events_requeue_stale() == 1
    assert queued == [InboundEvent.objects.get().pk]


def test_greenhouse_prospect_rejected_without_a_job_is_kept_and_ignored(client, vendor_server):
    ats_world("greenhouse", base_url=vendor_server.url)
    data = recorded("greenhouse_reject_candidate.json")
    data["payload"]["application"].update(prospect=True, jobs=[])
    body, headers = signed("greenhouse", data)
    assert post_webhook(client, "greenhouse", body, headers).status_code == 202
    event = InboundEvent.objects.get()
    assert services.inbound_event_process(event_pk=event.pk) == InboundEvent.State.IGNORED
    assert Candidate.objects.count() == 0


def test_a_captured_lever_delivery_cannot_be_replayed_with_another_body_or_later(client, vendor_server):
    """Fresh eyes: Lever's signature covers token + triggeredAt only; with the body's own "id" as
    the event id, one captured delivery was accepted again with any id and any opportunity, and a
    triggeredAt from 2020 was fine. The signed token is the event id, and old deliveries are refused."""
    ats_world("lever", base_url=vendor_server.url)
    body, headers = signed("lever")
    assert post_webhook(client, "lever", body, headers).status_code == 202
    forged = json.loads(body)
    forged["id"] = "forged-1"
    forged["data"] = {**forged.get("data", {}), "opportunityId": "../../v1/users?x="}
    again = post_webhook(client, "lever", json.dumps(forged).encode(), headers)
    assert again.status_code == 200  # the same signed token: a replay, nothing new
    assert InboundEvent.objects.count() == 1
    stale = recorded(CASES["lever"]["body"])
    stale["triggeredAt"] = 1577836800000  # 2020-01-01
    old_body, old_headers = signed("lever", stale, fresh_lever=False)
    assert post_webhook(client, "lever", old_body, old_headers).status_code == 403


def test_ats_ids_cannot_leave_the_vendor_api_path():
    from integrations.vendors import _seg

    assert _seg("../../v1/users?x=") == "..%2F..%2Fv1%2Fusers%3Fx%3D"
    assert _seg(12345) == "12345"


@pytest.mark.parametrize("vendor", ["greenhouse", "ashby"])
def test_a_validly_signed_body_that_is_not_json_is_a_400_not_a_bad_signature(client, vendor_server, vendor):
    """Fresh eyes: it answered 403 "signature refused" and raised the refused-signatures count."""
    import hashlib
    import hmac

    from integrations.models import AtsConnection
    from integrations.tests.support import SECRET

    ats_world(vendor, base_url=vendor_server.url)
    body = b"[1, 2, 3]"
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = (
        {"HTTP_SIGNATURE": f"sha256 {digest}", "HTTP_GREENHOUSE_EVENT_ID": "gh-x"}
        if vendor == "greenhouse"
        else {"HTTP_ASHBY_SIGNATURE": f"sha256={digest}"}
    )
    before = list(AtsConnection.objects.values_list("pk", "bad_signatures"))
    response = post_webhook(client, vendor, body, headers)
    assert response.status_code == 400
    assert list(AtsConnection.objects.values_list("pk", "bad_signatures")) == before
    assert InboundEvent.objects.count() == 0


def test_hr_dismisses_an_event_that_will_never_succeed_and_can_still_process_it_later(client, vendor_server):
    """Fresh eyes: a failed event (a candidate without an email, a test delivery) could only be
    "processed again", forever. HR puts it aside (audited); it leaves the list, not the inbox."""
    world = ats_world("greenhouse", base_url=vendor_server.url, map_decider=False)
    event = _receive_and_process(client, "greenhouse")
    assert event.state == InboundEvent.State.NEEDS_MAPPING
    client.force_login(world["hr"])
    home = reverse("integrations:home")
    assert reverse("integrations:event_dismiss", args=[event.pk]) in client.get(home).content.decode()
    assert client.post(reverse("integrations:event_dismiss", args=[event.pk])).status_code == 302
    event.refresh_from_db()
    assert event.state == InboundEvent.State.DISMISSED
    assert AuditEvent.objects.filter(verb="ats_event.dismiss", target_id=event.pk).exists()
    assert reverse("integrations:event_dismiss", args=[event.pk]) not in client.get(home).content.decode()
    # A dismissed event cannot be dismissed twice, but can be processed again.
    assert client.post(reverse("integrations:event_dismiss", args=[event.pk]), follow=True).status_code == 200
    assert client.post(reverse("integrations:event_reprocess", args=[event.pk])).status_code == 302
    event.refresh_from_db()
    assert event.state == InboundEvent.State.RECEIVED
