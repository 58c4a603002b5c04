"""A real SMTP server for tests (aiosmtpd in a thread) that keeps and counts what arrives.

Counting is by Message-ID: Candor's promise is one *message* per letter, and an
SMTP-level resend of the same message (same Message-ID) is what a receiving
system deduplicates. ``raw_count`` still counts every accepted DATA.

Faults it can play, each switchable while clients are connected:

- ``fail_next(n, code=451)``: answer the next n messages with a 4xx (or any code);
- ``stall()`` / ``unstall()``: accept connections but never answer MAIL FROM, so
  clients time out (nothing is stored);
- ``stop()`` / ``start()``: no server on the port, so connections are refused;
- ``refuse_recipient(addr, code=550)``: reject one recipient at RCPT TO.
"""

from __future__ import annotations

import asyncio
import collections
import email
import email.policy
import logging
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, sink: SMTPSink):
        self.sink = sink

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.sink.lock:
            self.sink.sessions += 1
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        sink = self.sink
        if sink.stalled:
            with sink.lock:
                sink.stall_hits += 1
            # Hold the client without an answer until its socket timeout fires;
            # by the time the stall ends it has given up, so nothing is stored.
            while sink.stalled and not sink.stop_requested:
                await asyncio.sleep(0.05)
            return "421 4.3.2 Service not available, closing channel"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.sink.refused_recipients.get(address.lower())
        if code:
            with self.sink.lock:
                self.sink.rejections.append((code, address))
            return f"{code} {'5.1.1' if code >= 500 else '4.2.1'} Recipient refused by the test sink"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        sink = self.sink
        with sink.lock:
            if sink._fail_remaining > 0:
                sink._fail_remaining -= 1
                sink.rejections.append((sink._fail_code, None))
                code = sink._fail_code
                return f"{code} {'4.3.0' if code < 500 else '5.7.1'} Refused by the test sink"
        message = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        sink._store(message, envelope)
        return "250 OK: queued"


class SMTPSink:
    """One SMTP server on 127.0.0.1:<port>; thread-safe counters and bounded waits."""

    def __init__(self, port: int | None = None):
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.lock = threading.Lock()
        self._arrived = threading.Condition(self.lock)
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.by_message_id: collections.Counter[str] = collections.Counter()
        self.rejections: list[tuple[int, str | None]] = []
        self.refused_recipients: dict[str, int] = {}
        self._fail_remaining = 0
        self._fail_code = 451
        self.stalled = False
        self.stall_hits = 0
        self.sessions = 0  # SMTP sessions opened (EHLO): shows connection reuse
        self.stop_requested = False
        self._controller: Controller | None = None

    # -- lifecycle -------------------------------------------------------
    def start(self) -> SMTPSink:
        if self._controller is None:
            self.stop_requested = False
            self._controller = Controller(
                _Handler(self), hostname=self.host, port=self.port, ready_timeout=10, enable_SMTPUTF8=True
            )
            self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening: new connections are refused (open ones are dropped)."""
        self.stop_requested = True
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    # -- faults ----------------------------------------------------------
    def fail_next(self, n: int, code: int = 451) -> None:
        with self.lock:
            self._fail_remaining = n
            self._fail_code = code

    def stall(self) -> None:
        self.stalled = True

    def unstall(self) -> None:
        self.stalled = False

    def refuse_recipient(self, address: str, code: int = 550) -> None:
        self.refused_recipients[address.lower()] = code

    # -- what arrived ----------------------------------------------------
    def _store(self, message: EmailMessage, envelope) -> None:
        with self._arrived:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.by_message_id[str(message.get("Message-ID", "")).strip()] += 1
            self._arrived.notify_all()

    @property
    def raw_count(self) -> int:
        with self.lock:
            return len(self.messages)

    @property
    def distinct_count(self) -> int:
        with self.lock:
            return len(self.by_message_id)

    def duplicates(self) -> dict[str, int]:
        """Message-IDs that arrived more than once, with their counts."""
        with self.lock:
            return {mid: n for mid, n in self.by_message_id.items() if n > 1}

    def messages_to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [
                msg
                for msg, (_, rcpts) in zip(self.messages, self.envelopes, strict=True)
                if address.lower() in (r.lower() for r in rcpts)
            ]

    def wait_for(self, n: int, *, timeout: float = 30.0, distinct: bool = True) -> bool:
        """Wait until n messages (distinct Message-IDs by default) arrived; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                count = len(self.by_message_id) if distinct else len(self.messages)
                if count >= n:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._arrived.wait(min(remaining, 0.5))

    def wait_for_rejections(self, n: int, *, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.rejections) >= n:
                    return True
            time.sleep(0.05)
        return False

    # -- configuration for clients -----------------------------------------
    @property
    def email_url(self) -> str:
        return f"smtp://{self.host}:{self.port}"
