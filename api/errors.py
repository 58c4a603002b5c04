"""Errors of the API, in Django REST Framework's standard shapes.

- ``{"detail": "..."}`` for a refusal (401, 403, 404, 409, 422);
- ``{"<field>": ["..."], ...}`` for bad input (400), with ``non_field_errors`` for the rest.

The services' own refusals become these: Django's ValidationError (by field) and
``hiring.services.errors.HiringError`` (``field`` if it names one) → 400;
``feedback.letters.services.LetterStateError`` (wrong state) → 409;
``LetterFindingsError`` (the quality check blocks approval) → 400 on ``override_reason``
with the findings; Django's PermissionDenied → 403 (DRF's own handler).
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from feedback.letters.services import LetterFindingsError, LetterStateError
from hiring.services.errors import HiringError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object is not in a state that allows this."
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


def _django_validation(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        out = {}
        for field, errors in exc.message_dict.items():
            out["non_field_errors" if field == NON_FIELD_ERRORS else field] = list(errors)
        return out
    return {"non_field_errors": list(exc.messages)}


def api_exception_handler(exc, context):
    """DRF's handler, after turning the services' refusals into API errors (see the module doc)."""
    if isinstance(exc, LetterFindingsError):
        findings = [
            {"category": getattr(f, "category", ""), "message": getattr(f, "message", str(f))}
            for f in exc.findings.blocking
        ]
        return Response({"override_reason": [str(exc)], "findings": findings}, status=400)
    if isinstance(exc, LetterStateError):
        exc = Conflict(str(exc))
    elif isinstance(exc, HiringError):
        exc = exceptions.ValidationError({exc.field or "non_field_errors": [exc.message]})
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation(exc))
    return exception_handler(exc, context)
