from django.contrib import admin

from feedback.models import (
    CandidateRating,
    FeedbackLetter,
    FeedbackRequest,
    LetterTemplate,
    Phrase,
    ReapplyAnswer,
    ReapplyReminder,
)


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default", "updated_at")


@admin.register(FeedbackLetter)
class FeedbackLetterAdmin(admin.ModelAdmin):
    list_display = ("id", "application", "status", "deadline", "send_after", "sent_at")
    list_filter = ("status",)
    raw_id_fields = ("decision", "application")
    readonly_fields = ("public_id", "message_id", "sent_subject", "sent_text", "sent_html")

    def save_model(self, request, obj, form, change):
        # Edited outside the letter services: the stored quality check no longer holds.
        obj.findings_count = None
        super().save_model(request, obj, form, change)


@admin.register(ReapplyReminder)
class ReapplyReminderAdmin(admin.ModelAdmin):
    list_display = ("id", "application", "status", "send_after", "sent_at")
    list_filter = ("status",)
    raw_id_fields = ("application", "candidate")


@admin.register(FeedbackRequest)
class FeedbackRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "letter", "status", "deadline", "answered_at")
    list_filter = ("status",)
    raw_id_fields = ("letter",)


@admin.register(CandidateRating)
class CandidateRatingAdmin(admin.ModelAdmin):
    list_display = ("letter", "score", "created_at")
    raw_id_fields = ("letter",)


@admin.register(ReapplyAnswer)
class ReapplyAnswerAdmin(admin.ModelAdmin):
    list_display = ("application", "point")
    raw_id_fields = ("application", "point")


@admin.register(Phrase)
class PhraseAdmin(admin.ModelAdmin):
    """HR extends the quality check's built-in phrase lists here."""

    list_display = ("pattern", "category", "message", "active")
    list_filter = ("category", "active")
    search_fields = ("pattern", "message")
