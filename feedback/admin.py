"""Feedback records in the admin: read-only (core/admin_site.py), except the quality check's phrase
lists, which are managed only here and audited. Letters, templates, requests and reminders change
through feedback's services and HR's pages."""

from django.contrib import admin

from core.admin_site import AuditedAdmin, ReadOnlyAdmin, site
from core.masking import mask_candidate_links
from feedback.models import (
    CandidateRating,
    FeedbackLetter,
    FeedbackRequest,
    LateDigest,
    LetterTemplate,
    Phrase,
    ReapplyAnswer,
    ReapplyReminder,
)


class SentCopyMasked:
    """What was sent to a candidate, shown with its candidate links masked (core.masking):
    an Admin never holds a working candidate link. The stored copies are kept unchanged."""

    exclude = ("sent_text", "sent_html")

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "sent_text_masked", "sent_html_masked")

    @admin.display(description="Sent text (candidate links masked)")
    def sent_text_masked(self, obj):
        return mask_candidate_links(obj.sent_text)

    @admin.display(description="Sent HTML (candidate links masked)")
    def sent_html_masked(self, obj):
        return mask_candidate_links(obj.sent_html)


@admin.register(LetterTemplate, site=site)
class LetterTemplateAdmin(ReadOnlyAdmin):
    list_display = ("name", "is_default", "updated_at")


@admin.register(FeedbackLetter, site=site)
class FeedbackLetterAdmin(SentCopyMasked, ReadOnlyAdmin):
    list_display = ("id", "application", "status", "deadline", "send_after", "sent_at")
    list_filter = ("status",)
    list_select_related = ("application__candidate", "application__job")
    # Only the letter's random public id (as in its Message-ID), never a name or an email.
    search_fields = ("=public_id",)
    readonly_fields = ("public_id", "check_key", "check_blocking", "check_advisory", "check_not_checked")


@admin.register(ReapplyReminder, site=site)
class ReapplyReminderAdmin(SentCopyMasked, ReadOnlyAdmin):
    list_display = ("id", "application", "status", "send_after", "sent_at")
    list_filter = ("status",)
    list_select_related = ("application__candidate", "application__job")


@admin.register(FeedbackRequest, site=site)
class FeedbackRequestAdmin(SentCopyMasked, ReadOnlyAdmin):
    list_display = ("id", "letter", "status", "deadline", "answered_at")
    list_filter = ("status",)


@admin.register(LateDigest, site=site)
class LateDigestAdmin(ReadOnlyAdmin):
    list_display = ("id", "day", "user", "status", "sent_at")
    list_filter = ("status",)
    list_select_related = ("user",)


@admin.register(CandidateRating, site=site)
class CandidateRatingAdmin(ReadOnlyAdmin):
    list_display = ("letter", "score", "created_at")


@admin.register(ReapplyAnswer, site=site)
class ReapplyAnswerAdmin(ReadOnlyAdmin):
    list_display = ("application", "point")
    list_select_related = ("application__candidate", "application__job", "point__criterion")


@admin.register(Phrase, site=site)
class PhraseAdmin(AuditedAdmin):
    """Admins extend the quality check's built-in phrase lists here; every change is audited.

    Letters checked with the old lists are re-checked when next shown (the stored
    result carries the phrase lists' version, see ``quality.phrases_version``).
    """

    list_display = ("pattern", "category", "message", "active")
    list_filter = ("category", "active")
    # Phrases are wording, not personal data.
    search_fields = ("pattern", "message")
