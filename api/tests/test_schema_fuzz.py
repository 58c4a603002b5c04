"""Schema fuzzing (schemathesis): every operation of /api/schema/, called in-process (WSGI)
with a real write token, with examples that schemathesis derives from the schema. Bounded and
derandomized (the same examples every run; ~20 s): no 500, and every answer's status code,
content type, headers and body conform to the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.tests.helpers import make_token

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def keep_test_connection():
    """Django's test client does this too: the WSGI handler would otherwise close the database
    connection after each request (``close_old_connections``), and with it the test's
    transaction on PostgreSQL."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


def test_every_operation_conforms_to_the_schema(world, keep_test_connection):
    _, key = make_token(world.users["hr"], scope="write", name="schemathesis")
    headers = {"Authorization": f"Bearer {key}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", get_wsgi_application(), headers=headers
    )
    operations = list(_operations(schema))
    assert len(operations) >= 19
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.verbose_name}: {exc}")
    assert not failures, "\n\n".join(failures)
