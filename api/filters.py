"""Filters of the API's lists (django-filter): by status, and by time.

``updated_after`` / ``updated_before`` (ISO 8601) compare with the object's ``updated_at``
where it has one; interviews, decisions, reminders and requests have no update time and are
filtered by the time they were made (``created_*``, ``decided_*``, ``asked_*``).
"""

import datetime as dt

import django_filters as filters
from django import forms
from django_filters.fields import IsoDateTimeField

from candidates.models import Candidate
from feedback.models import FeedbackLetter, FeedbackRequest, ReapplyReminder
from hiring.models import Application, Decision, Interview, Job
from outbox.models import DeliveryStatus

# Ids fit a 32-bit integer column on every database; larger numbers name nothing.
MAX_ID = 2**31 - 1


class IdFilter(filters.Filter):
    """An object's id: a whole number from 1 to ``MAX_ID`` (else 400 on this field)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, turned into UTC here: every database takes it then (PostgreSQL refuses
    offsets beyond ±15:59), and a time that leaves the calendar in UTC is bad input (400)."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError("Give a time between the years 1 and 9999.") from None


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


def _after(field: str) -> filters.IsoDateTimeFilter:
    """At or after an ISO 8601 time (with its offset; without one, the organisation's zone)."""
    return UtcIsoDateTimeFilter(field_name=field, lookup_expr="gte")


def _before(field: str) -> filters.IsoDateTimeFilter:
    """Strictly before an ISO 8601 time."""
    return UtcIsoDateTimeFilter(field_name=field, lookup_expr="lt")


class JobFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Job.Status.choices)
    updated_after = _after("updated_at")
    updated_before = _before("updated_at")

    class Meta:
        model = Job
        fields = ["status"]


class CandidateFilter(filters.FilterSet):
    updated_after = _after("updated_at")
    updated_before = _before("updated_at")

    class Meta:
        model = Candidate
        fields = []


class ApplicationFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Application.Status.choices)
    job = IdFilter(field_name="job_id")
    candidate = IdFilter(field_name="candidate_id")
    updated_after = _after("updated_at")
    updated_before = _before("updated_at")

    class Meta:
        model = Application
        fields = ["status", "job", "candidate"]


class InterviewFilter(filters.FilterSet):
    application = IdFilter(field_name="application_id")
    created_after = _after("created_at")
    created_before = _before("created_at")

    class Meta:
        model = Interview
        fields = ["application"]


class DecisionFilter(filters.FilterSet):
    outcome = filters.ChoiceFilter(choices=Decision.Outcome.choices)
    application = IdFilter(field_name="application_id")
    decided_after = _after("decided_at")
    decided_before = _before("decided_at")

    class Meta:
        model = Decision
        fields = ["outcome", "application"]


class LetterFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=FeedbackLetter.Status.choices)
    application = IdFilter(field_name="application_id")
    updated_after = _after("updated_at")
    updated_before = _before("updated_at")

    class Meta:
        model = FeedbackLetter
        fields = ["status", "application"]


class ReminderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=DeliveryStatus.choices)
    created_after = _after("created_at")
    created_before = _before("created_at")

    class Meta:
        model = ReapplyReminder
        fields = ["status"]


class RequestFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=FeedbackRequest.Status.choices)
    asked_after = _after("asked_at")
    asked_before = _before("asked_at")

    class Meta:
        model = FeedbackRequest
        fields = ["status"]
