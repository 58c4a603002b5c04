"""The one Message-ID generator: names the row, never a person, the same on every try."""

import re
import uuid
from types import SimpleNamespace

import pytest

from outbox.kinds import KINDS, DeliveryKind
from outbox.message_ids import delivery_message_id, mail_domain

MESSAGE_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")


def test_the_mail_domain_is_the_sender_address_domain(settings):
    settings.DEFAULT_FROM_EMAIL = "Candor <feedback@mail.example.org>"
    assert mail_domain() == "mail.example.org"
    settings.DEFAULT_FROM_EMAIL = ""
    assert mail_domain() == "candor.invalid"


def test_a_row_with_a_public_id_is_named_by_it(settings):
    settings.DEFAULT_FROM_EMAIL = "feedback@candor.example"
    public_id = uuid.uuid4()
    row = SimpleNamespace(pk=7, public_id=public_id)
    assert delivery_message_id("letter", row) == f"<letter.{public_id}@candor.example>"


def test_a_row_without_a_public_id_gets_a_keyed_hash_of_kind_and_id_that_never_changes():
    first = delivery_message_id("reminder", SimpleNamespace(pk=7))
    assert first == delivery_message_id("reminder", SimpleNamespace(pk=7))
    assert first != delivery_message_id("reminder", SimpleNamespace(pk=8))
    assert first != delivery_message_id("answer", SimpleNamespace(pk=7))
    assert MESSAGE_ID.match(first) and first.startswith("<reminder.")


def test_a_row_not_saved_yet_gets_a_random_id_to_store(settings):
    settings.DEFAULT_FROM_EMAIL = "feedback@candor.example"
    one, two = delivery_message_id("reminder"), delivery_message_id("reminder", SimpleNamespace(pk=None))
    assert one != two
    assert re.fullmatch(r"<reminder\.[0-9a-f]{32}@candor\.example>", one)


@pytest.fixture
def digest_like_kind(monkeypatch):
    kind = DeliveryKind(name="probe", model="auth.User", builder=str, message_id_prefix="candor.probe")
    monkeypatch.setitem(KINDS, "probe", kind)
    return kind


def test_a_kind_may_set_the_prefix_and_a_row_its_own_token(settings, digest_like_kind):
    settings.DEFAULT_FROM_EMAIL = "feedback@candor.example"
    row = SimpleNamespace(pk=3, message_id_token="2026-11-30.hr", public_id=uuid.uuid4())
    assert delivery_message_id("probe", row) == "<candor.probe.2026-11-30.hr@candor.example>"
