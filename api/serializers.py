"""What the API shows of each object (read-only model serializers) and what its writes take
(plain input serializers, handed to the services). No serializer saves anything itself."""

from django.conf import settings
from rest_framework import serializers

from api.filters import MAX_ID
from candidates.models import Candidate
from candidates.validators import validate_person_name
from feedback.letters.services import SEND_AT_MAX_AHEAD_DAYS
from feedback.models import FeedbackLetter, FeedbackRequest, ReapplyReminder
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


class _ReadOnly(serializers.ModelSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.read_only = True


class CriterionSerializer(_ReadOnly):
    class Meta:
        model = Criterion
        fields = ["id", "name", "guidance", "position"]


class StageSerializer(_ReadOnly):
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Stage
        fields = ["id", "name", "position", "interviews_planned", "criteria"]


class JobSerializer(_ReadOnly):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "title",
            "team",
            "description",
            "status",
            "hiring_manager",
            "reapply_cooldown_days",
            "feedback_deadline_days",
            "stages",
            "created_at",
            "updated_at",
        ]


class JobCreateSerializer(serializers.Serializer):
    # Blank passes here so that the job form gives every field's message at once.
    title = serializers.CharField(max_length=200, allow_blank=True)
    team = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=Job.Status.choices, default=Job.Status.OPEN)
    hiring_manager = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID
    )
    reapply_cooldown_days = serializers.IntegerField(min_value=0, max_value=3650, default=182)
    feedback_deadline_days = serializers.IntegerField(min_value=1, max_value=60, default=5)


class CandidateSerializer(_ReadOnly):
    consent = serializers.SerializerMethodField()
    unsubscribed = serializers.SerializerMethodField()
    erased = serializers.SerializerMethodField()

    class Meta:
        model = Candidate
        fields = [
            "id",
            "name",
            "preferred_name",
            "email",
            "phone",
            "time_zone",
            "language",
            "consent",
            "unsubscribed",
            "erased",
            "created_at",
            "updated_at",
        ]

    def get_consent(self, obj) -> bool:
        return obj.consent_given_at is not None

    def get_unsubscribed(self, obj) -> bool:
        return obj.unsubscribed

    def get_erased(self, obj) -> bool:
        return obj.erased


class CandidateCreateSerializer(serializers.Serializer):
    # Blank passes here so that the add form gives every field's message at once.
    name = serializers.CharField(max_length=200, allow_blank=True, validators=[validate_person_name])
    email = serializers.CharField(max_length=254, allow_blank=True)
    preferred_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", validators=[validate_person_name]
    )
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(
        choices=[code for code, _ in settings.LANGUAGES], required=False, allow_blank=True, default=""
    )
    consent = serializers.BooleanField(default=False)


class ApplicationSerializer(_ReadOnly):
    class Meta:
        model = Application
        fields = [
            "id",
            "candidate",
            "job",
            "status",
            "current_stage",
            "previous",
            "source",
            "created_at",
            "updated_at",
            "closed_at",
        ]


class ApplicationCreateSerializer(serializers.Serializer):
    candidate = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    job = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    override_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class InterviewSerializer(_ReadOnly):
    class Meta:
        model = Interview
        fields = ["id", "application", "stage", "interviewer", "scheduled_at", "created_at"]


class RatingSerializer(_ReadOnly):
    class Meta:
        model = Rating
        fields = ["criterion", "score", "evidence", "shareable_note"]


class ScorecardSerializer(_ReadOnly):
    ratings = RatingSerializer(many=True, read_only=True)
    interviewer = serializers.IntegerField(source="interview.interviewer_id", read_only=True)
    stage = serializers.IntegerField(source="interview.stage_id", read_only=True)

    class Meta:
        model = Scorecard
        fields = [
            "id",
            "interview",
            "interviewer",
            "stage",
            "status",
            "recommendation",
            "summary",
            "submitted_at",
            "updated_at",
            "ratings",
        ]


class FeedbackPointSerializer(_ReadOnly):
    class Meta:
        model = FeedbackPoint
        fields = ["id", "criterion", "observation", "suggestion", "position"]


class DecisionSerializer(_ReadOnly):
    points = FeedbackPointSerializer(many=True, read_only=True)

    class Meta:
        model = Decision
        fields = ["id", "application", "stage", "outcome", "decided_by", "decided_at", "points"]


class LetterSerializer(_ReadOnly):
    class Meta:
        model = FeedbackLetter
        fields = [
            "id",
            "public_id",
            "application",
            "decision",
            "status",
            "subject",
            "body",
            "deadline",
            "reapply_on",
            "approved_by",
            "approved_at",
            "send_after",
            "sent_at",
            "attempts",
            "last_error",
            "created_at",
            "updated_at",
        ]


class LetterApproveSerializer(serializers.Serializer):
    send_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "When to send (ISO 8601 with a time zone), in the future and at most "
            f"{SEND_AT_MAX_AHEAD_DAYS} days ahead; default the next business morning."
        ),
    )
    override_reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the letter may go despite the quality check's blocking findings (audited).",
    )


class ReminderSerializer(_ReadOnly):
    class Meta:
        model = ReapplyReminder
        fields = [
            "id",
            "application",
            "candidate",
            "status",
            "opted_in_at",
            "send_after",
            "sent_at",
            "attempts",
            "created_at",
        ]


class RequestSerializer(_ReadOnly):
    class Meta:
        model = FeedbackRequest
        fields = [
            "id",
            "letter",
            "question",
            "status",
            "asked_at",
            "deadline",
            "answer",
            "answered_by",
            "answered_at",
            "send_after",
            "sent_at",
        ]
