"""The one SMTP sink of tests and benchmarks: aiosmtpd in a thread that counts, and keeps, what arrives.

Counting is by Message-ID: Candor's promise is one *message* per letter, and an
SMTP-level resend of the same message (same Message-ID) is what a receiving
system deduplicates. ``raw_count`` still counts every accepted DATA.

Faults it can play, each switchable while clients are connected:

- ``fail_next(n, code=451)``: answer the next n messages with a 4xx (or any code);
- ``stall()`` / ``unstall()``: accept connections but never answer MAIL FROM, so
  clients time out (nothing is stored);
- ``stop()`` / ``start()``: no server on the port, so connections are refused;
- ``refuse_recipient(addr, code=550)``: reject one recipient at RCPT TO;
- ``fail_for(seconds, code=421)``: answer every message with a 4xx (or any code) for a stretch;
- ``drop_after_data(n)``: take (store) the next n messages, then close the connection
  without answering: the client cannot tell whether they arrived;
- ``hold_answer(seconds, n=None)``: take each message (the next n, or all until
  ``hold_answer(0)``), then wait that long before answering 250 (past the client's timeout);
- ``trickle(seconds, n=None)``: take each message, then answer 250 a byte at a time,
  spread over that long (every read gets a byte within any timeout).

The sending benchmark runs it with ``keep_messages=False`` in a process of its
own (``SinkProcess``, ``python -m tests.support.smtp PORT``): it then reads only
each message's headers and counts Message-IDs, so that parsing whole messages
does not become most of the baseline's cost, and it stays off the GIL of the
process that runs the bare smtplib baseline.
"""

from __future__ import annotations

import asyncio
import collections
import email
import email.parser
import email.policy
import json
import logging
import socket
import subprocess  # nosec
import sys
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
            code = None
            if sink._fail_remaining > 0:
                sink._fail_remaining -= 1
                code = sink._fail_code
            elif time.monotonic() < sink._fail_until:
                code = sink._fail_code
            if code is not None:
                sink.rejections.append((code, None))
                return f"{code} {'4.3.0' if code < 500 else '5.7.1'} Refused by the test sink"
            fault = sink._take_fault()
        data = envelope.original_content or envelope.content
        if not sink.keep_messages:
            head = data.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
            headers = _HEADER_PARSER.parsebytes(head, headersonly=True)
            sink._count(str(headers.get("Message-ID", "")).strip())
        else:
            message = email.message_from_bytes(data, policy=email.policy.default)
            sink._store(message, envelope)
        answer = "250 OK: queued"
        if fault is None:
            return answer
        name, seconds = fault
        with sink.lock:
            sink.faults_played.append(name)
        if name == "drop":
            # Taken, and never answered: the client's read fails at once.
            server.transport.abort()
            return answer
        if name == "hold":
            waited = 0.0
            while waited < seconds and not sink.stop_requested:
                await asyncio.sleep(0.05)
                waited += 0.05
            return answer
        # trickle: every byte but the final CRLF, one at a time over `seconds`; push() adds the CRLF.
        step = seconds / len(answer)
        for byte in answer.encode():
            if server.transport.is_closing() or sink.stop_requested:
                break
            server.transport.write(bytes([byte]))
            await asyncio.sleep(step)
        return ""


_HEADER_PARSER = email.parser.BytesParser(policy=email.policy.compat32)


