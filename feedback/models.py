import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.languages import organisation_language, validate_shipped_language
from feedback.placeholders import validate_template
from outbox.models import Deliverable, DeliveryStatus

# A letter template's text or HTML: a long letter with its layout fits many times over.
TEMPLATE_BODY_MAX_LENGTH = 20_000


class LetterTemplate(models.Model):
    """Subject, text and HTML of feedback letters, with {named} placeholders.

    The text template drafts each letter; HR edits the draft; the HTML template
    lays the edited letter out for HTML mail, where ``{letter}`` is the letter.
    """

    name = models.CharField(max_length=120, unique=True)
    subject = models.CharField(max_length=200)
    body_text = models.TextField(
        max_length=TEMPLATE_BODY_MAX_LENGTH, validators=[MaxLengthValidator(TEMPLATE_BODY_MAX_LENGTH)]
    )
    body_html = models.TextField(
        max_length=TEMPLATE_BODY_MAX_LENGTH, validators=[MaxLengthValidator(TEMPLATE_BODY_MAX_LENGTH)]
    )
    # The language it is written in (a code of settings.LANGUAGES): a letter to a candidate is
    # drafted from a template of their language, else of the organisation's (docs/languages.md).
    language = models.CharField(
        max_length=16, default=organisation_language, validators=[validate_shipped_language]
    )
    # The default template of its language (one per language).
    is_default = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-is_default", "language", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["language"], condition=Q(is_default=True), name="one_default_template_per_language"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        # An unknown placeholder is refused here (forms and admin), not when a letter is sent.
        validate_template(subject=self.subject, body_text=self.body_text, body_html=self.body_html)


class FeedbackLetter(Deliverable):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        SCHEDULED = "scheduled", "Approved, scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        # The server may have it: sent once, not resent without HR (outbox.models.DeliveryStatus).
        UNKNOWN = "unknown", "Unknown: may have been received"

    EDITABLE = (Status.DRAFT, Status.IN_REVIEW)

    # Names the letter in signed links and Message-IDs: no personal data.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    decision = models.OneToOneField("hiring.Decision", on_delete=models.PROTECT, related_name="letter")
    application = models.ForeignKey("hiring.Application", on_delete=models.PROTECT, related_name="letters")
    template = models.ForeignKey(
        LetterTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="letters"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    deadline = models.DateTimeField(help_text="The letter must be sent by then.")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.TextField(blank=True)
    # The first day the candidate may apply again, as the letter's text gives it: set when
    # drafted, fixed when approved. Once approved, it is the date every candidate page,
    # calendar file, reminder and the reapply form honour, whatever the job's cool-down
    # becomes (feedback.letters.progress.letter_reapply_on).
    reapply_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The quality check's stored result, so that the queue and bulk approval need not check
    # every letter again (feedback.letters.findings). ``check_key`` is a hash of everything
    # the result depends on: subject, body, the decision's points, the candidate's names, the
    # phrase lists' version, HR's active phrases, the classifier's model version and the
    # languages checked. The result is used only while the key computed from the letter's
    # *current* content is the same, so a change by any path (service, admin, raw SQL, a
    # bulk load) is seen and the letter checked again. Empty key / null counts: not checked.
    check_key = models.CharField(max_length=64, blank=True, default="", editable=False)
    check_blocking = models.PositiveIntegerField(null=True, blank=True, editable=False)
    check_advisory = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Languages parts of the letter were not checked in ("German"), as the editor lists them.
    check_not_checked = models.CharField(max_length=120, blank=True, default="", editable=False)

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [
            # The send sweep reads only scheduled rows, by due time.
            models.Index(fields=["send_after"], condition=Q(status="scheduled"), name="letter_due_idx"),
            # The HR queue (and the HR home's next letters), read in order.
            models.Index(
                fields=["deadline", "id"],
                condition=Q(status__in=["draft", "in_review", "scheduled", "failed"]),
                name="letter_queue_idx",
            ),
            models.Index(fields=["status", "deadline"], name="letter_status_deadline_idx"),
            models.Index(fields=["claimed_until"], condition=Q(status="sending"), name="letter_sending_idx"),
        ]

    def __str__(self):
        return f"Letter #{self.pk}"

    def get_absolute_url(self):
        return reverse("feedback:letter_edit", args=[self.pk])

    @property
    def editable(self) -> bool:
        return self.status in self.EDITABLE


class ReapplyReminder(Deliverable):
    """ "Remind me when I can reapply": a row due on the reapply date."""

    application = models.OneToOneField(
        "hiring.Application", on_delete=models.CASCADE, related_name="reapply_reminder"
    )
    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.CASCADE, related_name="reapply_reminders"
    )
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.SCHEDULED)
    opted_in_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["send_after"], condition=Q(status="scheduled"), name="reminder_due_idx"),
            models.Index(
                fields=["claimed_until"], condition=Q(status="sending"), name="reminder_sending_idx"
            ),
            # HR's list of reminders that failed or may not have arrived (a few rows of millions).
            models.Index(
                fields=["id"], condition=Q(status__in=["failed", "unknown"]), name="reminder_attention_idx"
            ),
        ]

    def __str__(self):
        return f"Reminder #{self.pk}"


