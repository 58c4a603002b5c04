from django.contrib import admin

from candidates.models import Candidate


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "time_zone", "unsubscribed_at", "erased_at", "last_activity_at")
    list_filter = ("unsubscribed_at", "erased_at")
    search_fields = ("name", "email")
