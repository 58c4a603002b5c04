"""CSV import of candidates and their applications: parse and check, preview, apply.

The whole flow lives here because it is one write: ``plan_import`` is the check that
``applications_import`` runs again before it writes, and the signed token (``sign``/``unsign``)
carries exactly the previewed text from the preview to the confirmation.

Columns (header row required, any order, case-insensitive, ``_`` or a space between words):
name, email, job, and optionally phone, time zone, preferred name and language (a code of
``settings.LANGUAGES``; empty: ``settings.LANGUAGE_CODE``). ``job`` is the job's number (its
id, shown on the jobs page) or its exact title. The import is all or nothing: any error imports
no row. Re-importing a file changes nothing: a candidate is found by email
(``candidates.emails.normalise_email``: case and Unicode forms do not matter) and reused as is,
and an open application to the same job is not opened twice.

The reapply cool-down holds here too: a row whose candidate was not hired for that job and whose
cool-down has not ended is refused, with the date it ends, and nothing is imported until HR
either gives a reason to open it anyway (audited by ``application_open``) or leaves the row out
(``applications_import(overrides=..., removed=...)``).
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from candidates.emails import normalise_email, tidy_email, validate_email_address
from candidates.models import Candidate, default_language
from candidates.services import candidate_create
from candidates.validators import validate_time_zone
from core.audit import audit_record
from hiring import predicates
from hiring.cooldowns import Cooldown, active_cooldowns
from hiring.models import Application, Job
from hiring.services.applications import OVERRIDE_REASON_MAX_LENGTH, application_open
from hiring.services.errors import HiringError

MAX_BYTES = 1_000_000
MAX_ROWS = 5000
REQUIRED = ("name", "email", "job")
OPTIONAL = ("phone", "time zone", "preferred name", "language")
SIGNING_SALT = "candor.hiring.import"
# The preview is confirmed within this time, or uploaded again.
TOKEN_MAX_AGE = 3600


@dataclass
class Row:
    line: int
    name: str
    email: str
    phone: str
    time_zone: str
    preferred_name: str = ""
    language: str = ""
    job: Job | None = None
    candidate: Candidate | None = None
    has_open_application: bool = False
    # The candidate's reapply cool-down for this job, when it has not ended: HR decides.
    cooldown: Cooldown | None = None
    override_reason: str = ""
    removed: bool = False
    # Why HR's decision on a cool-down row is missing or not acceptable.
    problem: str = ""

    @property
    def new_candidate(self) -> bool:
        return self.candidate is None

    @property
    def new_application(self) -> bool:
        """Whether importing opens an application for this row (as things stand)."""
        if self.has_open_application or self.removed:
            return False
        return self.cooldown is None or bool(self.override_reason)


@dataclass
class Plan:
    rows: list[Row] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No error in the file: it can be previewed (cool-down rows may still need HR's decision)."""
        return not self.errors and bool(self.rows)

    @property
    def new_candidates(self) -> int:
        return sum(1 for r in self.rows if r.new_candidate and not r.removed)

    @property
    def new_applications(self) -> int:
        return sum(1 for r in self.rows if r.new_application)

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.rows if r.has_open_application)

    @property
    def cooldown_rows(self) -> list[Row]:
        """Rows refused by a cool-down that has not ended: each needs a reason or removal."""
        return [r for r in self.rows if r.cooldown is not None]

    @property
    def overridden(self) -> int:
        return sum(1 for r in self.cooldown_rows if r.override_reason and not r.removed)

    @property
    def removed(self) -> int:
        return sum(1 for r in self.rows if r.removed)

    @property
    def undecided(self) -> list[Row]:
        return [r for r in self.cooldown_rows if r.problem]

    def decide(self, *, overrides: dict[int, str] | None = None, removed=()) -> None:
        """Apply HR's decisions on the cool-down rows, by line number: ``overrides`` gives a
        reason to open the application anyway, ``removed`` leaves the row out. A cool-down row
        with neither gets a ``problem`` (see ``undecided``). Other rows are not affected."""
        overrides = overrides or {}
        removed = set(removed)
        for row in self.cooldown_rows:
            row.removed = row.line in removed
            row.override_reason = (overrides.get(row.line) or "").strip()
            row.problem = ""
            if row.removed:
                row.override_reason = ""
            elif not row.override_reason:
                row.problem = (
                    f"{row.cooldown.sentence} Give a reason to open the application anyway, "
                    "or leave the row out."
                )
            elif len(row.override_reason) > OVERRIDE_REASON_MAX_LENGTH:
                row.problem = f"Keep the reason under {OVERRIDE_REASON_MAX_LENGTH} characters."


