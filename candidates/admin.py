"""Candidates in the admin: read-only (core/admin_site.py). HR adds and edits candidates on their own
pages; consent, unsubscribe and erasure change only through services.

No search: a name or an email in the changelist's ``?q=`` would land in access logs.
"""

from django.contrib import admin

from candidates.models import Candidate
from core.admin_site import ReadOnlyAdmin, site


@admin.register(Candidate, site=site)
class CandidateAdmin(ReadOnlyAdmin):
    list_display = ("name", "email", "time_zone", "unsubscribed_at", "erased_at", "last_activity_at")
    list_filter = ("unsubscribed_at", "erased_at")
