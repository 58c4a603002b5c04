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
