"""SCIM adapters: Django users <-> SCIM Users, the four role groups <-> SCIM Groups.

Every write goes through ``staff.services`` (audited, naming the request's SCIM token):

- Users: ``userName`` -> username, ``emails`` (the primary, else the first) -> email,
  ``name.givenName``/``name.familyName`` -> first/last name, ``active`` -> is_active
  (``false`` deactivates: sessions end, records keep the name), ``externalId`` kept.
  Passwords sent over SCIM are ignored (people sign in by SSO or set one by the reset email).
  DELETE deactivates; users are never deleted. Unknown attributes in a PATCH (title,
  addresses, ... which Entra ID sends) are ignored.
- Groups: exactly the four roles (core.roles.ALL). Members can be added, removed and
  replaced; groups cannot be created, renamed or deleted (409/400).

Booleans are accepted as JSON booleans or as the strings "true"/"false" (Entra ID sends
``"False"``). Bad input is a SCIM 400 (or 409 for a taken userName/email), never a 500.
"""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django_scim import constants, exceptions
from django_scim.adapters import SCIMGroup, SCIMUser

from core import roles
from core.names import NAME_MESSAGE, name_problem
from staff import selectors, services
from staff.models import StaffAccount

User = get_user_model()
USER_URN = constants.SchemaURI.USER.lower() + ":"
GROUP_URN = constants.SchemaURI.GROUP.lower() + ":"
MEMBER_FILTER = re.compile(r'^members\[\s*value\s+eq\s+"([^"]*)"\s*\]$', re.IGNORECASE)