class FeedbackRequest(Deliverable):
    """A candidate's request for more detail, answered by the decider, reviewed by HR."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the decider"
        IN_REVIEW = "in_review", "Answered, in HR review"
        SCHEDULED = "scheduled", "Approved, scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        UNKNOWN = "unknown", "Unknown: may have been received"

    letter = models.ForeignKey(FeedbackLetter, on_delete=models.CASCADE, related_name="requests")
    question = models.TextField(max_length=2000)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    asked_at = models.DateTimeField()
    deadline = models.DateTimeField()
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    override_reason = models.TextField(blank=True)
    decider_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["send_after"], condition=Q(status="scheduled"), name="request_due_idx"),
            models.Index(fields=["status", "deadline"], name="request_status_deadline_idx"),
        ]

    def __str__(self):
        return f"Request #{self.pk}"


class LateDigest(Deliverable):
    """One morning digest of candidates waiting past a deadline: to HR, or to one decider, per local day.

    Sent by the outbox (kind ``digest``, feedback/digest.py); the row is the record
    that it went out. Its message is built when it is sent, from what is late then.
    """

    # Empty: HR's digest (to CANDOR_HR_EMAIL); else the decider it is for.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(help_text="The organisation's local day the digest is for.")
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.SCHEDULED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "id"]
        constraints = [
            # Once a day per recipient: a second run the same day creates nothing.
            models.UniqueConstraint(fields=["user", "day"], name="late_digest_once_a_day"),
            models.UniqueConstraint(
                fields=["day"], condition=Q(user__isnull=True), name="late_digest_hr_once_a_day"
            ),
        ]
        indexes = [
            models.Index(fields=["send_after"], condition=Q(status="scheduled"), name="digest_due_idx"),
            models.Index(fields=["claimed_until"], condition=Q(status="sending"), name="digest_sending_idx"),
        ]

    def __str__(self):
        return f"Digest #{self.pk} ({self.day}, {self.recipient_key})"

    @property
    def recipient_key(self) -> str:
        """``hr``, or ``u<user id>``: names the recipient without personal data."""
        return "hr" if self.user_id is None else f"u{self.user_id}"

    @property
    def message_id_token(self) -> str:
        """The day and the recipient key: the token of its Message-ID (outbox.message_ids)."""
        return f"{self.day.isoformat()}.{self.recipient_key}"


class CandidateRating(models.Model):
    """How useful the candidate found the feedback (1-5), one per letter."""

    letter = models.OneToOneField(FeedbackLetter, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="candidate_rating_1_to_5"),
        ]

    def __str__(self):
        return f"{self.score}/5"


class ReapplyAnswer(models.Model):
    """On reapplying: what the candidate worked on since, against one earlier point."""

    application = models.ForeignKey(
        "hiring.Application", on_delete=models.CASCADE, related_name="reapply_answers"
    )
    point = models.ForeignKey("hiring.FeedbackPoint", null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(max_length=4000)

    class Meta:
        ordering = ["point__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "point"], name="reapply_answer_unique"),
        ]

    def __str__(self):
        return self.text[:40]


class Phrase(models.Model):
    """A phrase list entry that extends the built-in quality check (admin-editable)."""

    class Category(models.TextChoices):
        BOILERPLATE = "boilerplate", "Boilerplate"
        PERSONAL_ATTRIBUTE = "personal_attribute", "Personal attribute"

    category = models.CharField(max_length=24, choices=Category.choices)
    pattern = models.CharField(
        max_length=200,
        help_text="Words to flag. Matched case-insensitively on word boundaries; "
        "use * for any word ending (e.g. 'old-school*').",
    )
    message = models.CharField(max_length=300)
    suggestion = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category", "pattern"]
        constraints = [
            models.UniqueConstraint(fields=["category", "pattern"], name="phrase_unique"),
        ]

    def __str__(self):
        return self.pattern
