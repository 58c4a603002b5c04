"""Writes of the api app: API tokens (create, revoke, touch) and the audit row of an API write.

Only an Admin (``core.roles.is_admin``) creates and revokes tokens. A token's key is returned
once by ``token_create`` and never stored: the row keeps its SHA-256 and a lookup prefix.
"""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from api.models import ApiToken
from core import roles
from core.audit import audit_record

KEY_START = "cnd_"


def key_hash(key: str) -> str:
    """The SHA-256 (hex) of a token key, as stored in ``ApiToken.key_hash``."""
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> tuple[str, str]:
    """(prefix, key): ``cnd_<prefix>_<secret>``; prefix 12 hex characters, secret 256 bits."""
    prefix = secrets.token_hex(6)
    return prefix, f"{KEY_START}{prefix}_{secrets.token_urlsafe(32)}"


def acting_user_problem(user) -> str:
    """Why ``user`` cannot be a token's acting user, or "": an active staff member (a hiring role)."""
    if user is None or not user.is_active:
        return "Choose an active staff member for the token to act as."
    if not roles.is_staff_member(user):
        return "The token must act as someone with a hiring role (Interviewer, Hiring manager or HR)."
    return ""


@transaction.atomic
def token_create(
    *, by, name: str, scope: str, acting_user, all_jobs: bool = True, jobs=()
) -> tuple[ApiToken, str]:
    """Make an API token; returns (token, key). The key is shown once and never stored.

    ``scope``: ``read`` or ``write``; ``jobs``: Job objects the token is limited to when
    ``all_jobs`` is false (at least one). Raises PermissionDenied unless ``by`` is an Admin,
    ValidationError (keyed by field) for a bad value. Audits ``api_token.create``.
    """
    if not roles.is_admin(by):
        raise PermissionDenied("Only an Admin can create API tokens.")
    name = (name or "").strip()
    errors = {}
    problem = acting_user_problem(acting_user)
    if problem:
        errors["acting_user"] = problem
    jobs = list(jobs)
    if not all_jobs and not jobs:
        errors["jobs"] = "Choose the jobs this token may see, or allow all jobs."
    if errors:
        raise ValidationError(errors)
    prefix, key = _new_key()
    token = ApiToken(
        name=name,
        prefix=prefix,
        key_hash=key_hash(key),
        scope=scope,
        all_jobs=all_jobs,
        acting_user=acting_user,
        created_by=by,
    )
    token.full_clean()
    token.save()
    if not all_jobs:
        token.jobs.set(jobs)
    audit_record(
        actor=by,
        verb="api_token.create",
        target=token,
        data={"name": token.name, "scope": scope, "jobs": "all" if all_jobs else sorted(j.pk for j in jobs)},
    )
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, by) -> ApiToken:
    """Revoke a token at once (its next call answers 401). Revoking twice changes nothing.

    Raises PermissionDenied unless ``by`` is an Admin. Audits ``api_token.revoke``.
    """
    if not roles.is_admin(by):
        raise PermissionDenied("Only an Admin can revoke API tokens.")
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    if changed:
        audit_record(actor=by, verb="api_token.revoke", target=token, data={"name": token.name})
    return token


def token_for_key(key: str) -> ApiToken | None:
    """The active token whose key this is, or None (unknown, malformed or revoked).

    Looked up by its prefix, then compared by hash in constant time.
    """
    if not key.startswith(KEY_START) or key.count("_") < 2:
        return None
    prefix = key[len(KEY_START) :].split("_", 1)[0]
    token = (
        ApiToken.objects.select_related("acting_user").filter(prefix=prefix, revoked_at__isnull=True).first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, key_hash(key)):
        return None
    return token


def token_touch(token: ApiToken, *, now: dt.datetime | None = None) -> None:
    """Record that ``token`` was used: at most one UPDATE per ``CANDOR_API_TOKEN_TOUCH_SECONDS``."""
    now = now or timezone.now()
    every = dt.timedelta(seconds=settings.CANDOR_API_TOKEN_TOUCH_SECONDS)
    if token.last_used_at is not None and now - token.last_used_at < every:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def api_write_audit(*, request, verb: str, target) -> None:
    """The audit row of one API write: ``api.<verb>`` on ``target`` by the acting user, with the
    token's name (``data.token``), or ``data.via = "session"`` for a signed-in user.

    The service called by the view has written its own audit row too; this one says it came
    through the API and with which token.
    """
    token = request.auth if isinstance(request.auth, ApiToken) else None
    data = {"token": token.name, "token_id": token.pk} if token else {"via": "session"}
    audit_record(actor=request.user, verb=f"api.{verb}", target=target, data=data)
