"""What differs between Greenhouse, Lever and Ashby: how a webhook is signed, which id makes an
event unique, what a rejection looks like in it, and the few API calls Candor makes.

Sources (docs/integrations.md links them): Greenhouse web hooks (``Signature: sha256 <hex>``,
HMAC-SHA256 of the whole body under the web hook's secret key; ``Greenhouse-Event-ID`` header)
and Harvest API (``GET /v1/applications/{id}/scorecards``, ``POST
/v1/candidates/{id}/activity_feed/notes`` with ``On-Behalf-Of``; HTTP Basic, the key as user
name); Lever webhooks (``token``, ``triggeredAt`` and ``signature`` in the body; the signature is
the hex HMAC-SHA256 of ``token + triggeredAt`` under the webhook's signature token) and Lever API
(``GET /v1/opportunities/{id}``, ``/feedback``, ``POST /notes?perform_as=``); Ashby webhooks
(``Ashby-Signature: sha256=<hex>``, HMAC-SHA256 of the raw body under the secret token; body
``{"action": ..., "data": ...}``) and Ashby API (``POST /applicationFeedback.list``,
``/candidate.createNote``; HTTP Basic, the key as user name).

Nothing here touches the database; ``integrations.services`` does.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import quote

from integrations.models import Vendor

HTTP_TIMEOUT = 10  # seconds per vendor API call; a failure is retried by HR, not in a loop
MAX_RESPONSE_BYTES = 5_000_000


class SignatureRefused(Exception):
    """The webhook's signature is missing or wrong. ``reason`` is safe to log (no body, no names)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class NotJsonObject(SignatureRefused):
    """A delivery whose signature is right but whose body is not a JSON object (Greenhouse,
    Ashby): a malformed event, not a forged one. (For Lever the signature sits in the JSON, so a
    body that is not JSON cannot be checked and is refused as unsigned.)"""


class VendorApiError(Exception):
    """A vendor API call failed (network, timeout, HTTP error, unreadable answer)."""


# --- Signatures and event ids -------------------------------------------------------------------


def _hex_hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.lower().encode(), (given or "").strip().lower().encode())


def verify_signature(vendor: str, *, secret: str, body: bytes, headers) -> dict:
    """Check the delivery's signature as the vendor documents it; return the parsed JSON body.

    ``headers``: a case-insensitive mapping (``request.headers``). Raises SignatureRefused (no
    secret configured, missing or wrong signature, or a body that is not a JSON object: Lever's
    signature is inside it). A body that fails its signature is never parsed further.
    """
    if not secret:
        raise SignatureRefused("no webhook secret configured")
    if vendor == Vendor.GREENHOUSE:
        value = headers.get("Signature", "")
        algorithm, _, digest = value.strip().partition(" ")
        if algorithm.lower() != "sha256" or not digest:
            raise SignatureRefused("missing Signature header")
        if not _same(_hex_hmac(secret, body), digest):
            raise SignatureRefused("signature mismatch")
    elif vendor == Vendor.ASHBY:
        value = headers.get("Ashby-Signature", "")
        algorithm, _, digest = value.strip().partition("=")
        if algorithm.lower() != "sha256" or not digest:
            raise SignatureRefused("missing Ashby-Signature header")
        if not _same(_hex_hmac(secret, body), digest):
            raise SignatureRefused("signature mismatch")
    data = _json_object(body)
    if data is None:
        if vendor == Vendor.LEVER:
            raise SignatureRefused("body is not a JSON object")
        raise NotJsonObject("body is not a JSON object")
    if vendor == Vendor.LEVER:
        token, triggered_at, signature = data.get("token"), data.get("triggeredAt"), data.get("signature")
        if not isinstance(token, str) or triggered_at in (None, "") or not isinstance(signature, str):
            raise SignatureRefused("missing token, triggeredAt or signature")
        if not _same(_hex_hmac(secret, f"{token}{triggered_at}".encode()), signature):
            raise SignatureRefused("signature mismatch")
        # Lever's signature covers token and time only, not the body: a captured delivery must
        # not be usable later (and its token is the event id: event_identity).
        if not _lever_fresh(triggered_at):
            raise SignatureRefused("triggeredAt is too old or in the future")
    return data


