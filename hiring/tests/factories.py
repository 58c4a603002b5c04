import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from candidates.tests.factories import CandidateFactory
from core import roles
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


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@staff.example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
        if create:
            self.save()


# get_or_create: a transactional test's flush removes the groups the data
# migration made, and later transactional tests still need them.
def _with_role(default: str):
    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if create:
            user.groups.add(Group.objects.get_or_create(name=extracted or default)[0])
            user.save()

    return role


class InterviewerFactory(UserFactory):
    role = _with_role(roles.INTERVIEWER)


class HiringManagerFactory(UserFactory):
    role = _with_role(roles.HIRING_MANAGER)


class HRFactory(UserFactory):
    role = _with_role(roles.HR)


class AdminFactory(UserFactory):
    """The Admin role: the Django admin, and no hiring role."""

    role = _with_role(roles.ADMIN)


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    title = factory.Sequence(lambda n: f"Backend Engineer {n}")
    team = "Platform"
    hiring_manager = factory.SubFactory(HiringManagerFactory)


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    job = factory.SubFactory(JobFactory)
    name = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(lambda n: n)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    stage = factory.SubFactory(StageFactory)
    name = factory.Sequence(lambda n: f"System design {n}")
    guidance = "Breaks the problem down, names trade-offs, handles failure cases."
    position = factory.Sequence(lambda n: n)


def job_with_pipeline(*, stages=("Resume review", "Phone screen", "Technical interview"), **kwargs) -> Job:
    """A job with the named stages, each with two criteria."""
    job = JobFactory(**kwargs)
    for position, name in enumerate(stages):
        stage = StageFactory(job=job, name=name, position=position)
        CriterionFactory(stage=stage, name=f"{name}: problem solving", position=0)
        CriterionFactory(stage=stage, name=f"{name}: communication", position=1)
    return job


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    candidate = factory.SubFactory(CandidateFactory)
    job = factory.SubFactory(JobFactory)
    current_stage = factory.LazyAttribute(lambda a: a.job.stages.order_by("position").first())


class InterviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interview

    application = factory.SubFactory(ApplicationFactory)
    stage = factory.LazyAttribute(lambda i: i.application.current_stage)
    interviewer = factory.SubFactory(InterviewerFactory)
    scheduled_at = factory.LazyFunction(timezone.now)


class ScorecardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scorecard

    interview = factory.SubFactory(InterviewFactory)


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    scorecard = factory.SubFactory(ScorecardFactory)
    criterion = factory.SubFactory(CriterionFactory)
    score = 2
    evidence = "Designed a fixed-window limiter without handling bursts at the boundary."


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    application = factory.SubFactory(ApplicationFactory)
    stage = factory.LazyAttribute(lambda d: d.application.current_stage)
    outcome = Decision.Outcome.ADVANCE
    decided_by = factory.SubFactory(InterviewerFactory)
    decided_at = factory.LazyFunction(timezone.now)


class FeedbackPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackPoint

    decision = factory.SubFactory(DecisionFactory, outcome=Decision.Outcome.NO_HIRE)
    criterion = factory.LazyAttribute(lambda p: p.decision.stage.criteria.first())
    observation = (
        "When asked to design the rate limiter you used a fixed window and did not say "
        "how bursts at the window boundary are handled."
    )
    suggestion = "Compare a sliding window or token bucket and say which trade-off you would pick."