def _bool(value, path: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise exceptions.BadRequestError(f'"{path}" should be a boolean', scim_type="invalidValue")


def _text(value, path: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise exceptions.BadRequestError(f'"{path}" should be a string', scim_type="invalidValue")
    return str(value)


def _name(value, path: str) -> str:
    """A name attribute (``name.givenName``/``name.familyName``) as text, refused (SCIM 400
    invalidValue) when it holds a control or invisible formatting character (core.names)."""
    text = _text(value, path)
    problem = name_problem(text)
    if problem:
        raise exceptions.BadRequestError(
            f'"{path}": {NAME_MESSAGE % {"char": problem}}', scim_type="invalidValue"
        )
    return text


def _scim_error(exc: ValidationError) -> exceptions.SCIMException:
    """A service's refusal as a SCIM error: 409 for a taken userName/email, else 400."""
    messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    text = "; ".join(
        f"{field}: {' '.join(msgs)}" if field else " ".join(msgs) for field, msgs in messages.items()
    )
    if any("already has" in " ".join(msgs) for msgs in messages.values()):
        return exceptions.IntegrityError(text, scim_type="uniqueness")
    return exceptions.BadRequestError(text, scim_type="invalidValue")


def _token(adapter):
    return getattr(adapter.request, "scim_token", None)


def _member_ids(value) -> list[int]:
    """User ids from a SCIM members value: [{"value": "12"}, ...] (or one such dict)."""
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise exceptions.BadRequestError("members should be a list", scim_type="invalidValue")
    ids = []
    for member in value:
        raw = member.get("value") if isinstance(member, dict) else None
        raw = str(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
        if not raw.isdigit() or len(raw) > 18:
            raise exceptions.BadRequestError("Each member needs the id of a user", scim_type="invalidValue")
        ids.append(int(raw))
    return ids


def _users(ids) -> list:
    users = list(User.objects.filter(pk__in=set(ids)))
    if len(users) != len(set(ids)):
        raise exceptions.BadRequestError("No such user", scim_type="invalidValue")
    return users


class StaffSCIMUser(SCIMUser):
    id_field = "pk"

    def __init__(self, obj, request=None):
        super().__init__(obj, request)
        self._pending: dict = {}

    @property
    def id(self):
        return str(self.obj.pk)

    @property
    def groups(self):
        return [
            {
                "value": str(group.pk),
                "$ref": StaffSCIMGroup(group, self.request).location,
                "display": group.name,
            }
            for group in selectors.role_groups().filter(user=self.obj).order_by("pk")
        ]

    def to_dict(self):
        user = self.obj
        account = StaffAccount.objects.filter(user=user).first()
        d = {
            "schemas": [constants.SchemaURI.USER],
            "id": self.id,
            "userName": user.username,
            "name": {
                "givenName": user.first_name,
                "familyName": user.last_name,
                "formatted": self.name_formatted,
            },
            "displayName": self.display_name,
            "emails": [{"value": user.email, "primary": True, "type": "work"}] if user.email else [],
            "active": user.is_active,
            "groups": self.groups,
            "meta": {
                "resourceType": self.resource_type,
                "created": user.date_joined.isoformat(),
                "lastModified": (account.updated_at if account else user.date_joined).isoformat(),
                "location": self.location,
            },
        }
        if account and account.scim_external_id:
            d["externalId"] = account.scim_external_id
        return d

    def validate_dict(self, d):
        if not isinstance(d, dict):
            raise exceptions.BadRequestError("The body should be a JSON object")
        if not isinstance(d.get("userName"), str) or not d.get("userName").strip():
            raise exceptions.BadRequestError('"userName" is required', scim_type="invalidValue")
        if "name" in d and not isinstance(d["name"], dict | type(None)):
            raise exceptions.BadRequestError('"name" should be an object', scim_type="invalidValue")

    def from_dict(self, d):
        """Read the attributes Candor keeps (a full replace: PUT sets missing names to blank)."""
        name = d.get("name") or {}
        pending = {
            "username": _text(d.get("userName"), "userName"),
            "first_name": _name(name.get("givenName"), "name.givenName"),
            "last_name": _name(name.get("familyName"), "name.familyName"),
            "external_id": _text(d.get("externalId"), "externalId"),
        }
        if d.get("emails") is not None:
            pending["email"] = self._email(d.get("emails"))
        if d.get("active") is not None:
            pending["active"] = _bool(d.get("active"), "active")
        self._pending = pending

    def _email(self, value) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise exceptions.BadRequestError("emails should be a list of objects", scim_type="invalidValue")
        if not value:
            return ""
        primary = [item for item in value if item.get("primary") in (True, "true", "True")]
        chosen = (primary or value)[0].get("value")
        return _text(chosen, "emails.value")

    def save(self):
        """Create or update through staff.services, in one transaction."""
        pending, token = dict(self._pending), _token(self)
        active = pending.pop("active", None)
        try:
            with transaction.atomic():
                if self.obj.pk is None:
                    self.obj = services.staff_create(
                        by=None,
                        token=token,
                        email=pending.get("email", ""),
                        username=pending["username"],
                        first_name=pending.get("first_name", ""),
                        last_name=pending.get("last_name", ""),
                        external_id=pending.get("external_id", ""),
                        active=True if active is None else active,
                    )
                else:
                    if pending:
                        services.staff_update(by=None, user=self.obj, token=token, **pending)
                    if active is False:
                        services.staff_deactivate(by=None, user=self.obj, token=token)
                    elif active is True:
                        services.staff_reactivate(by=None, user=self.obj, token=token)
                    self.obj.refresh_from_db()
        except ValidationError as exc:
            raise _scim_error(exc) from exc
        self._pending = {}

    def delete(self):
        """DELETE deactivates: the user and what they wrote stay."""
        try:
            services.staff_deactivate(by=None, user=self.obj, token=_token(self))
        except ValidationError as exc:
            raise _scim_error(exc) from exc

    def handle_operations(self, operations):
        """PATCH (RFC 7644 §3.5.2) for the attributes Candor keeps; others are ignored."""
        if not isinstance(operations, list):
            raise exceptions.BadRequestError("Operations should be a list")
        pending: dict = {}
        for operation in operations:
            if not isinstance(operation, dict):
                raise exceptions.BadRequestError("Each operation should be an object")
            op = str(operation.get("op", "")).lower()
            if op not in ("add", "replace", "remove"):
                raise exceptions.BadRequestError(f'Unknown PATCH op "{op}"', scim_type="invalidSyntax")
            path, value = operation.get("path"), operation.get("value")
            if path:
                items = [(_text(path, "path"), value)]
            elif isinstance(value, dict) and op != "remove":
                items = list(value.items())
            else:
                raise exceptions.BadRequestError('"path" is required here', scim_type="noTarget")
            for item_path, item_value in items:
                self._patch_one(pending, op, str(item_path), None if op == "remove" else item_value)
        self._pending = pending
        self.save()

    def _patch_one(self, pending: dict, op: str, path: str, value) -> None:
        key = path.strip().lower()
        if key.startswith(USER_URN):
            key = key[len(USER_URN) :]
        if key == "active":
            if op == "remove":
                raise exceptions.BadRequestError('"active" cannot be removed', scim_type="mutability")
            pending["active"] = _bool(value, path)
        elif key == "username":
            pending["username"] = _text(value, path)
        elif key == "name.givenname":
            pending["first_name"] = _name(value, path)
        elif key == "name.familyname":
            pending["last_name"] = _name(value, path)
        elif key == "name":
            value = value or {}
            if not isinstance(value, dict):
                raise exceptions.BadRequestError('"name" should be an object', scim_type="invalidValue")
            if "givenName" in value or op == "remove":
                pending["first_name"] = _name(value.get("givenName"), "name.givenName")
            if "familyName" in value or op == "remove":
                pending["last_name"] = _name(value.get("familyName"), "name.familyName")
        elif key == "externalid":
            pending["external_id"] = _text(value, path)
        elif key.startswith("emails"):
            if isinstance(value, str) or value is None:
                pending["email"] = _text(value, path)
            else:
                pending["email"] = self._email(value)
        # Anything else (displayName, title, addresses, enterprise extension...) is not kept.


class StaffSCIMGroup(SCIMGroup):
    id_field = "pk"

    def __init__(self, obj, request=None):
        super().__init__(obj, request)
        self._pending: dict = {}

    @property
    def id(self):
        return str(self.obj.pk)

    def to_dict(self):
        return {
            "schemas": [constants.SchemaURI.GROUP],
            "id": self.id,
            "displayName": self.obj.name,
            "members": self.members,
            "meta": self.meta,
        }

    @property
    def members(self):
        return [
            {
                "value": str(user.pk),
                "$ref": StaffSCIMUser(user, self.request).location,
                "display": user.get_full_name() or user.username,
            }
            for user in self.obj.user_set.order_by("pk")
        ]

    def validate_dict(self, d):
        if not isinstance(d, dict):
            raise exceptions.BadRequestError("The body should be a JSON object")

    def from_dict(self, d):
        self._pending = {"displayName": d.get("displayName"), "members": d.get("members")}

    def save(self):
        name = self._pending.get("displayName")
        if self.obj.pk is None:
            if name in roles.ALL:
                raise exceptions.IntegrityError(
                    f'The role "{name}" exists already: link to it', scim_type="uniqueness"
                )
            raise exceptions.BadRequestError(
                "Candor's groups are its four roles (Interviewer, Hiring manager, HR, Admin); "
                "no other group can be created",
                scim_type="mutability",
            )
        self._check_name(name)
        with transaction.atomic():
            self._set_members(_users(_member_ids(self._pending.get("members"))))
        self._pending = {}

    def delete(self):
        raise exceptions.BadRequestError("Roles cannot be deleted", scim_type="mutability")

    def _check_name(self, name) -> None:
        if name not in (None, self.obj.name):
            raise exceptions.BadRequestError("Roles cannot be renamed", scim_type="mutability")

    def _change(self, user, *, member: bool) -> None:
        current = selectors.role_names_of(user)
        wanted = current | {self.obj.name} if member else current - {self.obj.name}
        if wanted == current:
            return
        try:
            services.staff_set_roles(by=None, user=user, role_names=wanted, token=_token(self))
        except ValidationError as exc:
            raise _scim_error(exc) from exc

    def _set_members(self, users) -> None:
        keep = {user.pk for user in users}
        for user in self.obj.user_set.exclude(pk__in=keep):
            self._change(user, member=False)
        for user in users:
            self._change(user, member=True)

    def handle_operations(self, operations):
        if not isinstance(operations, list):
            raise exceptions.BadRequestError("Operations should be a list")
        for operation in operations:
            if not isinstance(operation, dict):
                raise exceptions.BadRequestError("Each operation should be an object")
            op = str(operation.get("op", "")).lower()
            path = operation.get("path")
            value = operation.get("value")
            path = path.strip() if isinstance(path, str) else ""
            if path.lower().startswith(GROUP_URN):
                path = path[len(GROUP_URN) :]
            if op not in ("add", "replace", "remove"):
                raise exceptions.BadRequestError(f'Unknown PATCH op "{op}"', scim_type="invalidSyntax")
            if not path and isinstance(value, dict):
                # {"op": "replace", "value": {"id": ..., "displayName": ..., "members": [...]}}
                self._check_name(value.get("displayName"))
                if "members" in value:
                    self._members_op(op, _member_ids(value["members"]))
                continue
            matched = MEMBER_FILTER.match(path)
            if matched:
                if op != "remove":
                    raise exceptions.BadRequestError(
                        "Use a members path to add members", scim_type="invalidPath"
                    )
                self._members_op(
                    "remove", [int(x) for x in [matched.group(1)] if x.isdigit() and len(x) <= 18]
                )
            elif path.lower() == "members":
                ids = _member_ids(value)
                if op == "remove" and value is None:
                    self._set_members([])
                else:
                    self._members_op(op, ids)
            elif path.lower() == "displayname":
                self._check_name(value)
            else:
                raise exceptions.BadRequestError(f'Unsupported path "{path}"', scim_type="invalidPath")

    def _members_op(self, op: str, ids: list[int]) -> None:
        users = _users(ids)
        if op == "replace":
            self._set_members(users)
            return
        for user in users:
            self._change(user, member=(op == "add"))
