"""The OpenAPI schema's additions: the Idempotency-Key header on every POST, and the error
answers every operation may give (api/errors.py), so clients and schemathesis know them."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import SAFE_METHODS

_ERROR = {
    "type": "object",
    "description": '{"detail": "..."} or {"<field>": ["..."]}',
    "additionalProperties": True,
}
_ERRORS = {
    "400": "Bad input: messages by field.",
    "401": "No valid API token or session.",
    "403": "Not allowed: the token's scope or the acting user's role.",
    "404": "No such object, or not visible to the acting user (or outside the token's jobs).",
}
_WRITE_ERRORS = {
    "409": "The object is not in a state that allows this.",
    "422": "The Idempotency-Key was used before with a different request.",
}


class ApiAutoSchema(AutoSchema):
    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if self.method == "POST":
            params.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description=(
                        "Any unique string (a UUID): a retry with the same key and body gets the "
                        "first answer back and changes nothing; kept 24 hours."
                    ),
                )
            )
        return params

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(_ERRORS)
        if self.method not in SAFE_METHODS:
            errors.update(_WRITE_ERRORS)
        for code, description in errors.items():
            responses.setdefault(
                code, {"description": description, "content": {"application/json": {"schema": _ERROR}}}
            )
        return responses
