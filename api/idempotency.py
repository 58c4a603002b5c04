"""``Idempotency-Key`` on every POST of the API (as Stripe does).

A POST with the header is run once: its first successful (2xx) answer is stored for
``CANDOR_API_IDEMPOTENCY_HOURS`` (24 h), keyed by the caller (the token, or the signed-in user)
and the key. Sent again with the same key and the same body (same method and path, same JSON),
the stored answer is replayed (with ``Idempotent-Replayed: true``) and nothing runs; with a
different body, 422 with a message. An answer that was an error is not stored: nothing was
written, so the retry runs again. The write and the stored answer are committed together, so
two concurrent retries write once: the key is claimed (a row inserted) before the view runs,
so the second waits on the unique index until the first commits, then replays its answer.
"""

import datetime as dt
import hashlib
import json
import re

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.response import Response

from api.errors import Unprocessable
from api.models import ApiToken, IdempotencyRecord

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


class _NotStored(Exception):
    """A non-2xx answer returned (not raised) by the view: roll back, answer it, store nothing."""

    def __init__(self, response):
        super().__init__()
        self.response = response


def _owner(request) -> str:
    if isinstance(request.auth, ApiToken):
        return f"token:{request.auth.pk}"
    return f"user:{request.user.pk}"


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=DjangoJSONEncoder, default=str)
    text = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise Unprocessable(
            "This Idempotency-Key was already used with a different request body or URL. "
            "Use a new key for a new request."
        )
    return Response(record.body, status=record.status_code, headers={"Idempotent-Replayed": "true"})


def _stored(owner: str, key: str, now: dt.datetime) -> IdempotencyRecord | None:
    cutoff = now - dt.timedelta(hours=settings.CANDOR_API_IDEMPOTENCY_HOURS)
    return IdempotencyRecord.objects.filter(owner=owner, key=key, created_at__gte=cutoff).first()


def idempotent(handler, request):
    """``handler`` (the view's POST method) wrapped to honour the request's Idempotency-Key."""
    key = request.headers.get(HEADER)
    if key is None:
        return handler
    if not _KEY.match(key):
        raise exceptions.ValidationError(
            {HEADER: ["Use 1 to 255 visible ASCII characters (a UUID is a good key)."]}
        )
    owner = _owner(request)

    def run(request, *args, **kwargs):
        now = timezone.now()
        fingerprint = _fingerprint(request)
        record = _stored(owner, key, now)
        if record is not None:
            return _replay(record, fingerprint)
        cutoff = now - dt.timedelta(hours=settings.CANDOR_API_IDEMPOTENCY_HOURS)
        try:
            with transaction.atomic():
                # An expired answer under this key is forgotten.
                IdempotencyRecord.objects.filter(owner=owner, key=key, created_at__lt=cutoff).delete()
                # Claim the key first: a concurrent retry waits here on the unique index until
                # this transaction ends, then finds the stored answer.
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        owner=owner, key=key, fingerprint=fingerprint, status_code=0, created_at=now
                    )
                response = handler(request, *args, **kwargs)
                if not 200 <= response.status_code < 300:
                    raise _NotStored(response)
                record.status_code = response.status_code
                record.body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
                record.save(update_fields=["status_code", "body"])
        except _NotStored as refused:
            return refused.response
        except IntegrityError:
            record = _stored(owner, key, timezone.now())
            if record is None or record.status_code == 0:
                raise
            return _replay(record, fingerprint)
        return response

    return run


class IdempotentPostMixin:
    """For API views: every POST honours ``Idempotency-Key`` (see the module doc)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method == "POST" and hasattr(self, "post"):
            self.post = idempotent(self.post, request)
