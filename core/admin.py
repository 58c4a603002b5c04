"""The audit trail, staff accounts and roles, and login lockouts in the admin (see core/admin_site.py)."""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group, User

from core.admin_site import AdminRoleMixin, AuditedMixin, ReadOnlyAdmin, ReadOnlyMixin, site
from core.models import AuditEvent


@admin.register(AuditEvent, site=site)
class AuditEventAdmin(ReadOnlyAdmin):
    """Never edited and never deleted, by anyone."""

    list_display = ("created_at", "verb", "target_type", "target_id", "actor")
    list_filter = ("verb", "target_type")
    list_select_related = ("actor",)


@admin.register(User, site=site)
class StaffUserAdmin(ReadOnlyMixin, AdminRoleMixin, UserAdmin):
    """Staff accounts, read-only: people, roles and deactivation are changed on the People page.

    One write path (staff/services.py): only there do the guard for the last active Admin, the
    end of a deactivated person's sessions and the audit trail apply; a change here skipped them.
    Superusers are made only with ``createsuperuser``; ``is_staff`` and per-user permissions are unused.
    No search: names and emails in a ``?q=`` would land in access logs.
    """

    list_display = ("username", "first_name", "last_name", "is_active", "roles")
    list_filter = ("is_active", "groups")
    search_fields = ()
    ordering = ("username",)
    filter_horizontal = ("groups",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Roles", {"fields": ("is_active", "groups", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("is_superuser", "last_login", "date_joined")
    actions = None

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def roles(self, obj):
        return ", ".join(sorted(group.name for group in obj.groups.all()))

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Group, site=site)
class RoleAdmin(ReadOnlyAdmin):
    """Roles are made by data migrations and named in code (core/roles.py): not edited here."""

    fields = ("name",)


@admin.register(AccessAttempt, site=site)
class LockoutAdmin(AuditedMixin, ReadOnlyMixin, AdminRoleMixin, AccessAttemptAdmin):
    """Failed logins. Deleting a row unlocks that username and address (audited)."""

    search_fields = ()
    actions = None

    def has_delete_permission(self, request, obj=None):
        return AdminRoleMixin.has_delete_permission(self, request, obj)


@admin.register(AccessLog, site=site)
class LoginLogAdmin(ReadOnlyMixin, AdminRoleMixin, AccessLogAdmin):
    search_fields = ()


@admin.register(AccessFailureLog, site=site)
class LoginFailureLogAdmin(ReadOnlyMixin, AdminRoleMixin, AccessFailureLogAdmin):
    search_fields = ()
