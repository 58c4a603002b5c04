"""Test helpers: a local HTTP server that answers as the vendors' APIs with the recorded
responses in ``recorded/`` (built from the vendors' public docs), signed webhook bodies, and a
Candor world with a connection and its mappings. No network: everything is on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from hiring.tests.factories import (
    CriterionFactory,
    HiringManagerFactory,
    HRFactory,
    InterviewerFactory,
    JobFactory,
    StageFactory,
)
from integrations.models import AtsConnection, AtsMapping

RECORDED = Path(__file__).parent / "recorded"
SECRET = "whsec-test-0123456789abcdef"
API_KEY = "key-test-9876543210"

GREENHOUSE_APP = "265293"
LEVER_OPP = "f1e9b7c2-8c4e-4f4c-9d2b-0a1b2c3d4e5f"
ASHBY_APP = "3ae2b801-19f6-41ef-ad28-214bd731948f"

# (method, path) -> recorded file, per vendor; the query string is ignored.
ROUTES = {
    ("GET", f"/v1/applications/{GREENHOUSE_APP}/scorecards"): "greenhouse_scorecards.json",
    ("POST", "/v1/candidates/265788/activity_feed/notes"): "greenhouse_note.json",
    ("GET", f"/v1/opportunities/{LEVER_OPP}"): "lever_opportunity.json",
    ("GET", f"/v1/opportunities/{LEVER_OPP}/feedback"): "lever_feedback.json",
    ("POST", f"/v1/opportunities/{LEVER_OPP}/notes"): "lever_note.json",
    ("POST", "/applicationFeedback.list"): "ashby_feedback_list.json",
    ("POST", "/candidate.createNote"): "ashby_note.json",
}

# Per vendor: the webhook body, the ATS ids of job, stage and the decider, the candidate's email.
CASES = {
    "greenhouse": {
        "body": "greenhouse_reject_candidate.json",
        "job": "3485",
        "stage": "2944102",
        "decider": "92120",
        "email": "hector.porter.265788@example.com",
        "name": "Hector Porter",
        "note_path": "/v1/candidates/265788/activity_feed/notes",
    },
    "lever": {
        "body": "lever_candidate_archive_change.json",
        "job": "posting-backend-1",
        "stage": "stage-tech",
        "decider": "lever-user-alice",
        "email": "rosa.rossi@example.com",
        "name": "Rosa Rossi",
        "note_path": f"/v1/opportunities/{LEVER_OPP}/notes",
    },
    "ashby": {
        "body": "ashby_application_update.json",
        "job": "a5e6f7a8-job",
        "stage": "c41d8b0e-tech",
        "decider": "ashby-user-alice",
        "email": "lena.schmidt@example.com",
        "name": "Lena Schmidt",
        "note_path": "/candidate.createNote",
    },
}


def recorded(name: str):
    return json.loads((RECORDED / name).read_text())


class VendorServer:
    """Serves ROUTES from ``recorded/`` on a free localhost port; records every request.

    ``fail``: answer every request with this HTTP status instead (a vendor that is down)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.fail: int | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                server.requests.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                )
                name = ROUTES.get((self.command, path))
                status = server.fail or (200 if name else 404)
                payload = (
                    (RECORDED / name).read_bytes() if name and status == 200 else b'{"error": "not found"}'
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = _answer
            do_POST = _answer

            def log_message(self, *args):  # quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> VendorServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def calls(self, method: str, path: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == method and r["path"].split("?", 1)[0] == path]


LEVER_SENT_AT = int(time.time() * 1000)  # milliseconds, as Lever writes triggeredAt


def signed(
    vendor: str, data: dict | None = None, *, secret: str = SECRET, fresh_lever: bool = True
) -> tuple[bytes, dict]:
    """(body, extra client headers) of a webhook signed as the vendor signs it."""
    data = dict(data or recorded(CASES[vendor]["body"]))
    if vendor == "lever":
        if data is not None and "triggeredAt" in data and fresh_lever:
            # Sent this session (Lever's deliveries older than a few days are refused), the same
            # instant every time so that a delivery signed twice is the same delivery.
            data["triggeredAt"] = LEVER_SENT_AT
        message = f"{data['token']}{data['triggeredAt']}".encode()
        data["signature"] = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
        return json.dumps(data).encode(), {}
    body = json.dumps(data).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if vendor == "greenhouse":
        return body, {"HTTP_SIGNATURE": f"sha256 {digest}", "HTTP_GREENHOUSE_EVENT_ID": "gh-evt-1001"}
    return body, {"HTTP_ASHBY_SIGNATURE": f"sha256={digest}"}


def post_webhook(client, vendor: str, body: bytes, headers: dict):
    return client.generic(
        "POST", f"/integrations/webhooks/{vendor}/", body, content_type="application/json", **headers
    )


def ats_world(vendor: str, *, base_url: str, map_decider: bool = True):
    """HR, a job (three stages; the last with criteria Problem solving and Communication), a
    hiring manager, the decider (an interviewer), the vendor's connection and its mappings."""
    hr = HRFactory(username=f"hr_{vendor}")
    manager = HiringManagerFactory(username=f"manager_{vendor}")
    decider = InterviewerFactory(username=f"alice_{vendor}", first_name="Alice", last_name="Ito")
    job = JobFactory(title="Backend Engineer", hiring_manager=manager)
    stages = [
        StageFactory(job=job, name=name, position=i)
        for i, name in enumerate(("Resume review", "Phone screen", "Technical interview"))
    ]
    for stage in stages:
        CriterionFactory(stage=stage, name="Problem solving", position=0)
        CriterionFactory(stage=stage, name="Communication", position=1)
    connection = AtsConnection.objects.create(
        vendor=vendor,
        webhook_secret=SECRET,
        api_key=API_KEY,
        api_base_url=base_url,
        act_as=hr,
        notes_as_user_id="92120" if vendor == "greenhouse" else "",
    )
    case = CASES[vendor]
    AtsMapping.objects.create(connection=connection, kind="job", external_id=case["job"], job=job)
    AtsMapping.objects.create(
        connection=connection, kind="stage", external_id=case["stage"], stage=stages[-1]
    )
    if map_decider:
        AtsMapping.objects.create(
            connection=connection, kind="user", external_id=case["decider"], user=decider
        )
    return {
        "hr": hr,
        "manager": manager,
        "decider": decider,
        "job": job,
        "stage": stages[-1],
        "connection": connection,
        "case": case,
    }
