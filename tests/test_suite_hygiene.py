"""Rules for the test suite itself, so that it passes in any order.

No ``serialized_rollback``: Django restores a serialized copy of the database by inserting
its rows back with their primary keys, but a transactional test that ran before (a live
server, a real worker, a migration test) has flushed the tables, and the flush's
``post_migrate`` made the content types and permissions again under new keys. The restore
then fails on their unique names ("UNIQUE constraint failed: django_content_type.app_label,
django_content_type.model") depending only on which test ran before. Transactional tests
rely instead on ``tests.support.fixtures.ensure_migration_data`` (the autouse fixture puts
back what data migrations made).
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = {".venv", "node_modules", ".git", "staticfiles", "var"}


def _test_sources():
    for path in ROOT.rglob("*.py"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP or path == Path(__file__):
            continue
        if "tests" in parts or path.name == "conftest.py":
            yield path


def test_no_test_restores_a_serialized_database():
    offenders = [
        str(path.relative_to(ROOT))
        for path in _test_sources()
        if "serialized_rollback" in path.read_text(encoding="utf-8")
    ]
    assert offenders == [], f"serialized_rollback makes the suite order-dependent: {offenders}"


def test_every_setting_read_from_the_environment_is_in_env_example():
    """README: ``.env.example`` lists every variable the settings read, with a comment."""
    import re

    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.M))
    read = set()
    for path in (ROOT / "config" / "settings").rglob("*.py"):
        read |= set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', path.read_text(encoding="utf-8")))
    assert sorted(read - listed) == []


def test_every_data_migration_says_what_a_flushed_test_database_needs_of_it():
    """A transactional test empties the tables; the rows data migrations made must come back
    (tests.support.fixtures.ensure_migration_data) or be declared as not needed."""
    from tests.support.fixtures import DATA_MIGRATIONS

    found = set()
    for path in ROOT.glob("*/migrations/0*.py"):
        if "RunPython" in path.read_text(encoding="utf-8"):
            found.add(f"{path.parent.parent.name}.{path.stem}")
    assert found == set(DATA_MIGRATIONS)
