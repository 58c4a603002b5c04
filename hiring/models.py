from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

# Text limits that fit real use (a long job advert is ~10,000 characters); the forms show the
# same limits, and the model refuses more in full_clean().
DESCRIPTION_MAX_LENGTH = 20_000
GUIDANCE_MAX_LENGTH = 2_000
OVERRIDE_REASON_MAX_LENGTH = 2_000


class Job(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    team = models.CharField(max_length=120, blank=True)
    description = models.TextField(
        blank=True, max_length=DESCRIPTION_MAX_LENGTH, validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)]
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    hiring_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_jobs",
    )
    reapply_cooldown_days = models.PositiveIntegerField(
        default=182,
        validators=[MinValueValidator(0), MaxValueValidator(3650)],
        help_text="Days after a no-hire before the candidate may apply again.",
    )
    feedback_deadline_days = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Business days from a no-hire decision to the letter being sent.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(reapply_cooldown_days__lte=3650), name="job_cooldown_range"),
            models.CheckConstraint(
                condition=Q(feedback_deadline_days__gte=1, feedback_deadline_days__lte=60),
                name="job_deadline_range",
            ),
        ]
        indexes = [models.Index(fields=["status", "team"], name="job_status_team_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("hiring:job_detail", args=[self.pk])


class Stage(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField()
    # How many separate interviews make up this stage (an onsite may be 4).
    interviews_planned = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="stage_position_unique"),
            models.CheckConstraint(
                condition=Q(interviews_planned__gte=1), name="stage_interviews_planned_min"
            ),
        ]

    def __str__(self):
        return self.name


class Criterion(models.Model):
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=120)
    guidance = models.TextField(
        "what good looks like",
        blank=True,
        max_length=GUIDANCE_MAX_LENGTH,
        validators=[MaxLengthValidator(GUIDANCE_MAX_LENGTH)],
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["stage", "position", "id"]
        verbose_name_plural = "criteria"

    def __str__(self):
        return self.name


class Application(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "In progress"
        HIRED = "hired", "Hired"
        REJECTED = "rejected", "Not hired"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Source(models.TextChoices):
        HR = "hr", "Added by HR"
        IMPORT = "import", "Imported"
        REAPPLY = "reapply", "Reapplication"

    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.PROTECT, related_name="applications"
    )
    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    current_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reapplications"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.HR)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A reapplication link used twice must not create two applications.
            models.UniqueConstraint(
                fields=["previous"],
                condition=Q(previous__isnull=False),
                name="one_reapplication_per_application",
            ),
            models.CheckConstraint(
                condition=Q(status="active", closed_at__isnull=True)
                | (~Q(status="active") & Q(closed_at__isnull=False)),
                name="application_closed_at_matches_status",
            ),
        ]
        indexes = [
            models.Index(fields=["job", "status"], name="application_job_status_idx"),
            models.Index(fields=["candidate", "-created_at"], name="application_candidate_idx"),
        ]

    def __str__(self):
        return f"{self.candidate} for {self.job}"

    def get_absolute_url(self):
        return reverse("hiring:application_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.ACTIVE


class Interview(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="interviews")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="interviews")
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interviews"
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    # Set when HR assigns someone who interviewed this candidate before (audited).
    panel_override_reason = models.TextField(
        blank=True,
        max_length=OVERRIDE_REASON_MAX_LENGTH,
        validators=[MaxLengthValidator(OVERRIDE_REASON_MAX_LENGTH)],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheduled_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "stage", "interviewer"], name="interview_unique_panelist"
            ),
        ]
        indexes = [
            models.Index(fields=["interviewer", "scheduled_at"], name="interview_interviewer_idx"),
        ]

    def __str__(self):
        return f"{self.stage} with {self.interviewer}"


class Scorecard(models.Model):
    class Recommendation(models.TextChoices):
        STRONG_NO = "strong_no", "Strong no"
        NO = "no", "No"
        YES = "yes", "Yes"
        STRONG_YES = "strong_yes", "Strong yes"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    interview = models.OneToOneField(Interview, on_delete=models.CASCADE, related_name="scorecard")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    recommendation = models.CharField(max_length=10, choices=Recommendation.choices, blank=True)
    summary = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(status="submitted") & Q(submitted_at__isnull=False) & ~Q(recommendation="")),
                name="scorecard_submitted_complete",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="scorecard_status_idx")]

    def __str__(self):
        return f"Scorecard for {self.interview}"

    @property
    def locked(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Rating(models.Model):
    """One criterion's rating and evidence on a scorecard."""

    class Score(models.IntegerChoices):
        STRONG_NO = 1, "1 – Strong no"
        NO = 2, "2 – No"
        YES = 3, "3 – Yes"
        STRONG_YES = 4, "4 – Strong yes"

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="ratings")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="ratings")
    score = models.PositiveSmallIntegerField(
        choices=Score.choices,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    evidence = models.TextField("what the candidate said or did", blank=True)
    shareable_note = models.TextField("note that may be shared with the candidate", blank=True)

    class Meta:
        ordering = ["criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "criterion"], name="rating_unique_criterion"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=4),
                name="rating_score_1_to_4",
            ),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.score}"


class CurrentDecisionManager(models.Manager):
    """Decisions that stand: withdrawn ones (recorded by mistake, ``withdrawn_at`` set) are left out.

    The default manager, so every read through ``Decision.objects`` and ``application.decisions``
    ignores a withdrawn decision. ``Decision.all_objects`` reads every row (audit, erasure);
    a letter's ``letter.decision`` still reaches its withdrawn decision (the base manager)."""

    def get_queryset(self):
        return super().get_queryset().filter(withdrawn_at__isnull=True)


class Decision(models.Model):
    class Outcome(models.TextChoices):
        ADVANCE = "advance", "Advance to the next stage"
        HIRE = "hire", "Hire"
        NO_HIRE = "no_hire", "No hire"

    FINAL = (Outcome.HIRE, Outcome.NO_HIRE)

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="decisions"
    )
    decided_at = models.DateTimeField()
    # Set when HR withdraws a decision recorded by mistake (hiring.services.decision_changes):
    # the row stays for the record and its letter (cancelled), and the stage may be decided again.
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    all_objects = models.Manager()
    objects = CurrentDecisionManager()

    class Meta:
        ordering = ["decided_at", "id"]
        get_latest_by = "decided_at"
        base_manager_name = "all_objects"
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(outcome__in=["hire", "no_hire"], withdrawn_at__isnull=True),
                name="one_final_decision_per_application",
            ),
            models.UniqueConstraint(
                fields=["application", "stage"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_decision_per_stage",
            ),
        ]
        indexes = [
            models.Index(fields=["outcome", "decided_at"], name="decision_outcome_idx"),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} at {self.stage}"

    @property
    def is_final(self) -> bool:
        return self.outcome in self.FINAL


class FeedbackPoint(models.Model):
    """A specific point of a no-hire: what was observed, and what would have been stronger."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="points")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="feedback_points")
    observation = models.TextField("what the candidate said or did")
    suggestion = models.TextField("what would have been stronger")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["decision", "position", "id"]

    def __str__(self):
        return f"{self.criterion}: {self.observation[:40]}"