LEVER_MAX_AGE_SECONDS = 3 * 24 * 3600  # Lever retries failed deliveries for up to a few days
LEVER_MAX_AHEAD_SECONDS = 15 * 60  # clock difference allowed the other way


def _lever_fresh(triggered_at) -> bool:
    """Whether Lever's ``triggeredAt`` (milliseconds since the epoch) is recent enough to accept:
    at most ``LEVER_MAX_AGE_SECONDS`` old and ``LEVER_MAX_AHEAD_SECONDS`` ahead of this clock."""
    try:
        sent = float(triggered_at) / 1000.0
    except (TypeError, ValueError):
        return False
    age = time.time() - sent
    return -LEVER_MAX_AHEAD_SECONDS <= age <= LEVER_MAX_AGE_SECONDS


def _seg(value) -> str:
    """An ATS id as one URL path segment: percent-encoded, so "../users" cannot leave the path."""
    return quote(str(value), safe="")


def _json_object(body: bytes):
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def event_identity(vendor: str, *, data: dict, body: bytes, headers) -> tuple[str, str]:
    """(event id, event type) of a verified delivery.

    Greenhouse: the ``Greenhouse-Event-ID`` header and ``action``. Lever: the signed ``token`` +
    ``triggeredAt`` (not the body's ``id``, which the signature does not cover) and ``event``.
    Ashby: ``webhookActionId`` if present, else the SHA-256 of the body (a redelivery is
    byte-for-byte the same), and ``action``. Ids are cut to 200 characters.
    """
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    if vendor == Vendor.GREENHOUSE:
        event_id = headers.get("Greenhouse-Event-ID", "") or digest
        event_type = str(data.get("action", ""))
    elif vendor == Vendor.LEVER:
        # The signed token, never the body's "id": the signature does not cover the body, so an
        # id chosen by whoever replays a captured delivery would get round the replay check.
        event_id = f"{data.get('token')}:{data.get('triggeredAt')}"
        event_type = str(data.get("event", ""))
    else:
        inner = data.get("data") if isinstance(data.get("data"), dict) else {}
        event_id = str(data.get("webhookActionId") or inner.get("webhookActionId") or digest)
        event_type = str(data.get("action", ""))
    return event_id[:200], event_type[:100]


def is_ping(vendor: str, data: dict) -> bool:
    """Greenhouse pings a new web hook (``action`` ``ping``), Ashby too (``action`` ``ping``)."""
    return str(data.get("action", "")).lower() == "ping"


def without_candidate_details(vendor: str, data: dict) -> dict:
    """``data`` with the candidate's details (name, emails, phones, addresses, attachments...)
    replaced by their ATS id: what the inbox keeps once an event is processed. Lever events carry
    ids only and are returned as they are."""
    import copy

    data = copy.deepcopy(data)
    if vendor == Vendor.GREENHOUSE:
        holder = _dig(data, "payload", "application")
    elif vendor == Vendor.ASHBY:
        holder = _dig(data, "data", "application")
    else:
        return data
    if isinstance(holder, dict) and isinstance(holder.get("candidate"), dict):
        holder["candidate"] = {"id": holder["candidate"].get("id"), "details": "removed once processed"}
    return data


# --- What an event says -------------------------------------------------------------------------


@dataclass
class Rejection:
    """A rejection as the ATS reported it, in the vendor's ids. Names and email are personal data:
    they go to the candidate record only, never to logs or the event's error text."""

    application_id: str
    candidate_id: str = ""
    candidate_name: str = ""
    candidate_email: str = ""
    job_id: str = ""
    job_name: str = ""
    stage_id: str = ""
    stage_name: str = ""
    # Greenhouse: the ids of the stage's interviews (a scorecard names its interview).
    stage_interview_ids: set = field(default_factory=set)
    # Lever: when the opportunity entered the stage (feedback before it belongs to earlier stages).
    stage_entered_at: dt.datetime | None = None


@dataclass
class AtsScorecard:
    external_id: str
    user_id: str
    user_name: str
    recommendation: str  # a Candor Scorecard.Recommendation value, or "" (none given)
    ratings: list  # [(attribute name, score 1-4 or None, evidence)]
    summary: str = ""
    submitted_at: dt.datetime | None = None
    at_stage: bool = True  # about the stage the candidate was rejected at


