"""The Admin role, and the admin taken away from the hiring roles.

HR users used to be superusers so that they could reach the admin. The admin now
belongs to the Admin role, so users with a hiring role lose ``is_superuser`` and
``is_staff``; each change is written to the audit trail (verb
``user.admin_flags_removed``, with the old flags), and reversing the migration
restores the flags from those rows. Superusers without any role group are left
alone: they are break-glass accounts, and count as Admins.
"""

from django.db import migrations

ADMIN = "Admin"
HIRING_ROLES = ("Interviewer", "Hiring manager", "HR")
VERB = "user.admin_flags_removed"


def forward(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("auth", "User")
    AuditEvent = apps.get_model("core", "AuditEvent")
    Group.objects.get_or_create(name=ADMIN)
    demoted = (
        User.objects.filter(groups__name__in=HIRING_ROLES)
        .exclude(is_superuser=False, is_staff=False)
        .distinct()
    )
    for user in demoted:
        AuditEvent.objects.create(
            verb=VERB,
            target_type="auth.user",
            target_id=user.pk,
            reason="The admin is for the Admin role; hiring roles are not superusers.",
            data={"is_superuser": user.is_superuser, "is_staff": user.is_staff},
        )
        User.objects.filter(pk=user.pk).update(is_superuser=False, is_staff=False)


def backward(apps, schema_editor):
    User = apps.get_model("auth", "User")
    AuditEvent = apps.get_model("core", "AuditEvent")
    for event in AuditEvent.objects.filter(verb=VERB, target_type="auth.user").order_by("id"):
        User.objects.filter(pk=event.target_id).update(
            is_superuser=bool(event.data.get("is_superuser")), is_staff=bool(event.data.get("is_staff"))
        )
    apps.get_model("auth", "Group").objects.filter(name=ADMIN).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_roles")]
    operations = [migrations.RunPython(forward, backward)]
