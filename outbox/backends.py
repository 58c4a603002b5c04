"""A Django email backend that keeps one SMTP session per process and thread open across sends.

Django's SMTP backend opens a session for every ``send_messages`` call that did
not open one itself, and closes it afterwards: a TCP handshake, EHLO (and
STARTTLS and AUTH) per message. A worker sends many messages one after another,
so ``PersistentSMTPBackend`` keeps the session in a thread-local and lends it to
every backend instance of the thread (``get_connection()`` makes a new instance
per call). A kept session is replaced when:

- it was opened by another process (inherited across ``fork()``): the child
  forgets it and never touches the parent's socket;
- it was opened with other settings (host, port, user, TLS/SSL, timeout, certificates);
- it has been idle for ``SMTP_IDLE_SECONDS`` or more: servers drop idle clients.

A message whose dialogue fails *before* the end of DATA was written cannot have
been accepted: on a kept session that the server had dropped meanwhile
(``SMTPServerDisconnected``, not a read timeout) it gets one fresh session and
one more try. Once the end of DATA is written, the message is *handed over*: if
the answer then never comes (the connection drops, the read times out, or the
send's overall deadline aborts it), the server may have accepted it, so it is
never tried again here; ``OutcomeUnknownError`` is raised and the engine marks
the row *unknown*. Any other failure closes the session and is raised (or, with
``fail_silently``, swallowed as Django's backend does).

``session_abort(thread_id)`` shuts down the socket of another thread's session:
the engine's lease keeper calls it when a send outlives its deadline
(``CANDOR_SEND_DEADLINE_SECONDS``), because ``EMAIL_TIMEOUT`` bounds each read,
not a server that trickles its answer byte by byte.

``close()`` lets go of the session without ending it, so ``with get_connection():``
blocks keep it too; ``smtp_session_close()`` ends this thread's session
(tests, worker shutdown).

Settings: ``EMAIL_BACKEND = "outbox.backends.PersistentSMTPBackend"``;
config/settings/base.py sets it for every ``smtp://`` ``EMAIL_URL``.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import threading
import time
from dataclasses import dataclass

from django.core.mail.backends.smtp import EmailBackend

from outbox import handover
from outbox.errors import OutcomeUnknownError, explain_failure, smtp_timed_out

logger = logging.getLogger(__name__)

# A session idle longer than this is closed rather than reused: servers drop
# idle clients, and a fresh session costs little.
SMTP_IDLE_SECONDS = 30


@dataclass
class _Session:
    connection: smtplib.SMTP
    key: tuple
    pid: int
    last_used: float

    def fits(self, key: tuple) -> bool:
        return (
            self.pid == os.getpid()
            and self.key == key
            and time.monotonic() - self.last_used < SMTP_IDLE_SECONDS
        )


_local = threading.local()
# The same sessions by thread id, so that another thread (the lease keeper) can abort one.
_by_thread: dict[int, _Session] = {}


class _HandOverTracking:
    """Knows whether the end of DATA was written: after it, the server may have the message.

    ``smtplib.SMTP.data`` sends the DATA command, then the whole payload (ending in
    CRLF.CRLF) in one ``send``, then reads the answer. ``handed_over`` is set once
    that payload has been written; ``aborted`` once ``session_abort`` cut the session.
    """

    handed_over = False
    aborted = ""
    _in_data = False

    def data(self, msg):
        self._in_data = True
        try:
            return super().data(msg)
        finally:
            self._in_data = False

    def send(self, s):
        ending = self._in_data and isinstance(s, bytes | bytearray) and s.endswith(b"\r\n.\r\n")
        if ending:
            handover.enter()  # one process of this worker at a time from here until the row is marked
        super().send(s)
        if ending:
            self.handed_over = True


class TrackingSMTP(_HandOverTracking, smtplib.SMTP):
    pass


class TrackingSMTPSSL(_HandOverTracking, smtplib.SMTP_SSL):
    pass


def session_abort(thread_id: int, reason: str) -> bool:
    """Cut the SMTP session of thread ``thread_id`` (in this process) now: its blocked read fails.

    ``reason`` is what HR reads about it. Returns False if that thread has no session.
    Safe to call from any thread: it only shuts the socket down.
    """
    session = _by_thread.get(thread_id)
    if session is None or session.pid != os.getpid():
        return False
    connection = session.connection
    connection.aborted = reason
    sock = getattr(connection, "sock", None)
    if sock is None:
        return False
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        return False
    return True


def smtp_session_close() -> None:
    """End this thread's kept SMTP session (QUIT, then the socket), if this process opened it.

    A session inherited from a parent process is forgotten, not closed: its
    socket is the parent's. Never raises: a broken session is thrown away anyway.
    """
    session = getattr(_local, "session", None)
    _local.session = None
    _by_thread.pop(threading.get_ident(), None)
    if session is None or session.pid != os.getpid():
        return
    try:
        session.connection.quit()
    except Exception:
        logger.debug("closing a broken SMTP session failed", exc_info=True)
        try:
            session.connection.close()
        except Exception:  # nothing more can be done with it
            logger.debug("closing the socket of a broken SMTP session failed", exc_info=True)


class PersistentSMTPBackend(EmailBackend):
    """Django's SMTP backend, with this process's (and thread's) session kept open across calls."""

    @property
    def connection_class(self):
        return TrackingSMTPSSL if self.use_ssl else TrackingSMTP

    def _session_key(self) -> tuple:
        return (
            self.host,
            self.port,
            self.username,
            self.use_tls,
            self.use_ssl,
            self.timeout,
            self.ssl_keyfile,
            self.ssl_certfile,
        )

    def open(self) -> bool | None:
        """Make sure this thread has an open session, and use it.

        Returns False when the kept session was reused, True when a new one was
        opened (and is now kept), None when opening failed silently
        (``fail_silently``). Raises what ``smtplib`` raises otherwise.
        """
        key = self._session_key()
        session = getattr(_local, "session", None)
        if session is not None and session.fits(key):
            self.connection = session.connection
            return False
        self.connection = None
        smtp_session_close()
        opened = super().open()
        if self.connection is not None:
            _local.session = _Session(self.connection, key, os.getpid(), time.monotonic())
            _by_thread[threading.get_ident()] = _local.session
        return opened

    def close(self) -> None:
        """Let go of the session without ending it: the thread's next send reuses it.

        A half-opened connection left by a failed ``open()`` is closed.
        ``smtp_session_close()`` ends the kept session.
        """
        self.connection = None
        super().close()

    def _drop_session(self) -> None:
        self.connection = None
        smtp_session_close()

    def send_messages(self, email_messages) -> int:
        """Send the messages over the kept session. Returns how many were sent.

        Each message is sent as ``outbox.sending`` has always sent one: on the
        kept session if it fits, else on a new one; if the server had dropped the
        kept session, once more on a fresh one.
        """
        if not email_messages:
            return 0
        sent = 0
        with self._lock:
            for message in email_messages:
                if self._send_keeping_session(message):
                    sent += 1
        return sent

    def _send_keeping_session(self, message) -> bool:
        if not message.recipients():
            return False
        reused = self.open() is False
        if not self.connection:
            return False  # opening failed silently
        try:
            sent = self._send_once(message)
        except smtplib.SMTPServerDisconnected as exc:
            self._drop_session()
            if not reused or smtp_timed_out(exc):
                raise
            # The server dropped a session we kept open, before it had the message:
            # one fresh session, one more try.
            self.open()
            if not self.connection:
                return False
            try:
                sent = self._send_once(message)
            except BaseException:
                self._drop_session()
                raise
        except BaseException:
            self._drop_session()
            raise
        if not sent:
            # Only with fail_silently (Django's _send swallowed an SMTP error): we
            # cannot tell whether the session survived, so the next message opens a new one.
            self._drop_session()
            return False
        session = getattr(_local, "session", None)
        if session is not None and session.connection is self.connection:
            session.last_used = time.monotonic()
        return True

    def _send_once(self, message) -> bool:
        """One try of ``message`` on the current session.

        Raises ``OutcomeUnknownError`` (and drops the session) when the dialogue broke
        after the message was handed over: the server may have it, so nothing here
        tries it again. Other errors are raised as they are.
        """
        connection = self.connection
        connection.handed_over = False
        connection.aborted = ""
        try:
            return self._send(message)
        except smtplib.SMTPResponseException:
            raise  # the server answered (e.g. 451 or 554 after DATA): a definite outcome
        except (OSError, smtplib.SMTPException) as exc:
            if not getattr(connection, "handed_over", False):
                raise
            self._drop_session()
            reason = connection.aborted or explain_failure(exc)[1]
            raise OutcomeUnknownError(
                "The connection broke after the message was handed over, "
                f"before the server answered: {reason}"
            ) from exc
