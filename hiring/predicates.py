"""Who may do what in hiring: the one home of these rules.

Views ask them to guard a page or show a button (templates get the answers through the view's
context, e.g. ``can_decide``, ``can_assign``), and services ask the same functions before they
write, so a rule changed here changes everywhere at once. Each answers True or False for the
objects given and never raises; the refusal (404, a 403 page, or an error written for a person)
is the caller's.

Pass what you have loaded (``interviews=``, ``sees_others=``) to answer without a query.
Querysets that must list only what a user may see (``hiring.selectors``) use the role names
defined here (``INTERVIEWING_ROLES``) or filter their rows through these predicates.
"""

from core import roles
from hiring.models import Application, Interview, Job, Scorecard

# Who can sit on an interview panel (and so be assigned interviews).
INTERVIEWING_ROLES = (roles.INTERVIEWER, roles.HIRING_MANAGER)


# --- Jobs, pipelines, applications, panels ------------------------------------------------------


def can_manage_jobs(user) -> bool:
    """Create and edit jobs, their stages and criteria, and see the jobs pages: HR."""
    return roles.is_hr(user)


def can_open_application(user, *, source: str = Application.Source.HR) -> bool:
    """Open an application, by hand or by CSV import: HR.

    ``user`` None is the candidate themselves, reapplying through their signed link (there is
    no staff user); that is allowed for ``source`` ``reapply`` only.
    """
    if user is None:
        return source == Application.Source.REAPPLY
    return roles.is_hr(user)


def can_assign_interviewers(user) -> bool:
    """Put interviewers on an application's panel (with a reason, someone who met the candidate
    before): HR."""
    return roles.is_hr(user)


def can_change_interview(user, application: Application) -> bool:
    """Un-assign an interviewer from, or reschedule, one of the application's interviews: HR,
    and the job's hiring manager (who owns the job's panels day to day)."""
    if user is None or not user.is_authenticated:
        return False
    return roles.is_hr(user) or (user.pk is not None and application.job.hiring_manager_id == user.pk)


def can_withdraw_decision(user) -> bool:
    """Withdraw a decision recorded by mistake (before its letter is approved): HR."""
    return user is not None and user.is_authenticated and roles.is_hr(user)


def can_interview(user) -> bool:
    """An active interviewer or hiring manager (``selectors.assignable_interviewers`` lists them)."""
    return user.is_active and bool(set(INTERVIEWING_ROLES) & roles.role_names(user))


# --- Scorecards ---------------------------------------------------------------------------------


def can_write_scorecard(user, interview: Interview) -> bool:
    """Only the interviewer writes the scorecard of their interview."""
    return user is not None and user.pk is not None and user.pk == interview.interviewer_id


def sees_all_scorecards(user, job: Job) -> bool:
    """HR and the job's hiring manager read every submitted scorecard of the job, any time."""
    return roles.is_hr(user) or (user.pk is not None and job.hiring_manager_id == user.pk)


def can_see_others_scorecards(user, application: Application, *, interviews=None) -> bool:
    """May this user read the other interviewers' submitted scorecards of the application?

    Those who see all (``sees_all_scorecards``) may. An interviewer may once every one of their
    own interviews in the application has a submitted scorecard, so nobody anchors on a
    colleague's opinion before writing their own; someone with no interview in it may not.
    ``interviews``: every interview of the application with its scorecard loaded
    (``selectors.application_interviews``), to decide without a query.
    """
    if sees_all_scorecards(user, application.job):
        return True
    if interviews is not None:
        own = [i for i in interviews if i.interviewer_id == user.pk]
        if not own:
            return False
        return all(
            getattr(i, "scorecard", None) is not None and i.scorecard.status == Scorecard.Status.SUBMITTED
            for i in own
        )
    own = Interview.objects.filter(application=application, interviewer=user)
    if not own.exists():
        return False
    return not own.exclude(scorecard__status=Scorecard.Status.SUBMITTED).exists()


def can_see_scorecard(user, scorecard: Scorecard, *, sees_others: bool | None = None) -> bool:
    """One scorecard: its own interviewer always (draft or submitted); anyone else only once it
    is submitted, and only if ``can_see_others_scorecards``.

    ``sees_others``: that answer for the scorecard's application, if the caller has it (else it
    is asked, which reads ``scorecard.interview.application``).
    """
    if scorecard.interview.interviewer_id == user.pk:
        return True
    if scorecard.status != Scorecard.Status.SUBMITTED:
        return False
    if sees_others is None:
        sees_others = can_see_others_scorecards(user, scorecard.interview.application)
    return sees_others


# --- Decisions ----------------------------------------------------------------------------------


def can_decide(user, application: Application, *, interviews=None) -> bool:
    """May this user record the decision of the application's current stage?

    An interviewer of the current stage or the job's hiring manager, on an open application
    with a current stage. HR may not unless they are one of those: the decision (and the
    letter's signature) belongs to someone who assessed the candidate. Whether the current stage
    was decided already is a question of state, not of who, and is left to the caller.
    ``interviews``: every interview of the application, if loaded already.
    """
    if not user.is_authenticated or not application.is_open or application.current_stage_id is None:
        return False
    if application.job.hiring_manager_id == user.pk:
        return True
    if interviews is not None:
        return any(
            i.stage_id == application.current_stage_id and i.interviewer_id == user.pk for i in interviews
        )
    return Interview.objects.filter(
        application=application, stage_id=application.current_stage_id, interviewer=user
    ).exists()
