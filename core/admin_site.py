"""The Django admin: for the Admin role only, and never a second write path.

- Only Admins (and superusers, kept as break-glass accounts made with
  ``createsuperuser``) get in. Anyone else who is logged in gets 403 on every
  admin URL; anonymous visitors are sent to the one login page (the throttled
  ``login`` view), not to a second login form.
- Records that services write and audit (letters, decisions, scorecards, the
  audit trail, ...) are registered with ``ReadOnlyAdmin``: view only, for
  everyone, superusers included. Their changes go through services.
- The few things managed only here (quality-check phrases, staff accounts) use
  ``AuditedAdmin``: every add, change and delete made here writes an
  ``AuditEvent`` in the same transaction as the change.
- There is no bulk "delete selected" action anywhere.
- No changelist searches personal data: the search term is a GET ``?q=`` and
  so lands in access logs. ``SEARCH_ALLOWED`` in ``core/tests/test_admin.py``
  lists the searches that are allowed.

Model permissions (``auth.Permission``) are not used: what an Admin may do in
the admin is decided here, by role, in one place.
"""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from core import roles
from core.audit import audit_record


class CandorAdminSite(admin.AdminSite):
    site_header = "Candor admin"
    site_title = "Candor admin"
    index_title = "Records (read-only unless marked otherwise) and staff accounts"

    def has_permission(self, request: HttpRequest) -> bool:
        return roles.is_admin(request.user)

    def admin_view(self, view, cacheable=False):
        """Django's admin_view, but a logged-in non-Admin gets 403 (not the admin's login form)
        and an anonymous visitor goes to the site's one login page."""
        inner = super().admin_view(view, cacheable)

        def gate(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(gate, inner)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """No second login form: the admin's login URL forwards to the site's login page."""
        if not request.user.is_authenticated:
            next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
            return redirect_to_login(next_url)
        if not self.has_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(reverse("admin:index", current_app=self.name))


site = CandorAdminSite(name="admin")
# A bulk delete would bypass each model's own rules and the per-row audit.
site.disable_action("delete_selected")


def _is_admin(request: HttpRequest) -> bool:
    return roles.is_admin(request.user)


class AdminRoleMixin:
    """Admins may see every registered model; nobody else sees any (the site already answers 403)."""

    def has_module_permission(self, request):
        return _is_admin(request)

    def has_view_permission(self, request, obj=None):
        return _is_admin(request)

    def has_add_permission(self, request, *args):
        return _is_admin(request)

    def has_change_permission(self, request, obj=None):
        return _is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return _is_admin(request)

    def lookup_allowed(self, lookup, value, request=None):
        """Only the filters in ``list_filter`` may be used in the changelist's URL.

        Django's admin accepts ``?<field>=<value>`` for a model's own fields by
        default, which would put candidates' emails and names into query
        strings and so into access logs (``?email=rosa@example.org``). The
        sidebar filters are status, date or id filters and stay usable.
        """
        allowed = set()
        for entry in self.list_filter or ():
            name = entry[0] if isinstance(entry, tuple | list) else entry
            if isinstance(name, str):
                allowed.add(name)
        field = lookup.split("__", 1)[0]
        return field in allowed and super().lookup_allowed(lookup, value, request)


class ReadOnlyMixin:
    """Nobody adds, changes or deletes here, superusers included: every field is shown read-only."""

    actions = None

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedMixin:
    """Every add, change and delete made in the admin writes an AuditEvent.

    Django calls the ``log_*`` hooks inside the transaction that saved or is
    about to delete the object (including inline changes and password changes),
    so the audit row and the change commit together. Verbs:
    ``<model>.admin_add``, ``<model>.admin_change``, ``<model>.admin_delete``.
    """

    def _audit(self, request, obj, action: str, message) -> None:
        audit_record(
            actor=request.user,
            verb=f"{obj._meta.model_name}.admin_{action}"[:64],
            target=obj,
            data={"admin": message, "object": str(obj)[:200]},
        )

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._audit(request, obj, "add", message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._audit(request, obj, "change", message)
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            self._audit(request, obj, "delete", "Deleted.")
        return entries


class ReadOnlyAdmin(ReadOnlyMixin, AdminRoleMixin, admin.ModelAdmin):
    """For records that services write and audit."""


class ReadOnlyInline(ReadOnlyMixin, AdminRoleMixin, admin.TabularInline):
    extra = 0
    can_delete = False


class AuditedAdmin(AuditedMixin, AdminRoleMixin, admin.ModelAdmin):
    """For the few things that are managed only in the admin."""