def _s(value) -> str:
    return "" if value is None else str(value).strip()


def _dig(data, *path):
    for key in path:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and len(data) > key:
            data = data[key]
        else:
            return None
    return data


def _when(value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, int | float):  # Lever: milliseconds since the epoch
            return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def rejection_in(vendor: str, data: dict) -> tuple[Rejection | None, str]:
    """(the rejection an event reports, or None and why it is not one) for a verified event.

    Greenhouse ``reject_candidate``, and ``application_updated`` with status ``rejected``; Lever
    ``candidateArchiveChange`` to archived (the rest comes from the API: ``lever_rejection``);
    Ashby ``applicationUpdate`` with status ``Archived``. Everything else (Lever
    ``candidateStageChange`` included) is acknowledged and kept, with nothing to do.
    """
    if vendor == Vendor.GREENHOUSE:
        action = data.get("action")
        application = _dig(data, "payload", "application") or {}
        if action not in ("reject_candidate", "application_updated"):
            return None, f"Candor acts on rejections only (this is “{_s(action)[:60]}”)."
        if application.get("status") != "rejected":
            return None, "The application is not rejected: nothing to do."
        if not application.get("jobs"):
            return None, "A prospect rejected with no job: there is no interview to give feedback on."
        candidate = application.get("candidate") or {}
        name = " ".join(p for p in (_s(candidate.get("first_name")), _s(candidate.get("last_name"))) if p)
        stage = application.get("current_stage") or {}
        return (
            Rejection(
                application_id=_s(application.get("id")),
                candidate_id=_s(candidate.get("id")),
                candidate_name=name,
                candidate_email=_s(_dig(candidate, "email_addresses", 0, "value")),
                job_id=_s(_dig(application, "jobs", 0, "id")),
                job_name=_s(_dig(application, "jobs", 0, "name")),
                stage_id=_s(stage.get("id")),
                stage_name=_s(stage.get("name")),
                stage_interview_ids={
                    _s(i.get("id")) for i in stage.get("interviews") or [] if isinstance(i, dict)
                },
            ),
            "",
        )
    if vendor == Vendor.LEVER:
        event = data.get("event")
        if event != "candidateArchiveChange":
            return None, f"Candor acts on archived opportunities only (this is “{_s(event)[:60]}”)."
        if not _dig(data, "data", "toArchived", "archivedAt"):
            return None, "The opportunity was unarchived: nothing to do."
        opportunity = _s(_dig(data, "data", "opportunityId"))
        return Rejection(application_id=opportunity, candidate_id=_s(_dig(data, "data", "candidateId"))), ""
    action = data.get("action")
    application = _dig(data, "data", "application") or {}
    if action != "applicationUpdate":
        return None, f"Candor acts on archived applications only (this is “{_s(action)[:60]}”)."
    if application.get("status") != "Archived":
        return None, "The application is not archived: nothing to do."
    candidate = application.get("candidate") or {}
    return (
        Rejection(
            application_id=_s(application.get("id")),
            candidate_id=_s(candidate.get("id")),
            candidate_name=_s(candidate.get("name")),
            candidate_email=_s(_dig(candidate, "primaryEmailAddress", "value")),
            job_id=_s(_dig(application, "job", "id")),
            job_name=_s(_dig(application, "job", "title")),
            stage_id=_s(_dig(application, "currentInterviewStage", "id")),
            stage_name=_s(_dig(application, "currentInterviewStage", "title")),
        ),
        "",
    )


# --- The vendors' APIs --------------------------------------------------------------------------


