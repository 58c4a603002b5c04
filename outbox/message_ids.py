"""The one Message-ID generator of everything Candor emails.

A Message-ID names the row it was made for, never a person, and is stored on
the row before the first try, so every try (a retry, a redelivered task, a
resend after a crash) carries the same one and receivers can tell it is the
same message. Format: ``<{prefix}.{token}@{mail domain}>``.
"""

from __future__ import annotations

import uuid
from email.utils import parseaddr

from django.conf import settings
from django.db import models
from django.utils.crypto import salted_hmac

from outbox.kinds import KINDS


def mail_domain() -> str:
    """The domain of ``DEFAULT_FROM_EMAIL`` (``candor.invalid`` if it has none)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "candor.invalid"


def delivery_message_id(kind: str, row: models.Model | None = None) -> str:
    """A Message-ID for a row of the kind named ``kind``: ``<{prefix}.{token}@{mail_domain()}>``.

    The prefix is the kind's ``message_id_prefix``, or ``kind`` itself. The token is,
    in this order: the row's ``message_id_token`` (a model may name itself, e.g. a
    digest by day and recipient key); its ``public_id``; a keyed hash of kind and
    primary key; or, for a row not saved yet (``row`` None or without a pk), a random
    one. The same row gives the same id every time, except in the random case: store
    that one on the row.
    """
    spec = KINDS.get(kind)
    prefix = (spec.message_id_prefix if spec else "") or kind
    token = getattr(row, "message_id_token", None) or getattr(row, "public_id", None)
    if token:
        token = str(token)
    elif row is not None and row.pk is not None:
        token = salted_hmac("candor.delivery.message-id", f"{kind}:{row.pk}").hexdigest()[:24]
    else:
        token = uuid.uuid4().hex
    return f"<{prefix}.{token}@{mail_domain()}>"
