"""The SMTP sink of the sending bench, in a process of its own.

An aiosmtpd server that counts distinct Message-IDs; running it in its own
process keeps it off the GIL of the bench process, which runs the bare smtplib
baseline loop. The parent talks to it over stdin/stdout, one line each:
``count`` answers ``{"distinct": n, "raw": m, "duplicates": d}``, ``reset``
forgets everything, ``quit`` stops.

    python -m devtools.bench.sink PORT
"""

import collections
import email.parser
import email.policy
import json
import logging
import subprocess
import sys
import threading
import time


class CountingHandler:
    """Accepts every message and counts it by Message-ID, reading the headers only.

    The tests' sink (tests.support.smtp.SMTPSink) parses and keeps every whole
    message; here that parsing would be most of the baseline's cost and make any
    sender look as fast as any other.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.by_message_id: collections.Counter[str] = collections.Counter()
        self.raw = 0

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        headers = _HEADER_PARSER.parsebytes(data.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n", headersonly=True)
        with self.lock:
            self.raw += 1
            self.by_message_id[str(headers.get("Message-ID", "")).strip()] += 1
        return "250 OK: queued"

    def counts(self) -> dict:
        with self.lock:
            return {
                "distinct": len(self.by_message_id),
                "raw": self.raw,
                "duplicates": sum(1 for n in self.by_message_id.values() if n > 1),
            }

    def reset(self) -> None:
        with self.lock:
            self.by_message_id.clear()
            self.raw = 0


_HEADER_PARSER = email.parser.BytesParser(policy=email.policy.compat32)


def serve(port: int) -> None:
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
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
    controller.stop()


class SinkProcess:
    """Start the sink in a child process and ask it for counts."""

    def __init__(self, port: int):
        self.port = port
        self.process = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "devtools.bench.sink", str(port)],
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
