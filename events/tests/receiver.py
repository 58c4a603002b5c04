"""A webhook receiver on localhost for the tests: http.server in a thread, counting deliveries by event id.

It checks each delivery's ``Candor-Signature`` with the secret it is given and records
what it got; its behaviour can be set per request: answer a status (``answer``), answer
a status for the next n requests (``answer_next``), read the body then close without an
answer (``drop_after_body``), or hold the answer (``hold_seconds``).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from events.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, verify


class WebhookReceiver:
    def __init__(self, secret: str = ""):
        self.secret = secret
        self.lock = threading.Lock()
        self.requests: list[dict] = []  # every request that arrived whole
        self.status = 200
        self._next: list[int] = []
        self._drops = 0
        self.hold_seconds = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k: v for k, v in self.headers.items()}
                with receiver.lock:
                    valid = bool(receiver.secret) and verify(
                        receiver.secret, headers.get(SIGNATURE_HEADER, ""), body
                    )
                    receiver.requests.append(
                        {"headers": headers, "body": body, "valid": valid, "path": self.path}
                    )
                    drop = receiver._drops > 0
                    if drop:
                        receiver._drops -= 1
                    status = receiver._next.pop(0) if receiver._next else receiver.status
                    hold = receiver.hold_seconds
                if drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                if hold:
                    time.sleep(hold)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # a client that gave up: expected here
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- behaviour ---------------------------------------------------------
    def answer(self, status: int) -> None:
        self.status = status

    def answer_next(self, *statuses: int) -> None:
        with self.lock:
            self._next.extend(statuses)

    def drop_after_body(self, n: int = 1) -> None:
        with self.lock:
            self._drops += n

    # -- what arrived --------------------------------------------------------
    def by_event_id(self, *, status_ok_only: bool = False) -> Counter:
        with self.lock:
            return Counter(r["headers"].get(EVENT_ID_HEADER) for r in self.requests)

    def bodies(self) -> list[dict]:
        with self.lock:
            return [json.loads(r["body"]) for r in self.requests]

    def all_valid(self) -> bool:
        with self.lock:
            return all(r["valid"] for r in self.requests)

    def count(self) -> int:
        with self.lock:
            return len(self.requests)
