"""The SMTP sink of the sending bench, in a process of its own.

It is the aiosmtpd sink of the tests (core.testing.smtp.SMTPSink); running it in
its own process keeps it off the GIL of the bench process, which runs the bare
smtplib baseline loop. The parent talks to it over stdin/stdout, one line each:
``count`` answers ``{"distinct": n, "raw": m, "duplicates": d}``, ``reset``
forgets everything, ``quit`` stops.

    python -m core.bench.sink PORT
"""

import json
import subprocess
import sys
import time


def serve(port: int) -> None:
    from core.testing.smtp import SMTPSink

    sink = SMTPSink(port=port).start()
    print(json.dumps({"ready": True, "port": sink.port}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "count":
            with sink.lock:
                answer = {
                    "distinct": len(sink.by_message_id),
                    "raw": len(sink.messages),
                    "duplicates": sum(1 for n in sink.by_message_id.values() if n > 1),
                }
        elif command == "reset":
            with sink.lock:
                sink.messages.clear()
                sink.envelopes.clear()
                sink.by_message_id.clear()
            answer = {"ok": True}
        elif command == "quit":
            break
        else:
            answer = {"error": command}
        print(json.dumps(answer), flush=True)
    sink.stop()


class SinkProcess:
    """Start the sink in a child process and ask it for counts."""

    def __init__(self, port: int):
        self.port = port
        self.process = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "core.bench.sink", str(port)],
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

    def wait_for(self, n: int, *, idle_timeout: float, poll: float = 0.05) -> dict:
        """Wait until n distinct messages arrived, or nothing arrived for ``idle_timeout`` s."""
        last_change = time.monotonic()
        last = None
        while True:
            counts = self.count()
            if counts["distinct"] >= n:
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
