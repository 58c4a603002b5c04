"""Kinds of email: what the engine needs to know to send an app's rows.

Each app registers its kinds in its ``AppConfig.ready()``; the engine names no app::

    # myapp/apps.py
    def ready(self):
        from outbox.kinds import DeliveryKind, register_kind

        register_kind(
            DeliveryKind(
                name="invoice",
                model="myapp.InvoiceEmail",
                builder="myapp.emails.build_invoice_message",
                skip="myapp.emails.invoice_skip_reason",
            )
        )

docs/sending.md ("Adding a kind of email") has the whole recipe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.utils.module_loading import import_string

from outbox.errors import DeliveryError

# A hook is a callable, or the dotted path of one (imported when it is used, so
# that registering a kind in ready() imports nothing of the app's yet).
Hook = Callable | str


@dataclass(frozen=True)
class DeliveryKind:
    """One kind of email.

    - ``name``: the kind's name, given to the tasks and the sweep (``outbox_sweep_task(name)``).
    - ``model``: ``"app_label.Model"``, a concrete ``outbox.models.Deliverable`` with a
      ``status`` field taking ``DeliveryStatus`` values.
    - ``builder(row) -> EmailMessage``: the message (the engine sets its Message-ID). Run
      once per row: the engine stores the bytes on the first take and every later try
      sends those (but for ``keep_bodies=False`` kinds, built again at each try).
    - ``skip(row) -> str``: a reason not to send it (the row is cancelled with it), or "".
    - ``select_related``: what the builder and skip hook read, loaded with the row.
    - ``prepare(rows)``: run once per chunk before building, to load what the builder
      would otherwise read row by row (no N+1 in a chunk).
    - ``audit_prefix``: audit verbs ``<prefix>.sent``, ``.failed``, ``.unknown``, ``.cancelled``;
      None: no audit.
    - ``message_id_prefix``: what Message-IDs start with (default: the kind's name);
      see ``outbox.message_ids``.
    - ``keep_bodies``: store the text and HTML that went out on the row (``sent_text``,
      ``sent_html``, and the bytes until it is sent). False for messages that list many
      people (a staff digest): only the subject is kept, so no name outlives its erasure.
    - ``transport(prepared) -> None``: how a built message goes out; None (the default):
      email through ``settings.EMAIL_BACKEND``. Another transport (the signed webhook POSTs
      of the ``events`` app) gets an ``outbox.sending.Prepared`` whose ``raw`` holds the
      body built once, and raises ``outbox.errors.TransportError`` (permanent or
      temporary) or ``OutcomeUnknownError`` (handed over, no answer). Its builder returns
      an ``OutgoingPayload`` instead of an ``EmailMessage``. Email kinds respect the
      suppression list (``outbox.reports``); other transports do not.
    - ``own_sweep``: the kind has its own beat sweep (``outbox_sweep_task(name)``). False:
      the recovery sweep (``outbox-recover-sweep``, every 15 s) claims its due rows too
      (webhook deliveries, which are due as soon as they exist).
    - ``event_prefix``: the rows' outcomes are announced as domain events
      (``core.events``) ``<prefix>.sent`` and ``<prefix>.failed`` (default: the kind's
      name, e.g. ``letter.sent``); None: none (the webhook kind itself).
    """

    name: str
    model: str
    builder: Hook
    skip: Hook | None = None
    select_related: tuple[str, ...] = ()
    prepare: Hook | None = None
    audit_prefix: str | None = None
    message_id_prefix: str = ""
    keep_bodies: bool = True
    transport: Hook | None = None
    own_sweep: bool = True
    event_prefix: str | None = ""

    @property
    def is_email(self) -> bool:
        """True for kinds sent as email (no transport of their own): suppression and reports apply."""
        return self.transport is None

    @property
    def events_prefix(self) -> str | None:
        """What this kind's domain events start with (``letter``), or None if it announces none."""
        if self.event_prefix is None:
            return None
        return self.event_prefix or self.name

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def hook(self, name: str) -> Callable | None:
        """The callable of hook ``name`` ("builder", "skip", "prepare", "transport"), or None if none.

        A dotted path is imported at each call (cheap once imported), so a test can
        swap the function it names.
        """
        value = getattr(self, name)
        if value is None or callable(value):
            return value
        return import_string(value)


@dataclass
class OutgoingPayload:
    """What a builder of a non-email kind returns: the body to send, built once and stored.

    ``subject``: a short label kept as ``sent_subject`` (e.g. the event's name); ``body``:
    the text sent (kept as ``sent_text``, its UTF-8 bytes as ``sent_raw`` until sent);
    ``envelope``: where it goes, as built (e.g. ``{"url": ...}``), kept as ``sent_envelope``.
    """

    subject: str
    body: str
    envelope: dict

    alternatives = ()

    @property
    def raw(self) -> bytes:
        return self.body.encode("utf-8")


# Filled by each app's AppConfig.ready() through ``register_kind``: the engine names no app.
KINDS: dict[str, DeliveryKind] = {}


def register_kind(kind: DeliveryKind) -> None:
    """Register one kind of email with the engine (call from ``AppConfig.ready()``).

    Registering the same name again replaces the earlier entry (tests and
    reloads). Raises ``ValueError`` for a kind without a name, model or builder.
    """
    if not (kind.name and kind.model and kind.builder):
        raise ValueError("A delivery kind needs a name, a model and a builder.")
    KINDS[kind.name] = kind


def delivery_kind(kind: str) -> DeliveryKind:
    """The registered kind called ``kind``. Raises ``DeliveryError`` for a name nobody registered."""
    try:
        return KINDS[kind]
    except KeyError:
        raise DeliveryError(f"Unknown kind of delivery: {kind!r}") from None
