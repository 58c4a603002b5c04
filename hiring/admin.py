"""Hiring records in the admin: read-only (core/admin_site.py). Jobs, stages and criteria are
edited on HR's pages; interviews, scorecards and decisions through hiring's services."""

from django.contrib import admin

from core.admin_site import ReadOnlyAdmin, ReadOnlyInline, site
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


class StageInline(ReadOnlyInline):
    model = Stage


class CriterionInline(ReadOnlyInline):
    model = Criterion


class RatingInline(ReadOnlyInline):
    model = Rating


class FeedbackPointInline(ReadOnlyInline):
    model = FeedbackPoint


@admin.register(Job, site=site)
class JobAdmin(ReadOnlyAdmin):
    list_display = ("title", "team", "status", "hiring_manager", "reapply_cooldown_days")
    list_filter = ("status", "team")
    # Job titles and teams are not personal data, so they may appear in a ?q= query string.
    search_fields = ("title", "team")
    list_select_related = ("hiring_manager",)
    inlines = [StageInline]


@admin.register(Stage, site=site)
class StageAdmin(ReadOnlyAdmin):
    list_display = ("name", "job", "position", "interviews_planned")
    list_select_related = ("job",)
    inlines = [CriterionInline]


@admin.register(Criterion, site=site)
class CriterionAdmin(ReadOnlyAdmin):
    list_display = ("name", "stage", "position")
    list_select_related = ("stage",)


@admin.register(Application, site=site)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("id", "candidate", "job", "status", "current_stage", "created_at")
    list_filter = ("status", "source")
    list_select_related = ("candidate", "job", "current_stage")


@admin.register(Interview, site=site)
class InterviewAdmin(ReadOnlyAdmin):
    list_display = ("id", "application", "stage", "interviewer", "scheduled_at")
    list_select_related = ("application__candidate", "application__job", "stage", "interviewer")


@admin.register(Scorecard, site=site)
class ScorecardAdmin(ReadOnlyAdmin):
    list_display = ("id", "interview", "status", "recommendation", "submitted_at")
    list_filter = ("status", "recommendation")
    list_select_related = ("interview__stage", "interview__interviewer")
    inlines = [RatingInline]


@admin.register(Decision, site=site)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("id", "application", "stage", "outcome", "decided_by", "decided_at")
    list_filter = ("outcome",)
    list_select_related = ("application__candidate", "application__job", "stage", "decided_by")
    inlines = [FeedbackPointInline]


@admin.register(Rating, site=site)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("id", "scorecard", "criterion", "score")
    list_select_related = ("scorecard__interview__stage", "scorecard__interview__interviewer", "criterion")


@admin.register(FeedbackPoint, site=site)
class FeedbackPointAdmin(ReadOnlyAdmin):
    list_display = ("id", "decision", "criterion")
    list_select_related = ("decision__stage", "criterion")
