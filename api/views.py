"""The API's endpoints: thin views over the apps' selectors and services.

Every list and object comes from the selector the app's own pages use
(``jobs_for_hr``, ``candidates_for_hr``, ``applications_visible_to``, ``letters_visible_to``,
``requests_routed_to``, ``scorecards_visible_to``…), applied to the acting user (the token's
``acting_user``, or the signed-in user), then narrowed to the token's jobs when it is limited to
some. Writes call the apps' services (which check the role again), after validating input with
the same forms the pages use; each write also leaves an ``api.<verb>`` audit row naming the
token (``api.services.api_write_audit``). Anything not visible answers 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api import serializers as s
from api.filters import (
    MAX_ID,
    ApplicationFilter,
    CandidateFilter,
    DecisionFilter,
    InterviewFilter,
    JobFilter,
    LetterFilter,
    ReminderFilter,
    RequestFilter,
)
from api.idempotency import IdempotentPostMixin
from api.models import ApiToken
from api.services import api_write_audit
from candidates import selectors as candidate_selectors
from candidates import services as candidate_services
from candidates.forms import CandidateForm
from candidates.models import Candidate
from core.models import AuditEvent
from feedback.letters import selectors as letter_selectors
from feedback.letters import services as letter_services
from feedback.models import FeedbackLetter, FeedbackRequest, ReapplyReminder
from feedback.requests import selectors as request_selectors
from hiring import predicates
from hiring import selectors as hiring_selectors
from hiring.forms import JobForm
from hiring.models import Application, Criterion, Decision, FeedbackPoint, Interview, Job, Stage
from hiring.services import applications as application_services
from hiring.services import jobs as job_services


def _form_errors(form) -> serializers.ValidationError:
    errors = {("non_field_errors" if f == "__all__" else f): list(m) for f, m in form.errors.items()}
    return serializers.ValidationError(errors)


class ApiViewSet(IdempotentPostMixin, viewsets.GenericViewSet):
    """Base of every resource: the acting user's selector, narrowed to the token's jobs."""

    # The path from the resource to its job, for tokens limited to some jobs.
    job_path = "job"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        pk = kwargs.get("pk")
        if pk is not None and not (pk.isascii() and pk.isdigit() and 0 < int(pk) <= MAX_ID):
            raise NotFound("No such object: ids are whole numbers.")

    def token_job_ids(self) -> list[int] | None:
        """The ids of the jobs the request's token is limited to, or None (all jobs)."""
        token = self.request.auth
        if not isinstance(token, ApiToken) or token.all_jobs:
            return None
        if not hasattr(self, "_token_job_ids"):
            self._token_job_ids = list(token.jobs.values_list("pk", flat=True))
        return self._token_job_ids

    def narrow(self, queryset: QuerySet) -> QuerySet:
        ids = self.token_job_ids()
        if ids is None:
            return queryset
        return queryset.filter(**{f"{self.job_path}__in": ids})

    def visible(self) -> QuerySet:  # pragma: no cover - every resource defines it
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return self.narrow(self.visible())


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Jobs with their stages and criteria (HR: ``hiring.selectors.jobs_for_hr``)."""

    serializer_class = s.JobSerializer
    filterset_class = JobFilter
    job_path = "pk"
    queryset = Job.objects.none()  # for the schema generator only

    def visible(self):
        return hiring_selectors.jobs_for_hr(self.request.user).prefetch_related(
            Prefetch(
                "stages",
                queryset=Stage.objects.order_by("position").prefetch_related(
                    Prefetch("criteria", queryset=Criterion.objects.order_by("position", "id"))
                ),
            )
        )

    @extend_schema(request=s.JobCreateSerializer, responses={201: s.JobSerializer})
    def create(self, request):
        """Create a job (HR; not with a token limited to some jobs), validated like the job form."""
        if not predicates.can_manage_jobs(request.user):
            raise PermissionDenied("Only HR can create jobs.")
        if self.token_job_ids() is not None:
            raise PermissionDenied("A token limited to some jobs cannot create jobs.")
        data = s.JobCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        form = JobForm(data=data.validated_data)
        if not form.is_valid():
            raise _form_errors(form)
        job = job_services.job_create(by=request.user, **form.cleaned_data)
        api_write_audit(request=request, verb="job.create", target=job)
        return Response(
            s.JobSerializer(self.get_queryset().get(pk=job.pk)).data, status=status.HTTP_201_CREATED
        )


class CandidateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Candidates (HR: ``candidates.selectors.candidates_for_hr``; erased ones are not listed)."""

    queryset = Candidate.objects.none()  # for the schema generator only
    serializer_class = s.CandidateSerializer
    filterset_class = CandidateFilter

    def narrow(self, queryset):
        ids = self.token_job_ids()
        if ids is None:
            return queryset
        with_jobs = Application.objects.filter(job__in=ids).values("candidate_id")
        return queryset.filter(pk__in=with_jobs)

    def visible(self):
        return candidate_selectors.candidates_for_hr(self.request.user)

    @extend_schema(request=s.CandidateCreateSerializer, responses={201: s.CandidateSerializer})
    def create(self, request):
        """Add a candidate (HR), validated like the add form; emails are unique."""
        data = s.CandidateCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        form = CandidateForm(data=data.validated_data)
        if not form.is_valid():
            raise _form_errors(form)
        candidate = candidate_services.candidate_create(by=request.user, **form.cleaned_data)
        api_write_audit(request=request, verb="candidate.create", target=candidate)
        return Response(s.CandidateSerializer(candidate).data, status=status.HTTP_201_CREATED)


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Applications the acting user may see (``hiring.selectors.applications_visible_to``)."""

    queryset = Application.objects.none()  # for the schema generator only
    serializer_class = s.ApplicationSerializer
    filterset_class = ApplicationFilter

    def visible(self):
        return hiring_selectors.applications_visible_to(self.request.user)

    @extend_schema(request=s.ApplicationCreateSerializer, responses={201: s.ApplicationSerializer})
    def create(self, request):
        """Open an application at the job's first stage (HR; ``application_open``: one open
        application per candidate and job, the reapply cool-down unless ``override_reason``)."""
        if not predicates.can_open_application(request.user):
            raise PermissionDenied("Only HR can open applications.")
        data = s.ApplicationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = request.user
        # A candidate the token may see: any HR may see, or for a token limited to some jobs one
        # with an application on its jobs or one this token added itself (nothing else, so that
        # ids cannot be tried one by one to read other jobs' candidates). The job must be one
        # the token may see.
        candidate_id = data.validated_data["candidate"]
        try:
            candidate = candidate_selectors.candidate_for_hr(user, candidate_id)
        except Http404:
            candidate = None
        if candidate is not None and self.token_job_ids() is not None:
            if not (
                CandidateViewSet.narrow(self, Candidate.objects.filter(pk=candidate_id)).exists()
                or AuditEvent.objects.filter(
                    verb="api.candidate.create",
                    target_type="candidates.candidate",
                    target_id=candidate_id,
                    data__token_id=request.auth.pk,
                ).exists()
            ):
                candidate = None
        if candidate is None:
            raise serializers.ValidationError({"candidate": ["No candidate with this id."]})
        job = (
            self.narrow_jobs(hiring_selectors.jobs_for_hr(user)).filter(pk=data.validated_data["job"]).first()
        )
        if job is None:
            raise serializers.ValidationError({"job": ["No job with this id."]})
        application = application_services.application_open(
            candidate=candidate, job=job, by=user, override_reason=data.validated_data["override_reason"]
        )
        api_write_audit(request=request, verb="application.open", target=application)
        return Response(s.ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)

    def narrow_jobs(self, queryset):
        ids = self.token_job_ids()
        return queryset if ids is None else queryset.filter(pk__in=ids)

    @extend_schema(responses={200: s.ScorecardSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def scorecards(self, request, pk=None):
        """The application's scorecards the acting user may read (``scorecards_visible_to``:
        their own, and others' submitted ones once allowed), in stage order."""
        application = self._application(pk)
        cards = hiring_selectors.scorecards_visible_to(request.user, application)
        return Response(s.ScorecardSerializer(cards, many=True).data)

    def _application(self, pk) -> Application:
        application = hiring_selectors.application_for(self.request.user, pk)
        ids = self.token_job_ids()
        if ids is not None and application.job_id not in ids:
            raise Http404
        return application


class InterviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The interviews of the applications the acting user may see (their panels, as on the
    application page)."""

    queryset = Interview.objects.none()  # for the schema generator only
    serializer_class = s.InterviewSerializer
    filterset_class = InterviewFilter
    job_path = "application__job"

    def visible(self):
        applications = hiring_selectors.applications_visible_to(self.request.user)
        return Interview.objects.filter(application__in=applications.values("pk"))


class DecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Decisions, with their feedback points, of the applications the acting user may see."""

    queryset = Decision.objects.none()  # for the schema generator only
    serializer_class = s.DecisionSerializer
    filterset_class = DecisionFilter
    job_path = "application__job"

    def visible(self):
        applications = hiring_selectors.applications_visible_to(self.request.user)
        return Decision.objects.filter(application__in=applications.values("pk")).prefetch_related(
            Prefetch("points", queryset=FeedbackPoint.objects.order_by("position", "id"))
        )


class LetterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Feedback letters (HR: ``feedback.letters.selectors.letters_visible_to``); approve and
    cancel through ``letter_approve`` and ``letter_cancel``."""

    queryset = FeedbackLetter.objects.none()  # for the schema generator only
    serializer_class = s.LetterSerializer
    filterset_class = LetterFilter
    job_path = "application__job"

    def visible(self):
        return letter_selectors.letters_visible_to(self.request.user)

    @extend_schema(request=s.LetterApproveSerializer, responses={200: s.LetterSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve and schedule the letter (``letter_approve``): refused (400, with the findings)
        while the quality check blocks it and no ``override_reason`` is given; 409 unless it is a
        draft or in review."""
        letter = self.get_object()
        data = s.LetterApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        send_at = data.validated_data["send_at"]
        if send_at is not None:
            problem = letter_services.send_time_problem(send_at)
            if problem:
                raise serializers.ValidationError({"send_at": [problem]})
        letter = letter_services.letter_approve(
            letter=letter,
            by=request.user,
            send_at=send_at,
            override_reason=data.validated_data["override_reason"],
        )
        api_write_audit(request=request, verb="letter.approve", target=letter)
        return Response(s.LetterSerializer(letter).data)

    @extend_schema(request=None, responses={200: s.LetterSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Stop a scheduled letter and put it back in review (``letter_cancel``); 409 once it has
        started sending or unless it is scheduled."""
        letter = self.get_object()
        letter = letter_services.letter_cancel(letter=letter, by=request.user)
        api_write_audit(request=request, verb="letter.cancel", target=letter)
        return Response(s.LetterSerializer(letter).data)


class ReminderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Reapply reminders (HR, as on the letter pages: ``can_review_letters``)."""

    queryset = ReapplyReminder.objects.none()  # for the schema generator only
    serializer_class = s.ReminderSerializer
    filterset_class = ReminderFilter
    job_path = "application__job"

    def visible(self):
        if not letter_selectors.can_review_letters(self.request.user):
            return ReapplyReminder.objects.none()
        return ReapplyReminder.objects.all()


class RequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Requests for more detail: HR sees all (``requests_for_review``), others those routed to
    them (``requests_routed_to``: they made the decision or manage the job)."""

    queryset = FeedbackRequest.objects.none()  # for the schema generator only
    serializer_class = s.RequestSerializer
    filterset_class = RequestFilter
    job_path = "letter__application__job"

    def visible(self):
        user = self.request.user
        if request_selectors.can_review_requests(user):
            return request_selectors.requests_for_review()
        return request_selectors.requests_routed_to(user)
