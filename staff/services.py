"""Every change to staff accounts, roles, sessions and SCIM tokens; each one audited.

Callers: the People pages (an Admin, ``by=<user>``), SCIM provisioning (``by=None`` and
``token=<ScimToken>``: the audit row names the token), the session middleware.

Rules:
- Users are never deleted: they are deactivated (``is_active=False``), so their decisions,
  feedback points and scorecards keep showing their name (hiring's foreign keys to users are
  PROTECT or SET_NULL; nothing cascades).
- Deactivating a user, "sign out everywhere" and a forced sign-out raise the user's session
  epoch: every session they have ends on its next request (``staff.sessions``).
- No change may leave Candor without an active Admin (``core.roles.is_admin``: the Admin role
  or a superuser): removing the last one's Admin role or deactivating them is refused.
- Roles are the four groups of ``core.roles.ALL``; who may see what stays in the selectors and
  predicates of each app.

Errors: ``django.core.exceptions.ValidationError``, dict-shaped (by field name) where a field
is at fault; nothing is written when one is raised.
"""

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import roles
from core.audit import audit_record
from staff import selectors, sessions
from staff.models import ScimToken, StaffAccount

User = get_user_model()

NAME_MAX = 150
EMAIL_MAX = 254
TOKEN_PREFIX = "cscim_"


def _via(token: ScimToken | None, data: dict | None = None) -> dict:
    data = dict(data or {})
    if token is not None:
        data.update({"via": "scim", "scim_token": token.name, "scim_token_id": token.pk})
    else:
        data.setdefault("via", "app")
    return data


def _clean_text(value, field: str, *, max_length: int = NAME_MAX, required: bool = False) -> str:
    value = "" if value is None else str(value).strip()
    if "\x00" in value:
        raise ValidationError({field: "Null characters are not allowed."})
    if required and not value:
        raise ValidationError({field: "This field is required."})
    if len(value) > max_length:
        raise ValidationError({field: f"At most {max_length} characters."})
    return value


def _clean_username(value, *, exclude_pk=None) -> str:
    username = _clean_text(value, "username", required=True)
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise ValidationError({"username": exc.messages}) from exc
    taken = User.objects.filter(username__iexact=username)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"username": "Another account already has this username."})
    return username


def _clean_email(value, *, exclude_pk=None, required: bool = True) -> str:
    email = _clean_text(value, "email", max_length=EMAIL_MAX, required=required).lower()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": "Enter a valid email address."}) from exc
    taken = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"email": "Another account already has this email address."})
    return email


def _clean_roles(names) -> set[str]:
    names = set(names or ())
    unknown = names - set(roles.ALL)
    if unknown:
        raise ValidationError({"roles": "Choose roles from Interviewer, Hiring manager, HR and Admin."})
    return names


def _account(user) -> StaffAccount:
    account, _ = StaffAccount.objects.get_or_create(user=user)
    return account


def _lock_admins() -> None:
    """Serialise changes that could remove the last Admin (PostgreSQL row lock; SQLite's
    IMMEDIATE transactions serialise already)."""
    Group.objects.select_for_update().filter(name=roles.ADMIN).first()


def _refuse_if_last_admin(*, by, user, still_admin: bool) -> None:
    """Refuse a change after which ``user`` is no Admin if they are the last active Admin."""
    if still_admin or not user.is_active:
        return
    is_admin_now = user.is_superuser or user.groups.filter(name=roles.ADMIN).exists()
    if not is_admin_now:
        return
    if selectors.active_admins().exclude(pk=user.pk).exists():
        return
    if by is not None and by.pk == user.pk:
        message = (
            "You are the last active Admin: give someone else the Admin role first, "
            "or Candor would have nobody who can manage people."
        )
    else:
        message = "This is the last active Admin: give someone else the Admin role first."
    raise ValidationError({"roles": message})


def _forget_cached_roles(user) -> None:
    if hasattr(user, "_candor_roles"):
        del user._candor_roles


