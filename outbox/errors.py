"""What can go wrong when sending, and how to say it to HR.

- The engine's exceptions (``DeliveryError`` and its kinds) and the outcomes of a send (``Outcome``).
- ``explain_failure(exc)``: whether an exception raised while sending is permanent,
  and a reason HR can read (stored in ``last_error``).
- ``failure_concerns_one_message(exc)``: whether a chunk can go on after it.
- ``OutcomeUnknownError``: the dialogue broke after the message was handed over (the row
  becomes *unknown*, never resent by itself); ``DeliveryInterrupted``: the database failed
  after messages went out (the task's retry records them first, so they are not resent).
"""

from __future__ import annotations

import smtplib

from django.conf import settings


class DeliveryError(Exception):
    """Base of the engine's errors."""


class TemporaryDeliveryError(DeliveryError):
    """The mail server could not take the message now; the row waits for another try.

    ``countdown``: seconds until the task's own retry (Celery, at most 300 s), or None
    when the row waits in the database for the sweep instead (longer waits).
    """

    def __init__(self, message: str = "", countdown: float | None = None):
        super().__init__(message)
        self.countdown = countdown


class OutcomeUnknownError(DeliveryError):
    """The message was handed over (the end of DATA was written) and the server's answer
    never came: the connection dropped, or the answer took longer than allowed.

    The server may have accepted it. The engine does not send it again by itself: the
    row becomes *unknown* and HR decides. ``reason`` says what broke, for HR.
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class DeliveryInterrupted(DeliveryError):
    """The database (or broker) failed after some messages of a send went out.

    ``settled``: ``[pk, attempts, outcome, reason]`` lists for rows whose outcome is
    known in memory but could not be written (``Outcome.SENT`` or ``Outcome.UNKNOWN``).
    The task retries with them, and the retry writes them before anything else, so
    those messages are not sent again.
    """

    def __init__(self, settled: list[list], cause: BaseException):
        super().__init__(f"{len(settled)} outcomes not recorded yet ({type(cause).__name__}: {cause})")
        self.settled = settled


class TransportError(DeliveryError):
    """A non-email transport (a webhook POST) failed, with what the receiver answered.

    ``permanent``: never retried (e.g. a 4xx but 408/429); else retried with back-off like
    a 4xx from a mail server. ``reason``: for HR. ``status``: the HTTP status, or None
    (no answer: refused, timed out before the body was sent).
    """

    def __init__(self, reason: str, *, permanent: bool, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.status = status


class DeliveryStateError(DeliveryError):
    """The row is not in a state that allows this action."""


class NoRecipientError(DeliveryError):
    """The message has nobody to go to (a permanent failure)."""


class Outcome:
    """What a send did with one row (the strings tasks return and count)."""

    SENT = "sent"
    SKIPPED = "skipped"  # not due, already taken, or already done: nothing to do
    CANCELLED = "cancelled"  # a skip hook said the message must not go
    FAILED = "failed"
    UNKNOWN = "unknown"  # handed over, no answer: may have arrived; not resent by itself
    WAITING = "waiting"  # a temporary failure: the row waits for its next try


# What HR reads about an unknown outcome (the detail of what broke follows it).
UNKNOWN_OUTCOME = "The mail server may have received this message; check before sending it again."


def _decode(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def smtp_timed_out(exc: BaseException) -> bool:
    """True for a read timeout mid-session, which smtplib reports as ``SMTPServerDisconnected``."""
    return isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(exc.__context__, TimeoutError)


def explain_failure(exc: Exception) -> tuple[bool, str]:
    """(permanent?, a reason HR can read) for an exception raised while sending.

    Permanent: a 5xx for the recipient or the message, a message with no
    recipient, or one Django cannot serialise. Everything else (4xx, timeouts,
    refused or dropped connections) is temporary and retried.
    """
    if isinstance(exc, TransportError):
        return exc.permanent, exc.reason
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = list(exc.recipients.values())
        detail = "; ".join(f"{code} {_decode(text)}" for code, text in answers)
        if answers and all(code >= 500 for code, _ in answers):
            return True, f"The mail server refused the recipient's address ({detail})."
        return False, f"The mail server did not accept the recipient for now ({detail})."
    if isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500:
        return True, f"The mail server refused the message ({exc.smtp_code} {_decode(exc.smtp_error)})."
    if isinstance(exc, smtplib.SMTPResponseException):
        return False, f"The mail server answered {exc.smtp_code} {_decode(exc.smtp_error)}."
    if isinstance(exc, TimeoutError) or smtp_timed_out(exc):
        return False, f"The mail server did not answer within {settings.EMAIL_TIMEOUT} seconds."
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return False, "The mail server closed the connection."
    if isinstance(exc, ConnectionRefusedError):
        return False, "Could not connect to the mail server: the connection was refused."
    if isinstance(exc, smtplib.SMTPException):
        return False, f"Sending failed: {exc}."
    if isinstance(exc, OSError):
        return False, f"Could not reach the mail server ({exc.strerror or exc})."
    if isinstance(exc, NoRecipientError):
        return True, str(exc)
    # A message Django cannot serialise (e.g. a header with a line break) never will be.
    return True, f"The message could not be sent ({type(exc).__name__}: {exc})."


def failure_concerns_one_message(exc: Exception) -> bool:
    """The failure is this message's (its recipient or its data): the rest of the chunk goes on.

    Anything else (refused, timed out, dropped, 421 "closing") stops the chunk:
    the rows not tried yet wait for a retry together with the failed one.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused | NoRecipientError | TransportError):
        # A transport's rows each go to their own receiver: one down does not stop the others.
        return True
    return isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code != 421