class SMTPSink:
    """One SMTP server on 127.0.0.1:<port>; thread-safe counters and bounded waits."""

    def __init__(self, port: int | None = None, *, keep_messages: bool = True):
        self.host = "127.0.0.1"
        # False: count Message-IDs from the headers only, keep nothing (the benchmark).
        self.keep_messages = keep_messages
        self.raw = 0
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
        self._fail_until = 0.0  # monotonic: fail_for()
        # After DATA: ("drop" | "hold" | "trickle", seconds, how many left or None for all).
        self._fault: tuple[str, float, int | None] | None = None
        self.faults_played: list[str] = []
        self.stalled = False
        self.stall_hits = 0
        self.sessions = 0  # SMTP sessions opened (EHLO): shows connection reuse
        self.arrivals: list[float] = []  # time.monotonic() of each accepted message, in order
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

    def fail_for(self, seconds: float, code: int = 421) -> None:
        """Answer every message with ``code`` for ``seconds`` from now (nothing is stored)."""
        with self.lock:
            self._fail_code = code
            self._fail_until = time.monotonic() + seconds

    def drop_after_data(self, n: int = 1) -> None:
        """Store the next n messages, then close the connection without answering."""
        self._set_fault("drop", 0.0, n)

    def hold_answer(self, seconds: float, n: int | None = None) -> None:
        """Store each message (the next n; None: all), then wait ``seconds`` before answering.

        ``hold_answer(0)`` ends it."""
        self._set_fault("hold", seconds, n) if seconds > 0 else self._set_fault(None, 0, 0)

    def trickle(self, seconds: float, n: int | None = None) -> None:
        """Store each message (the next n; None: all), then answer 250 a byte at a time over ``seconds``."""
        self._set_fault("trickle", seconds, n) if seconds > 0 else self._set_fault(None, 0, 0)

    def _set_fault(self, name: str | None, seconds: float, n: int | None) -> None:
        with self.lock:
            self._fault = (name, seconds, n) if name and (n is None or n > 0) else None

    def _take_fault(self) -> tuple[str, float] | None:
        """The fault to play on this message (call with the lock held)."""
        if self._fault is None:
            return None
        name, seconds, left = self._fault
        if left is not None:
            left -= 1
            self._fault = (name, seconds, left) if left > 0 else None
        return name, seconds

    def stall(self) -> None:
        self.stalled = True

    def unstall(self) -> None:
        self.stalled = False

    def refuse_recipient(self, address: str, code: int = 550) -> None:
        self.refused_recipients[address.lower()] = code

    # -- what arrived ----------------------------------------------------
    def _count(self, message_id: str) -> None:
        with self._arrived:
            self.raw += 1
            self.arrivals.append(time.monotonic())
            self.by_message_id[message_id] += 1
            self._arrived.notify_all()

    def _store(self, message: EmailMessage, envelope) -> None:
        with self._arrived:
            self.raw += 1
            self.arrivals.append(time.monotonic())
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.by_message_id[str(message.get("Message-ID", "")).strip()] += 1
            self._arrived.notify_all()

    @property
    def raw_count(self) -> int:
        with self.lock:
            return self.raw

    def counts(self) -> dict:
        """``{"distinct": n, "raw": m, "duplicates": d}``: Message-IDs, accepted DATA, IDs seen twice+."""
        with self.lock:
            return {
                "distinct": len(self.by_message_id),
                "raw": self.raw,
                "duplicates": sum(1 for n in self.by_message_id.values() if n > 1),
            }

    def reset(self) -> None:
        """Forget everything that arrived."""
        with self.lock:
            self.messages.clear()
            self.envelopes.clear()
            self.by_message_id.clear()
            self.arrivals.clear()
            self.raw = 0

    @property
    def distinct_count(self) -> int:
        with self.lock:
            return len(self.by_message_id)

    def longest_gap(self, since: float) -> float:
        """The longest time (s) without a new message between ``since`` (monotonic) and the last arrival."""
        with self.lock:
            times = [since] + [t for t in self.arrivals if t >= since]
        return max((b - a for a, b in zip(times, times[1:], strict=False)), default=0.0)

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
                count = len(self.by_message_id) if distinct else self.raw
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


# -- the benchmark's sink, in a process of its own -----------------------------


def serve(port: int) -> None:
    """Run a counting sink on ``port`` and answer ``count``/``reset``/``quit`` lines on stdin with JSON."""
    handler = SMTPSink(port, keep_messages=False).start()
    print(json.dumps({"ready": True, "port": port}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "count":
            answer = handler.counts()
        elif command == "reset":
            handler.reset()
            answer = {"ok": True}
        elif command == "quit":
            break
        else:
            answer = {"error": command}
        print(json.dumps(answer), flush=True)
    handler.stop()


class SinkProcess:
    """Start the sink in a child process and ask it for counts."""

    def __init__(self, port: int):
        self.port = port
        self.process = subprocess.Popen(  # nosec
            [sys.executable, "-m", "tests.support.smtp", str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        ready = json.loads(self.process.stdout.readline())
        if not ready.get("ready"):  # pragma: no cover
            raise RuntimeError(f"SMTP sink did not start: {ready}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def _ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def count(self) -> dict:
        return self._ask("count")

    def reset(self) -> None:
        self._ask("reset")

    def wait_for(
        self, n: int, *, idle_timeout: float, time_limit: float | None = None, poll: float = 0.05
    ) -> dict:
        """Wait until n distinct messages arrived, nothing arrived for ``idle_timeout`` s, or
        ``time_limit`` s passed."""
        started = last_change = time.monotonic()
        last = None
        while True:
            counts = self.count()
            if counts["distinct"] >= n:
                return counts
            if time_limit is not None and time.monotonic() - started > time_limit:
                return counts
            if counts != last:
                last, last_change = counts, time.monotonic()
            elif time.monotonic() - last_change > idle_timeout:
                return counts
            time.sleep(poll)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.write("quit\n")
                self.process.stdin.flush()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