@transaction.atomic
def staff_create(
    *,
    by,
    email: str,
    first_name: str = "",
    last_name: str = "",
    username: str = "",
    role_names=(),
    active: bool = True,
    external_id: str = "",
    token: ScimToken | None = None,
) -> User:
    """Create a staff account with an unusable password; they set one through the password
    reset email (or sign in by SSO). ``username`` defaults to the email, lower-cased.

    ``role_names``: names from ``core.roles.ALL``. Returns the user. Audit: ``staff.created``.
    Raises ValidationError on a missing/invalid/taken email or username, or an unknown role.
    """
    email = _clean_email(email, required=not username)
    username = _clean_username(username or email)
    first_name = _clean_text(first_name, "first_name")
    last_name = _clean_text(last_name, "last_name")
    external_id = _clean_text(external_id, "external_id", max_length=255)
    wanted = _clean_roles(role_names)
    user = User(
        username=username, email=email, first_name=first_name, last_name=last_name, is_active=bool(active)
    )
    user.set_unusable_password()
    user.save()
    if wanted:
        user.groups.add(*selectors.role_groups().filter(name__in=wanted))
    StaffAccount.objects.create(user=user, scim_external_id=external_id)
    audit_record(
        actor=by,
        verb="staff.created",
        target=user,
        data=_via(token, {"roles": sorted(wanted), "active": user.is_active}),
    )
    return user


@transaction.atomic
def staff_update(*, by, user, token: ScimToken | None = None, **changes) -> list[str]:
    """Change a staff user's ``username``, ``email``, ``first_name``, ``last_name`` or
    ``external_id`` (only the keys given). Returns the names of the fields that changed.
    Audit: ``staff.updated`` with the field names (not their values). Raises ValidationError.
    """
    allowed = {"username", "email", "first_name", "last_name", "external_id"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"Unknown fields: {sorted(unknown)}")
    cleaned = {}
    if "username" in changes:
        cleaned["username"] = _clean_username(changes["username"], exclude_pk=user.pk)
    if "email" in changes:
        cleaned["email"] = _clean_email(changes["email"], exclude_pk=user.pk, required=False)
    for name in ("first_name", "last_name"):
        if name in changes:
            cleaned[name] = _clean_text(changes[name], name)
    account = _account(user)
    changed = []
    if "external_id" in changes:
        external_id = _clean_text(changes["external_id"], "external_id", max_length=255)
        if external_id != account.scim_external_id:
            account.scim_external_id = external_id
            account.save(update_fields=["scim_external_id", "updated_at"])
            changed.append("external_id")
    for name, value in cleaned.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if changed:
        user_fields = [name for name in changed if name != "external_id"]
        if user_fields:
            user.save(update_fields=user_fields)
        audit_record(
            actor=by, verb="staff.updated", target=user, data=_via(token, {"fields": sorted(changed)})
        )
    return changed


@transaction.atomic
def staff_set_roles(*, by, user, role_names, token: ScimToken | None = None) -> tuple[set, set]:
    """Give ``user`` exactly the roles ``role_names`` (names from ``core.roles.ALL``); other
    groups are left alone. Returns (added, removed). Audit: ``staff.roles_changed``.

    Raises ValidationError for an unknown role, or when it would leave no active Admin.
    """
    wanted = _clean_roles(role_names)
    _lock_admins()
    current = selectors.role_names_of(user)
    added, removed = wanted - current, current - wanted
    if not added and not removed:
        return set(), set()
    if roles.ADMIN in removed:
        _refuse_if_last_admin(by=by, user=user, still_admin=user.is_superuser)
    groups = {group.name: group for group in selectors.role_groups()}
    if removed:
        user.groups.remove(*[groups[name] for name in removed if name in groups])
    if added:
        missing = added - set(groups)
        for name in missing:  # a role group removed by hand: made again (as core's migrations do)
            groups[name] = Group.objects.get_or_create(name=name)[0]
        user.groups.add(*[groups[name] for name in added])
    _forget_cached_roles(user)
    audit_record(
        actor=by,
        verb="staff.roles_changed",
        target=user,
        data=_via(token, {"added": sorted(added), "removed": sorted(removed)}),
    )
    return added, removed