class Client:
    """A small JSON client for one connection's API (``connection.base_url``, ``api_key``)."""

    def __init__(self, connection):
        self.connection = connection
        self.vendor = connection.vendor

    def _request(self, method: str, path: str, *, body=None, headers=None):
        if not self.connection.api_key:
            raise VendorApiError("no API key is configured")
        url = self.connection.base_url + path
        if not url.startswith(("https://", "http://")):
            raise VendorApiError("the API address must start with https://")
        auth = base64.b64encode(f"{self.connection.api_key}:".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
            url,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Authorization": f"Basic {auth}",
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": "Candor",
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310  # nosec B310
                raw = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            raise VendorApiError(
                f"{self.connection} answered HTTP {exc.code} to {method} {path.split('?')[0]}"
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise VendorApiError(f"{self.connection} could not be reached ({type(exc).__name__})") from None
        if len(raw) > MAX_RESPONSE_BYTES:
            raise VendorApiError(f"{self.connection} answered with more than 5 MB")
        try:
            return json.loads(raw.decode("utf-8")) if raw.strip() else None
        except (UnicodeDecodeError, ValueError):
            raise VendorApiError(f"{self.connection} answered with something that is not JSON") from None

    # -- Lever: an archive event carries ids only --------------------------------------------------
    def lever_rejection(self, rejection: Rejection) -> Rejection:
        """Fill a Lever rejection from ``GET /v1/opportunities/{id}?expand=stage&expand=applications``."""
        answer = self._request(
            "GET", f"/v1/opportunities/{_seg(rejection.application_id)}?expand=stage&expand=applications"
        )
        opp = _dig(answer, "data") or {}
        stage = opp.get("stage")
        stage_id = _s(stage.get("id") if isinstance(stage, dict) else stage)
        entered = [
            _when(change.get("updatedAt"))
            for change in opp.get("stageChanges") or []
            if isinstance(change, dict) and _s(change.get("toStageId")) == stage_id
        ]
        entered = [when for when in entered if when]
        application = _dig(opp, "applications", 0) or {}
        posting = application.get("posting") if isinstance(application, dict) else None
        rejection.candidate_name = _s(opp.get("name"))
        rejection.candidate_email = _s(_dig(opp, "emails", 0))
        rejection.candidate_id = rejection.candidate_id or _s(opp.get("contact"))
        rejection.stage_id = stage_id
        rejection.stage_name = _s(stage.get("text")) if isinstance(stage, dict) else ""
        rejection.job_id = _s(posting.get("id") if isinstance(posting, dict) else posting)
        rejection.job_name = _s(posting.get("text")) if isinstance(posting, dict) else ""
        rejection.stage_entered_at = max(entered) if entered else None
        return rejection

    # -- Scorecards ------------------------------------------------------------------------------
    def scorecards(self, rejection: Rejection) -> list[AtsScorecard]:
        """The application's submitted scorecards (Greenhouse), feedback forms (Lever, Ashby)."""
        if self.vendor == Vendor.GREENHOUSE:
            answer = self._request("GET", f"/v1/applications/{_seg(rejection.application_id)}/scorecards")
            return [_greenhouse_card(card, rejection) for card in answer or [] if isinstance(card, dict)]
        if self.vendor == Vendor.LEVER:
            answer = self._request("GET", f"/v1/opportunities/{_seg(rejection.application_id)}/feedback")
            return [
                _lever_card(card, rejection) for card in _dig(answer, "data") or [] if isinstance(card, dict)
            ]
        answer = self._request(
            "POST", "/applicationFeedback.list", body={"applicationId": rejection.application_id}
        )
        return [_ashby_card(card) for card in _dig(answer, "results") or [] if isinstance(card, dict)]

    # -- "Feedback sent" -------------------------------------------------------------------------
    def note_feedback_sent(self, *, application_id: str, candidate_id: str, text: str) -> None:
        """Write ``text`` on the candidate in the ATS as a note (private to the hiring team)."""
        if self.vendor == Vendor.GREENHOUSE:
            user = self.connection.notes_as_user_id
            if not user:
                raise VendorApiError("Greenhouse needs the id of the user notes are written as")
            self._request(
                "POST",
                f"/v1/candidates/{_seg(candidate_id)}/activity_feed/notes",
                body={"user_id": user, "body": text, "visibility": "admin_only"},
                headers={"On-Behalf-Of": user},
            )
        elif self.vendor == Vendor.LEVER:
            suffix = (
                f"?perform_as={self.connection.notes_as_user_id}" if self.connection.notes_as_user_id else ""
            )
            self._request(
                "POST", f"/v1/opportunities/{_seg(application_id)}/notes{suffix}", body={"value": text}
            )
        else:
            self._request("POST", "/candidate.createNote", body={"candidateId": candidate_id, "note": text})


GREENHOUSE_RATINGS = {"definitely_not": 1, "no": 2, "yes": 3, "strong_yes": 4}
RECOMMENDATIONS = {1: "strong_no", 2: "no", 3: "yes", 4: "strong_yes"}


def _greenhouse_card(card: dict, rejection: Rejection) -> AtsScorecard:
    user = card.get("interviewer") or card.get("submitted_by") or {}
    ratings = [
        (_s(a.get("name")), GREENHOUSE_RATINGS.get(_s(a.get("rating"))), _s(a.get("note")))
        for a in card.get("attributes") or []
        if isinstance(a, dict)
    ]
    answers = [
        f"{_s(q.get('question'))}: {_s(q.get('answer'))}"
        for q in card.get("questions") or []
        if isinstance(q, dict) and _s(q.get("answer"))
    ]
    score = GREENHOUSE_RATINGS.get(_s(card.get("overall_recommendation")))
    step = _s(_dig(card, "interview_step", "id"))
    return AtsScorecard(
        external_id=_s(card.get("id")),
        user_id=_s(user.get("id")),
        user_name=_s(user.get("name")),
        recommendation=RECOMMENDATIONS.get(score, ""),
        ratings=ratings,
        summary="\n".join(answers),
        submitted_at=_when(card.get("submitted_at")),
        at_stage=not rejection.stage_interview_ids or step in rejection.stage_interview_ids,
    )


def _score_of(value) -> int | None:
    """1-4 from a Lever or Ashby score: a number, {"score": n}, or words ("strong no hire")."""
    if isinstance(value, dict):
        value = value.get("score", value.get("value"))
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if 1 <= value <= 4 else None
    text = _s(value).lower()
    if text[:1] in "1234" and text[:1]:
        return int(text[0])
    if "strong" in text:
        return 1 if "no" in text else 4
    if text.startswith("no"):
        return 2
    if text.startswith(("yes", "hire")):
        return 3
    return None


def _lever_card(card: dict, rejection: Rejection) -> AtsScorecard:
    ratings, texts, overall = [], [], None
    for f in card.get("fields") or []:
        if not isinstance(f, dict):
            continue
        kind, name, value = _s(f.get("type")), _s(f.get("text")), f.get("value")
        if kind == "score-system":
            overall = _score_of(value)
        elif kind == "score":
            ratings.append((name, _score_of(value), ""))
        elif kind in ("text", "textarea") and _s(value):
            texts.append(f"{name}: {_s(value)}")
    completed = _when(card.get("completedAt"))
    at_stage = rejection.stage_entered_at is None or (
        completed is not None and completed >= rejection.stage_entered_at
    )
    user = card.get("user")
    return AtsScorecard(
        external_id=_s(card.get("id")),
        user_id=_s(user.get("id") if isinstance(user, dict) else user),
        user_name=_s(user.get("name")) if isinstance(user, dict) else "",
        recommendation=RECOMMENDATIONS.get(overall, ""),
        ratings=ratings,
        summary="\n".join(texts),
        submitted_at=completed,
        at_stage=at_stage and not card.get("deletedAt"),
    )


def _ashby_card(card: dict) -> AtsScorecard:
    values = card.get("submittedValues") or {}
    ratings, texts, overall = [], [], None
    for section in _dig(card, "formDefinition", "sections") or []:
        for entry in (section or {}).get("fields") or []:
            f = (entry or {}).get("field") or {}
            path, title, kind = _s(f.get("path")), _s(f.get("title")), _s(f.get("type"))
            value = values.get(path)
            if path == "overall_recommendation":
                overall = _score_of(value)
            elif kind == "Score":
                ratings.append((title, _score_of(value), ""))
            elif kind in ("RichText", "String", "LongText") and _s(value):
                texts.append(f"{title}: {_s(value)}")
    user = card.get("submittedByUser") or {}
    name = " ".join(p for p in (_s(user.get("firstName")), _s(user.get("lastName"))) if p)
    return AtsScorecard(
        external_id=_s(card.get("id")),
        user_id=_s(user.get("id")),
        user_name=name,
        recommendation=RECOMMENDATIONS.get(overall, ""),
        ratings=ratings,
        summary="\n".join(texts),
        submitted_at=_when(card.get("submittedAt")),
    )