class ImportRefused(Exception):
    """Nothing was imported. ``plan.errors``: problems of the file (upload it again, fixed);
    ``plan.undecided``: cool-down rows without HR's decision (decide, and confirm again)."""

    def __init__(self, plan: Plan):
        super().__init__("The import has errors; nothing was imported.")
        self.plan = plan


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ValueError("The file is larger than 1 MB. Split it into smaller files.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.") from exc


def _job_index():
    by_id, by_title = {}, {}
    for job in Job.objects.all().prefetch_related("stages"):
        by_id[str(job.pk)] = job
        by_title.setdefault(job.title, []).append(job)
    return by_id, by_title


def plan_import(text: str) -> Plan:
    """Parse and check every row against the database as it is now. Writes nothing."""
    plan = Plan()
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        plan.errors.append((1, "The file is empty."))
        return plan
    except csv.Error as exc:
        plan.errors.append((1, f"The file is not valid CSV: {exc}."))
        return plan
    columns = [" ".join(h.replace("_", " ").lower().split()) for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        plan.errors.append(
            (
                1,
                f"The header row lacks the column(s): {', '.join(missing)}. Expected: name, email, "
                "phone, time_zone, preferred name, language, job.",
            )
        )
        return plan
    index = {c: columns.index(c) for c in (*REQUIRED, *OPTIONAL) if c in columns}
    languages = {code.lower(): code for code, _name in settings.LANGUAGES}
    jobs_by_id, jobs_by_title = _job_index()
    seen: dict[str, int] = {}
    parsed: list[Row] = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(parsed) >= MAX_ROWS:
                plan.errors.append((line, f"More than {MAX_ROWS} rows. Split the file."))
                break

            def cell(name, values=values):
                i = index.get(name)
                return values[i].strip() if i is not None and i < len(values) else ""

            row = Row(
                line=line,
                name=cell("name"),
                email=tidy_email(cell("email")),
                phone=cell("phone"),
                time_zone=cell("time zone"),
                preferred_name=cell("preferred name"),
                language=cell("language"),
            )
            errors = []
            if not row.name:
                errors.append("name is missing")
            elif len(row.name) > 200:
                errors.append("name is longer than 200 characters")
            if len(row.preferred_name) > 200:
                errors.append("preferred name is longer than 200 characters")
            if not row.email:
                errors.append("email is missing")
            else:
                try:
                    validate_email_address(row.email)
                except ValidationError as exc:
                    errors.append(f"“{row.email}” is not a valid email address: {exc.messages[0]}")
                else:
                    key = normalise_email(row.email)
                    if key in seen:
                        errors.append(f"{row.email} appears twice in the file (also on line {seen[key]})")
                    else:
                        seen[key] = line
            if len(row.phone) > 40:
                errors.append("phone is longer than 40 characters")
            if not row.language:
                row.language = default_language()
            elif row.language.lower() in languages:
                row.language = languages[row.language.lower()]
            else:
                errors.append(
                    f"“{row.language}” is not a language we offer (use a language code such as "
                    f"{settings.LANGUAGE_CODE})"
                )
            try:
                validate_time_zone(row.time_zone)
            except ValidationError:
                errors.append(f"“{row.time_zone}” is not a time zone we know (use e.g. Europe/Berlin)")
            job_ref = cell("job")
            if not job_ref:
                errors.append("job is missing")
            else:
                matches = [jobs_by_id[job_ref]] if job_ref in jobs_by_id else jobs_by_title.get(job_ref, [])
                if not matches:
                    errors.append(f"there is no job “{job_ref}” (use the job number or its exact title)")
                elif len(matches) > 1:
                    errors.append(f"several jobs are titled “{job_ref}”: use the job number instead")
                else:
                    row.job = matches[0]
                    if row.job.status != Job.Status.OPEN:
                        errors.append(f"the job “{row.job.title}” is not open")
                    elif not row.job.stages.all():
                        errors.append(f"the job “{row.job.title}” has no stages yet")
            for message in errors:
                plan.errors.append((line, message[0].upper() + message[1:] + "."))
            parsed.append(row)
    except csv.Error as exc:
        plan.errors.append((reader.line_num, f"The file is not valid CSV: {exc}."))
    if not parsed and not plan.errors:
        plan.errors.append((2, "The file has a header but no rows."))
    if plan.errors:
        return plan
    # Match existing candidates (by normalised email), open applications and running
    # cool-downs in a few queries, whatever the number of rows.
    existing = {
        c.email_key: c
        for c in Candidate.objects.filter(email_key__in={normalise_email(r.email) for r in parsed})
    }
    open_pairs = set(
        Application.objects.filter(
            candidate__in=list(existing.values()), status=Application.Status.ACTIVE
        ).values_list("candidate_id", "job_id")
    )
    for row in parsed:
        row.candidate = existing.get(normalise_email(row.email))
        row.has_open_application = bool(row.candidate) and (row.candidate.pk, row.job.pk) in open_pairs
    cooldowns = active_cooldowns(
        (row.candidate, row.job) for row in parsed if row.candidate and not row.has_open_application
    )
    for row in parsed:
        if row.candidate and not row.has_open_application:
            row.cooldown = cooldowns.get((row.candidate.pk, row.job.pk))
    plan.rows = parsed
    plan.decide()
    return plan


def sign(text: str, user) -> str:
    return signing.dumps({"u": user.pk, "csv": text}, salt=SIGNING_SALT, compress=True)


def unsign(token: str, user) -> str:
    """The CSV text of a preview this user was shown, or ValueError."""
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValueError("The preview expired. Upload the file again.") from exc
    except signing.BadSignature as exc:
        raise ValueError("The preview could not be verified. Upload the file again.") from exc
    if data.get("u") != user.pk:
        raise ValueError("The preview could not be verified. Upload the file again.")
    return data["csv"]


@transaction.atomic
def applications_import(
    *, text: str, by, overrides: dict[int, str] | None = None, removed: Iterable[int] = ()
) -> Plan:
    """Apply an import: every row or none. Checks again against the database as it is now.

    ``text``: the CSV text (as ``unsign`` returns it). ``overrides``: ``{line number: reason}``
    to open an application although the candidate's reapply cool-down for that job has not
    ended (each audited as ``application.cooldown_override``); ``removed``: line numbers of
    cool-down rows to leave out. Creates the candidates not found by email and opens the
    applications not open yet; returns the plan that was applied (its counts say what changed).

    Only HR imports (HiringError). Raises ImportRefused with the plan when the file has errors,
    when a cool-down row has neither a reason nor removal (``plan.undecided``), or when the data
    changed while importing.
    """
    if not predicates.can_open_application(by, source=Application.Source.IMPORT):
        raise HiringError("Only HR can import candidates and applications.")
    plan = plan_import(text)
    if not plan.ok:
        raise ImportRefused(plan)
    plan.decide(overrides=overrides, removed=removed)
    if plan.undecided:
        raise ImportRefused(plan)
    row = None
    try:
        for row in plan.rows:
            if row.removed or row.has_open_application:
                continue
            candidate = row.candidate
            if candidate is None:
                candidate = candidate_create(
                    by=by,
                    name=row.name,
                    email=row.email,
                    phone=row.phone,
                    time_zone=row.time_zone,
                    preferred_name=row.preferred_name,
                    language=row.language,
                    source="import",
                )
            application_open(
                candidate=candidate,
                job=row.job,
                by=by,
                source=Application.Source.IMPORT,
                override_reason=row.override_reason,
            )
    except (HiringError, ValidationError, IntegrityError) as exc:
        message = getattr(exc, "message", None) or "; ".join(getattr(exc, "messages", [str(exc)]))
        plan.errors.append((row.line, f"{message} (the data changed while importing; nothing was imported)"))
        raise ImportRefused(plan) from exc
    audit_record(
        actor=by,
        verb="import.apply",
        target=by,
        data={
            "candidates": plan.new_candidates,
            "applications": plan.new_applications,
            "cooldown_overrides": plan.overridden,
            "removed": plan.removed,
        },
    )
    return plan
