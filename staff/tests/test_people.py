"""The People pages: roles assigned in the app by an Admin, deactivation, the last-Admin guard."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from core import roles
from core.models import AuditEvent
from hiring.models import Decision
from hiring.tests.factories import (
    AdminFactory,
    ApplicationFactory,
    DecisionFactory,
    FeedbackPointFactory,
    HRFactory,
    InterviewerFactory,
    InterviewFactory,
    ScorecardFactory,
    job_with_pipeline,
)
from staff import services
from staff.models import ScimToken

User = get_user_model()


def role_set(user):
    return set(user.groups.values_list("name", flat=True))


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def test_people_lists_roles_state_and_filters_by_role_key(admin_client, admin):
    hr = HRFactory(first_name="Hana", last_name="Reyes")
    interviewer = InterviewerFactory(first_name="Ivo", last_name="Ito", is_active=False)
    page = admin_client.get(reverse("staff:people")).content.decode()
    assert "Hana Reyes" in page and "Ivo Ito" in page and "Deactivated" in page
    only_hr = admin_client.get(reverse("staff:people"), {"role": "hr"}).content.decode()
    assert "Hana Reyes" in only_hr and "Ivo Ito" not in only_hr
    inactive = admin_client.get(reverse("staff:people"), {"state": "inactive"}).content.decode()
    assert "Ivo Ito" in inactive and "Hana Reyes" not in inactive
    assert hr.pk and interviewer.pk


def test_search_is_a_post_and_finds_by_name(admin_client):
    HRFactory(first_name="Hana", last_name="Reyes")
    InterviewerFactory(first_name="Ivo", last_name="Ito")
    response = admin_client.post(reverse("staff:people"), {"q": "reyes"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Hana Reyes" in page and "Ivo Ito" not in page


def test_admin_assigns_roles_with_checkboxes_and_it_is_audited(admin_client, admin):
    person = InterviewerFactory()
    page = admin_client.get(reverse("staff:person", args=[person.pk])).content.decode()
    for name in roles.ALL:
        assert f'value="{name}"' in page
    response = admin_client.post(
        reverse("staff:person_roles", args=[person.pk]), {"roles": [roles.HIRING_MANAGER, roles.HR]}
    )
    assert response.status_code == 302
    assert role_set(person) == {roles.HIRING_MANAGER, roles.HR}
    event = AuditEvent.objects.get(verb="staff.roles_changed", target_id=person.pk)
    assert event.actor == admin
    assert event.data == {
        "added": sorted([roles.HIRING_MANAGER, roles.HR]),
        "removed": [roles.INTERVIEWER],
        "via": "app",
    }
    # The role rules of core.roles see it at once.
    person = User.objects.get(pk=person.pk)
    assert roles.is_hr(person) and roles.is_hiring_manager(person)


def test_unknown_role_is_refused_without_a_write(admin_client):
    person = InterviewerFactory()
    response = admin_client.post(reverse("staff:person_roles", args=[person.pk]), {"roles": ["Superhero"]})
    assert response.status_code == 400
    assert role_set(person) == {roles.INTERVIEWER}
    assert not AuditEvent.objects.filter(verb="staff.roles_changed").exists()


@pytest.mark.parametrize("factory", [InterviewerFactory, HRFactory])
def test_non_admins_get_404_on_every_people_page(db, client, factory):
    person = InterviewerFactory()
    client.force_login(factory())
    assert client.get(reverse("staff:people")).status_code == 404
    assert client.get(reverse("staff:person", args=[person.pk])).status_code == 404
    assert (
        client.post(reverse("staff:person_roles", args=[person.pk]), {"roles": [roles.ADMIN]}).status_code
        == 404
    )
    assert client.post(reverse("staff:person_deactivate", args=[person.pk])).status_code == 404
    assert client.get(reverse("staff:scim_tokens")).status_code == 404
    assert role_set(person) == {roles.INTERVIEWER}
    assert User.objects.get(pk=person.pk).is_active


def test_last_admin_cannot_remove_own_admin_role_or_deactivate_self(admin_client, admin):
    response = admin_client.post(reverse("staff:person_roles", args=[admin.pk]), {"roles": [roles.HR]})
    assert response.status_code == 400
    assert "You are the last active Admin" in response.content.decode()
    assert role_set(admin) == {roles.ADMIN}
    response = admin_client.post(reverse("staff:person_deactivate", args=[admin.pk]))
    assert response.status_code == 400
    assert "last active Admin" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_with_a_second_admin_one_may_step_down(admin_client, admin):
    AdminFactory()
    response = admin_client.post(reverse("staff:person_roles", args=[admin.pk]), {"roles": [roles.HR]})
    assert response.status_code == 302
    assert role_set(admin) == {roles.HR}


def test_create_local_user_without_a_password(admin_client, admin):
    response = admin_client.post(
        reverse("staff:person_create"),
        {
            "first_name": "Nia",
            "last_name": "New",
            "email": "Nia.New@Corp.example",
            "roles": [roles.INTERVIEWER],
        },
    )
    assert response.status_code == 302
    person = User.objects.get(email="nia.new@corp.example")
    assert person.username == "nia.new@corp.example"
    assert not person.has_usable_password()
    assert role_set(person) == {roles.INTERVIEWER}
    assert AuditEvent.objects.get(verb="staff.created", target_id=person.pk).actor == admin
    again = admin_client.post(
        reverse("staff:person_create"), {"first_name": "Nia", "email": "nia.new@corp.example"}
    )
    assert again.status_code == 200
    assert "already has this email" in again.content.decode()
    assert User.objects.filter(email="nia.new@corp.example").count() == 1


def test_deactivation_ends_a_live_session_and_keeps_authored_records_with_the_name(admin_client, admin):
    person = InterviewerFactory(first_name="Petra", last_name="Pointwriter")
    application = ApplicationFactory(job=job_with_pipeline())
    interview = InterviewFactory(application=application, interviewer=person)
    ScorecardFactory(interview=interview)
    decision = DecisionFactory(
        application=interview.application, decided_by=person, outcome=Decision.Outcome.NO_HIRE
    )
    FeedbackPointFactory(decision=decision)
    their_browser = Client()
    their_browser.force_login(person)
    assert their_browser.get(reverse("hiring:my_interviews")).status_code == 200

    response = admin_client.post(reverse("staff:person_deactivate", args=[person.pk]))
    assert response.status_code == 302

    signed_out = their_browser.get(reverse("hiring:my_interviews"))
    assert signed_out.status_code == 302 and signed_out["Location"].startswith(reverse("login"))
    person.refresh_from_db()
    assert not person.is_active
    decision.refresh_from_db()
    assert decision.decided_by == person and decision.points.count() == 1
    assert interview.scorecard.interview.interviewer == person
    hr = Client()
    hr.force_login(HRFactory())
    page = hr.get(reverse("hiring:application_detail", args=[interview.application.pk])).content.decode()
    assert "Petra Pointwriter" in page
    assert AuditEvent.objects.filter(verb="staff.deactivated", target_id=person.pk, actor=admin).exists()

    assert admin_client.post(reverse("staff:person_reactivate", args=[person.pk])).status_code == 302
    person.refresh_from_db()
    assert person.is_active


def test_user_fks_do_not_cascade():
    """Users are never deleted; even so, nothing that references one may vanish with them."""
    from django.apps import apps
    from django.db.models import CASCADE

    cascading = []
    for model in apps.get_models():
        if model._meta.app_label not in ("hiring", "feedback", "candidates"):
            continue
        for field in model._meta.get_fields():
            if getattr(field, "many_to_one", False) or getattr(field, "one_to_one", False):
                if field.concrete and field.related_model is User and field.remote_field.on_delete is CASCADE:
                    cascading.append(f"{model._meta.label}.{field.name}")
    # A late-letters digest addressed to the user is not something they wrote.
    assert set(cascading) <= {"feedback.LateDigest.user"}, cascading


def test_admin_ends_someone_elses_sessions(admin_client, admin):
    person = InterviewerFactory()
    their_browser = Client()
    their_browser.force_login(person)
    assert admin_client.post(reverse("staff:person_end_sessions", args=[person.pk])).status_code == 302
    assert their_browser.get(reverse("staff:security")).status_code == 302
    event = AuditEvent.objects.get(verb="session.forced_signout", target_id=person.pk)
    assert event.actor == admin
    assert User.objects.get(pk=person.pk).is_active  # only signed out


def test_scim_token_is_shown_once_hashed_at_rest_and_revocable(admin_client, admin):
    response = admin_client.post(reverse("staff:scim_tokens"), {"name": "Entra ID"})
    page = response.content.decode()
    assert response.status_code == 200 and "shown only once" in page
    token = ScimToken.objects.get(name="Entra ID")
    raw = page.split('<code class="user-select-all">')[1].split("</code>")[0]
    assert (
        raw.startswith("cscim_")
        and token.token_hash == services.hash_token(raw)
        and raw not in token.token_hash
    )
    assert raw not in admin_client.get(reverse("staff:scim_tokens")).content.decode()
    assert Client().get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert admin_client.post(reverse("staff:scim_token_revoke", args=[token.pk])).status_code == 302
    assert Client().get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    verbs = set(AuditEvent.objects.filter(target_type="staff.scimtoken").values_list("verb", flat=True))
    assert verbs == {"scim_token.created", "scim_token.revoked"}


def test_an_admin_alone_sees_no_hiring_menu_entries_that_would_answer_404(client, db):
    """Fresh eyes: the Admin's menu offered My interviews, Questions for me and ATS rejections,
    each a 404 for a user with the Admin role only."""
    from django.urls import reverse

    from hiring.tests.factories import AdminFactory

    client.force_login(AdminFactory())
    page = client.get(reverse("staff:people")).content.decode()
    for name in ("hiring:my_interviews", "requests:mine", "integrations:waiting_for_me"):
        assert f'href="{reverse(name)}"' not in page
    assert f'href="{reverse("staff:people")}"' in page
