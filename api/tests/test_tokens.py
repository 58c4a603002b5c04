"""API tokens: hashed at rest, shown once, scoped (read/write, jobs), revocable, audited."""

import datetime as dt
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.services import token_touch
from api.tests.helpers import client_for, ids, make_token
from core.models import AuditEvent
from feedback.models import FeedbackLetter
from hiring.tests.factories import AdminFactory, HRFactory, InterviewerFactory

pytestmark = pytest.mark.django_db


def test_key_is_stored_only_as_its_sha256(world):
    token, key = make_token(world.users["hr"])
    row = ApiToken.objects.get(pk=token.pk)
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    stored = " ".join(str(v) for v in ApiToken.objects.filter(pk=token.pk).values().first().values())
    assert key not in stored
    assert key.startswith(f"cnd_{row.prefix}_")


def test_read_token_reads_but_cannot_write(world):
    _, key = make_token(world.users["hr"], scope="read")
    client = client_for(key)
    assert world.letter.pk in ids(client.get(reverse("api:letter-list")))
    response = client.post(reverse("api:letter-approve", args=[world.letter.pk]), {"override_reason": "x"})
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    world.letter.refresh_from_db()
    assert world.letter.status == FeedbackLetter.Status.DRAFT


def test_write_token_approves_a_letter_and_the_audit_names_the_token(world):
    _, key = make_token(world.users["hr"], scope="write", name="Greenhouse sync")
    response = client_for(key).post(
        reverse("api:letter-approve", args=[world.letter.pk]),
        {"override_reason": "Reviewed by HR."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "scheduled"
    rows = AuditEvent.objects.filter(target_type="feedback.feedbackletter", target_id=world.letter.pk)
    assert rows.filter(verb="letter.approved", actor=world.users["hr"]).exists()  # the service's own
    api_row = rows.get(verb="api.letter.approve")
    assert api_row.actor == world.users["hr"]
    assert api_row.data["token"] == "Greenhouse sync"


def test_cancel_through_the_api_then_a_draft_cannot_be_cancelled(world):
    _, key = make_token(world.users["hr"], scope="write")
    client = client_for(key)
    approve = reverse("api:letter-approve", args=[world.letter.pk])
    assert client.post(approve, {"override_reason": "ok"}, format="json").status_code == 200
    cancel = reverse("api:letter-cancel", args=[world.letter.pk])
    response = client.post(cancel)
    assert response.status_code == 200
    assert response.json()["status"] == "in_review"
    again = client.post(cancel)
    assert again.status_code == 409
    assert "only a scheduled letter can be cancelled" in again.json()["detail"]
    assert AuditEvent.objects.filter(verb="api.letter.cancel", data__token="Test sync").count() == 1


def test_job_limited_token_sees_only_its_jobs_and_404s_the_rest(world):
    _, key = make_token(world.users["hr"], jobs=[world.other_job])
    client = client_for(key)
    assert client.get(reverse("api:application-detail", args=[world.application.pk])).status_code == 404
    assert client.get(reverse("api:job-detail", args=[world.job.pk])).status_code == 404
    assert client.get(reverse("api:letter-detail", args=[world.letter.pk])).status_code == 404
    assert client.get(reverse("api:candidate-detail", args=[world.candidate.pk])).status_code == 404
    assert ids(client.get(reverse("api:application-list"))) == [world.other_application.pk]
    assert ids(client.get(reverse("api:job-list"))) == [world.other_job.pk]
    assert ids(client.get(reverse("api:letter-list"))) == []
    assert ids(client.get(reverse("api:interview-list"))) == [world.other_interview.pk]


def test_job_limited_write_token_cannot_act_outside_its_jobs(world):
    _, key = make_token(world.users["hr"], scope="write", jobs=[world.other_job])
    client = client_for(key)
    response = client.post(reverse("api:letter-approve", args=[world.letter.pk]), {"override_reason": "x"})
    assert response.status_code == 404
    response = client.post(
        reverse("api:application-list"), {"candidate": world.candidate.pk, "job": world.job.pk}, format="json"
    )
    assert response.status_code == 400
    # The token sees neither that job nor that candidate (they are not of its jobs).
    assert response.json() == {"candidate": ["No candidate with this id."]}
    response = client.post(reverse("api:job-list"), {"title": "New"}, format="json")
    assert response.status_code == 403


def test_revoked_token_answers_401(world):
    admin = AdminFactory()
    token, key = make_token(world.users["hr"], by=admin)
    client = client_for(key)
    assert client.get(reverse("api:job-list")).status_code == 200
    from api.services import token_revoke

    token_revoke(token=token, by=admin)
    response = client.get(reverse("api:job-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    ["Bearer nope", "Bearer cnd_000000000000_wrong", "Bearer", "Bearer a b", "Bearer cnd_x"],
)
def test_unknown_or_malformed_keys_answer_401(world, header):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(reverse("api:job-list"))
    assert response.status_code == 401
    assert "detail" in response.json()


def test_wrong_secret_with_a_real_prefix_answers_401(world):
    token, key = make_token(world.users["hr"])
    response = client_for(key[:-3] + "abc").get(reverse("api:job-list"))
    assert response.status_code == 401


def test_token_of_a_deactivated_user_answers_401(world):
    user = InterviewerFactory()
    _, key = make_token(user)
    user.is_active = False
    user.save()
    assert client_for(key).get(reverse("api:job-list")).status_code == 401


def test_anonymous_calls_answer_401():
    from rest_framework.test import APIClient

    assert APIClient().get("/api/letters/").status_code == 401


def test_last_used_is_written_at_most_once_a_minute(world):
    token, key = make_token(world.users["hr"])
    assert token.last_used_at is None
    client = client_for(key)
    client.get(reverse("api:job-list"))
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    client.get(reverse("api:job-list"))
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    token.refresh_from_db()
    later = first + dt.timedelta(seconds=61)
    token_touch(token, now=later)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == later


def test_only_an_admin_makes_tokens_for_active_staff():
    from django.core.exceptions import PermissionDenied, ValidationError

    from api.services import token_create

    hr = HRFactory()
    with pytest.raises(PermissionDenied):
        token_create(by=hr, name="x", scope="read", acting_user=hr)
    with pytest.raises(ValidationError) as refused:
        token_create(by=AdminFactory(), name="x", scope="read", acting_user=AdminFactory())
    assert "acting_user" in refused.value.message_dict


# --- The Admin's pages ------------------------------------------------------------------------


def test_admin_creates_a_token_and_sees_the_key_once(client, world):
    admin = world.users["admin"]
    client.force_login(admin)
    response = client.post(
        reverse("api:token_create"),
        {
            "name": "Ashby sync",
            "scope": "write",
            "acting_user": world.users["hr"].pk,
            "jobs": [world.job.pk],
        },
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="Ashby sync")
    body = response.content.decode()
    key = body.split('id="api-key"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert key.startswith(f"cnd_{token.prefix}_")
    assert response["Cache-Control"].startswith("max-age=0")
    assert not token.all_jobs and list(token.jobs.all()) == [world.job]
    listing = client.get(reverse("api:token_list")).content.decode()
    assert "Ashby sync" in listing and key not in listing
    assert AuditEvent.objects.filter(verb="api_token.create", actor=admin, target_id=token.pk).exists()
    # The key works, for the chosen job only.
    assert ids(client_for(key).get(reverse("api:job-list"))) == [world.job.pk]


def test_token_form_explains_bad_input(client, world):
    client.force_login(world.users["admin"])
    response = client.post(
        reverse("api:token_create"), {"name": "", "scope": "admin", "acting_user": world.users["admin"].pk}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"name", "scope", "acting_user", "jobs"}
    assert not ApiToken.objects.exists()


def test_admin_revokes_by_post_only(client, world):
    admin = world.users["admin"]
    token, key = make_token(world.users["hr"], by=admin)
    client.force_login(admin)
    url = reverse("api:token_revoke", args=[token.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client_for(key).get(reverse("api:job-list")).status_code == 401
    assert AuditEvent.objects.filter(verb="api_token.revoke", target_id=token.pk).count() == 1
    client.post(url)  # twice: nothing more
    assert AuditEvent.objects.filter(verb="api_token.revoke", target_id=token.pk).count() == 1


def test_token_pages_are_for_admins_only(client, world):
    client.force_login(world.users["hr"])
    assert client.get(reverse("api:token_list")).status_code == 404


def test_admin_sees_the_nav_link_and_hr_does_not(client, world):
    client.force_login(world.users["admin"])
    assert "API tokens" in client.get(reverse("api:token_list")).content.decode()
    client.force_login(world.users["hr"])
    assert "API tokens" not in client.get(reverse("hiring:my_interviews")).content.decode()


def test_revoked_at_is_kept_in_the_list(client, world):
    admin = world.users["admin"]
    token, _ = make_token(world.users["hr"], by=admin, name="Old")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    client.force_login(admin)
    assert "Revoked" in client.get(reverse("api:token_list")).content.decode()


def test_job_limited_token_cannot_reach_other_jobs_candidates_through_a_new_application(world):
    """Fresh eyes: a token limited to one job opened an application for a candidate of another job
    (201), and could then read their name and email; trying ids one by one found everyone. It may
    name only candidates of its jobs, or candidates it added itself."""
    _, key = make_token(world.users["hr"], scope="write", jobs=[world.other_job])
    client = client_for(key)
    outsider = world.candidate  # applied to world.job only
    response = client.post(
        reverse("api:application-list"), {"candidate": outsider.pk, "job": world.other_job.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"candidate": ["No candidate with this id."]}
    assert client.get(reverse("api:candidate-detail", args=[outsider.pk])).status_code == 404
    # A candidate the token added itself can be given an application on its job.
    added = client.post(
        reverse("api:candidate-list"), {"name": "Nia Okafor", "email": "nia@example.com"}, format="json"
    )
    assert added.status_code == 201, added.json()
    response = client.post(
        reverse("api:application-list"),
        {"candidate": added.json()["id"], "job": world.other_job.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
