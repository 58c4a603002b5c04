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

A kept session that the server has dropped meanwhile (``SMTPServerDisconnected``
on a session opened before this message, not a read timeout) gets one fresh
session and one more try of the message. Any other failure closes the session
and is raised (or, with ``fail_silently``, swallowed as Django's backend does).

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
import threading
import time
from dataclasses import dataclass

from django.core.mail.backends.smtp import EmailBackend

from outbox.errors import smtp_timed_out

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


def smtp_session_close() -> None:
    """End this thread's kept SMTP session (QUIT, then the socket), if this process opened it.

    A session inherited from a parent process is forgotten, not closed: its
    socket is the parent's. Never raises: a broken session is thrown away anyway.
    """
    session = getattr(_local, "session", None)
    _local.session = None
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
            sent = self._send(message)
        except smtplib.SMTPServerDisconnected as exc:
            self._drop_session()
            if not reused or smtp_timed_out(exc):
                raise
            # The server dropped a session we kept open: one fresh session, one more try.
            self.open()
            if not self.connection:
                return False
            try:
                sent = self._send(message)
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
