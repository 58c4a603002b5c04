"""The Nu Html Checker (vnu-jar) reports no error on the main pages and on the HTML part of every email.

Pages are fetched as served (the checker judges markup, not the DOM after
scripts ran), each as its own user. Emails are sent through the same code the
worker runs, into Django's test outbox. One JVM run checks everything.
"""

import pytest
from django.test import Client

from tests.e2e.every_email import KINDS, by_kind, send_every_email
from tests.e2e.scenario import build_world
from tests.support.quality_tools import require, vnu_check

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _vnu_installed():
    require("vnu")


def _html_part(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


def test_pages_and_email_html_parts_have_no_html_errors(mailoutbox):
    world = build_world()
    documents = {}
    for name, (user, path) in world.pages().items():
        client = Client()
        if user is not None:
            client.force_login(user)
        # A candidate's email link redirects to its session address: the page is what it leads to.
        response = client.get(path, follow=True)
        assert response.status_code == 200, f"{name}: {path} answered {response.status_code}"
        documents[f"page: {name}"] = response.content.decode()

    recipients = send_every_email(world)
    emails = by_kind(mailoutbox, recipients)
    assert set(emails) == set(KINDS)
    for kind, message in emails.items():
        documents[f"email: {kind}"] = _html_part(message)

    errors = vnu_check(documents)
    assert not errors, "Nu Html Checker errors:\n" + "\n".join(str(e) for e in errors)
