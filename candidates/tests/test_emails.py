"""One email normalisation everywhere: forms, services, the import, lookups and the database
constraint agree that case and Unicode compatibility forms name the same candidate."""

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from candidates.emails import normalise_email, tidy_email, validate_email_address
from candidates.forms import CandidateForm
from candidates.models import Candidate
from candidates.selectors import candidate_by_email, candidates_for_hr
from candidates.services import candidate_create
from candidates.tests.factories import CandidateFactory

pytestmark = pytest.mark.django_db

VARIANTS = [
    "rosa@example.com",
    "ROSA@EXAMPLE.COM",
    "Rosa@Example.com",
    "  rosa@example.com  ",
    "Ｒosa@example.com",  # full-width R: NFKC-equal
    "ｒｏｓａ＠ｅｘａｍｐｌｅ．ｃｏｍ",  # all full-width, "@" and "." too
]


@pytest.mark.parametrize("variant", VARIANTS)
def test_case_and_width_variants_have_one_key(variant):
    assert normalise_email(variant) == "rosa@example.com"


def test_kelvin_sign_and_sharp_s_fold_like_their_letters():
    assert normalise_email("\u212aate@example.com") == normalise_email("kate@example.com")
    assert normalise_email("STRASSE@EXAMPLE.COM") == normalise_email("strasse@example.com")


@pytest.mark.parametrize("variant", VARIANTS[1:])
def test_service_refuses_a_variant_of_a_known_email_next_to_the_field(hr_user, variant):
    candidate_create(by=hr_user, name="Rosa Rossi", email="rosa@example.com")
    with pytest.raises(ValidationError) as exc:
        candidate_create(by=hr_user, name="Rosa again", email=variant)
    assert exc.value.message_dict["email"] == ["A candidate with this email already exists."]
    assert Candidate.objects.count() == 1


@pytest.mark.parametrize("variant", ["ROSA@EXAMPLE.COM", "Ｒosa@example.com"])
def test_the_database_itself_refuses_a_variant_written_past_the_services(variant):
    """The rule is a plain unique key computed in Python, so SQLite and PostgreSQL agree
    (SQLite's lower() would fold ASCII only). This test runs on both."""
    CandidateFactory(email="rosa@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Candidate.objects.create(name="Twin", email=variant)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_postgresql_enforces_the_same_rule_as_sqlite():
    assert connection.vendor == "postgresql"
    Candidate.objects.create(name="Rosa", email="rosa@example.com")
    for variant in ("ROSA@EXAMPLE.COM", "Ｒosa@example.com", "ｒｏｓａ＠ｅｘａｍｐｌｅ．ｃｏｍ"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Candidate.objects.create(name="Twin", email=variant)


def test_bulk_create_fills_the_key_too():
    Candidate.objects.bulk_create(
        [Candidate(name="A", email="A@Example.com"), Candidate(name="B", email="b@x.io")]
    )
    assert set(Candidate.objects.values_list("email_key", flat=True)) == {"a@example.com", "b@x.io"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Candidate.objects.bulk_create([Candidate(name="C", email="a@EXAMPLE.com")])


def test_stored_email_is_tidied_and_shown_as_given():
    candidate = CandidateFactory(email="  Ｒosa.Rossi@Example.com ")
    candidate.refresh_from_db()
    assert candidate.email == "Rosa.Rossi@Example.com"
    assert candidate.email_key == "rosa.rossi@example.com"


@pytest.mark.parametrize("variant", VARIANTS)
def test_lookup_and_hr_search_find_every_variant(hr_user, variant):
    rosa = CandidateFactory(name="Rosa Rossi", email="rosa@example.com")
    assert candidate_by_email(variant) == rosa
    assert list(candidates_for_hr(hr_user, search=variant.strip())) == [rosa]


def test_full_clean_names_the_field_never_the_constraint():
    CandidateFactory(email="rosa@example.com")
    twin = Candidate(name="Twin", email="Ｒosa@example.com")
    with pytest.raises(ValidationError) as exc:
        twin.full_clean()
    assert exc.value.message_dict["email"] == ["A candidate with this email already exists."]
    assert "candidate_email" not in str(exc.value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("rosa@exаmple.com", "mixes letters from different alphabets"),  # Cyrillic а in the domain
        ("ro\u200bsa@example.com", "invisible or unusual character"),
        ("rosa@exam\u200dple.com", "invisible or unusual character"),
        ("rоsa@example.com", "Enter a valid email address."),  # Cyrillic о in the local part
        ("not-an-email", "Enter a valid email address."),
    ],
)
def test_look_alike_addresses_get_a_message_for_a_person(value, message):
    with pytest.raises(ValidationError) as exc:
        validate_email_address(tidy_email(value))
    assert message in exc.value.messages[0]
    form = CandidateForm({"name": "Rosa", "email": value})
    assert not form.is_valid()
    assert message in form.errors["email"][0]


def test_internationalised_domains_in_one_alphabet_are_fine():
    validate_email_address("anna@münchen.de")
    validate_email_address("ivan@пример.рф")


def test_add_page_with_a_look_alike_variant_shows_words_not_a_constraint(client, hr_user):
    CandidateFactory(email="rosa@example.com")
    client.force_login(hr_user)
    page = client.post(
        reverse("candidates:candidate_create"), {"name": "Twin", "email": "ｒｏｓａ＠ｅｘａｍｐｌｅ．ｃｏｍ"}
    ).content.decode()
    assert "A candidate with this email already exists." in page
    assert "candidate_email" not in page and "onstraint" not in page
    assert Candidate.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_migration_gives_existing_rows_keys_and_keeps_look_alike_twins_apart():
    """Rows written under the old lower(email) constraint get their key; two that are now the
    same address keep their data, the newer with a key no address can equal, for HR to merge."""
    executor = MigrationExecutor(connection)
    executor.migrate([("candidates", "0001_initial")])
    try:
        old_apps = executor.loader.project_state([("candidates", "0001_initial")]).apps
        OldCandidate = old_apps.get_model("candidates", "Candidate")
        first = OldCandidate.objects.create(name="Rosa", email="rosa@example.com")
        twin = OldCandidate.objects.create(name="Rosa twin", email="Ｒosa@example.com")
        other = OldCandidate.objects.create(name="Ben", email="Ben@Example.com")
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    keys = dict(Candidate.objects.values_list("pk", "email_key"))
    assert keys[first.pk] == "rosa@example.com"
    assert keys[twin.pk] == f"rosa@example.com#duplicate-{twin.pk}"
    assert keys[other.pk] == "ben@example.com"
    assert Candidate.objects.get(pk=twin.pk).language == "en-gb"


def test_the_migration_copies_the_one_rule():
    migration = importlib.import_module(
        "candidates.migrations.0002_candidate_email_key_preferred_name_language"
    )
    for variant in VARIANTS:
        assert migration._key(variant) == normalise_email(variant)