def _raise_epoch(user) -> int:
    """End every session of ``user``: delete them from the session store, and raise the epoch
    that signed-cookie sessions are checked against (staff.sessions). Returns the new epoch."""
    account = _account(user)
    StaffAccount.objects.filter(pk=account.pk).update(session_epoch=F("session_epoch") + 1)
    account.refresh_from_db(fields=["session_epoch"])
    sessions.end_all(user.pk)
    return account.session_epoch


@transaction.atomic
def staff_deactivate(*, by, user, token: ScimToken | None = None) -> bool:
    """Deactivate ``user``: they can no longer sign in, every session of theirs ends on its next
    request, and everything they wrote keeps their name. Never deletes. Returns False when
    they were inactive already (nothing written). Audit: ``staff.deactivated``.

    Raises ValidationError when they are the last active Admin.
    """
    _lock_admins()
    user.refresh_from_db(fields=["is_active"])
    if not user.is_active:
        return False
    _refuse_if_last_admin(by=by, user=user, still_admin=False)
    user.is_active = False
    user.save(update_fields=["is_active"])
    epoch = _raise_epoch(user)
    audit_record(actor=by, verb="staff.deactivated", target=user, data=_via(token, {"session_epoch": epoch}))
    return True


@transaction.atomic
def staff_reactivate(*, by, user, token: ScimToken | None = None) -> bool:
    """Let a deactivated user sign in again (roles unchanged). Returns False when they were
    active already. Audit: ``staff.reactivated``."""
    user.refresh_from_db(fields=["is_active"])
    if user.is_active:
        return False
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(actor=by, verb="staff.reactivated", target=user, data=_via(token))
    return True


@transaction.atomic
def sessions_end(*, by, user, token: ScimToken | None = None) -> int:
    """End every session of ``user`` (on its next request), whatever the session backend.

    ``by == user``: "sign out everywhere" (audit ``session.signout_everywhere``); anyone else
    (an Admin): a forced sign-out (audit ``session.forced_signout``). Returns the new epoch.
    """
    epoch = _raise_epoch(user)
    verb = "session.signout_everywhere" if by is not None and by.pk == user.pk else "session.forced_signout"
    audit_record(actor=by, verb=verb, target=user, data=_via(token, {"session_epoch": epoch}))
    return epoch


def session_timed_out(*, user_id, reason: str) -> None:
    """Audit a session the middleware ended for being idle or too old (``session.timed_out``)."""
    user = User(pk=user_id)
    audit_record(actor=None, verb="session.timed_out", target=user, data={"reason": reason})


# --- SCIM tokens ---------------------------------------------------------------------------


def hash_token(raw: str) -> str:
    """SHA-256 (hex) of a bearer token: what is stored and looked up."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def scim_token_create(*, by, name: str) -> tuple[ScimToken, str]:
    """A new SCIM bearer token named ``name``: returns (the row, the token in clear).

    The clear token is shown once and never stored (only its SHA-256). Audit:
    ``scim_token.created``. Raises ValidationError for a missing or too long name.
    """
    name = _clean_text(name, "name", max_length=80, required=True)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ScimToken.objects.create(
        name=name, prefix=raw[: len(TOKEN_PREFIX) + 6], token_hash=hash_token(raw), created_by=by
    )
    audit_record(actor=by, verb="scim_token.created", target=token, data={"name": name})
    return token, raw


@transaction.atomic
def scim_token_revoke(*, by, token: ScimToken) -> bool:
    """Revoke ``token`` (it is refused from now on). False if it was revoked already.
    Audit: ``scim_token.revoked``."""
    updated = ScimToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    if updated:
        token.refresh_from_db()
        audit_record(actor=by, verb="scim_token.revoked", target=token, data={"name": token.name})
    return bool(updated)


def scim_token_authenticate(raw: str) -> ScimToken | None:
    """The active token whose hash matches ``raw``, or None; marks it used (at most once a minute)."""
    if not raw or len(raw) > 200:
        return None
    token = ScimToken.objects.filter(token_hash=hash_token(raw), revoked_at__isnull=True).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= 60:
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
