from django.contrib import admin

from hiring.models import (
    Application,
    Criterion,
    Decision,
    FeedbackPoint,
    Interview,
    Job,
    Rating,
    Scorecard,
    Stage,
)


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("title", "team", "status", "hiring_manager", "reapply_cooldown_days")
    list_filter = ("status", "team")
    search_fields = ("title", "team")
    inlines = [StageInline]


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ("name", "job", "position", "interviews_planned")
    list_select_related = ("job",)
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ("name", "stage", "position")
    list_select_related = ("stage",)


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("id", "candidate", "job", "status", "current_stage", "created_at")
    list_filter = ("status", "source")
    list_select_related = ("candidate", "job", "current_stage")
    raw_id_fields = ("candidate", "previous")


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    list_display = ("id", "application", "stage", "interviewer", "scheduled_at")
    list_select_related = ("application__candidate", "application__job", "stage", "interviewer")
    raw_id_fields = ("application",)


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    list_display = ("id", "interview", "status", "recommendation", "submitted_at")
    list_filter = ("status", "recommendation")
    raw_id_fields = ("interview",)
    inlines = [RatingInline]


def _forget_letter_findings(decision_id) -> None:
    """Points edited here change what the letter's quality check finds: check it again when next shown."""
    from feedback.models import FeedbackLetter

    FeedbackLetter.objects.filter(decision_id=decision_id).update(findings_count=None)


class FeedbackPointInline(admin.TabularInline):
    model = FeedbackPoint
    extra = 0


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ("id", "application", "stage", "outcome", "decided_by", "decided_at")
    list_filter = ("outcome",)
    raw_id_fields = ("application",)
    inlines = [FeedbackPointInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _forget_letter_findings(form.instance.pk)


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("id", "scorecard", "criterion", "score")
    raw_id_fields = ("scorecard",)


@admin.register(FeedbackPoint)
class FeedbackPointAdmin(admin.ModelAdmin):
    list_display = ("id", "decision", "criterion")
    raw_id_fields = ("decision",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _forget_letter_findings(obj.decision_id)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _forget_letter_findings(obj.decision_id)
