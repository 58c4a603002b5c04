"""CSV import of candidates and their applications: parse and check, preview, apply.

The whole flow lives here because it is one write: ``plan_import`` is the check that
``applications_import`` runs again before it writes, and the signed token (``sign``/``unsign``)
carries exactly the previewed text from the preview to the confirmation.

Columns (header row required, any order, case-insensitive): name, email, job, and optionally
phone and time_zone. ``job`` is the job's number (its id, shown on the jobs page) or its exact
title. The import is all or nothing: any error imports no row. Re-importing a file changes
nothing: a candidate is found by email regardless of case, and an open application to the same
job is not opened twice.
"""

import csv
import io
from dataclasses import dataclass, field

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from candidates.models import Candidate
from candidates.services import candidate_create
from candidates.validators import validate_time_zone
from core.audit import audit_record
from hiring import predicates
from hiring.models import Application, Job
from hiring.services.applications import application_open
from hiring.services.errors import HiringError

MAX_BYTES = 1_000_000
MAX_ROWS = 5000
REQUIRED = ("name", "email", "job")
OPTIONAL = ("phone", "time_zone")
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
    job: Job | None = None
    candidate: Candidate | None = None
    has_open_application: bool = False

    @property
    def new_candidate(self) -> bool:
        return self.candidate is None

    @property
    def new_application(self) -> bool:
        return not self.has_open_application


@dataclass
class Plan:
    rows: list[Row] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def new_candidates(self) -> int:
        return sum(1 for r in self.rows if r.new_candidate)

    @property
    def new_applications(self) -> int:
        return sum(1 for r in self.rows if r.new_application)

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.rows if not r.new_application)


class ImportRefused(Exception):
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
    columns = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        plan.errors.append(
            (
                1,
                f"The header row lacks the column(s): {', '.join(missing)}. Expected: name, email, "
                "phone, time_zone, job.",
            )
        )
        return plan
    index = {c: columns.index(c) for c in (*REQUIRED, *OPTIONAL) if c in columns}
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
                email=cell("email"),
                phone=cell("phone"),
                time_zone=cell("time_zone"),
            )
            errors = []
            if not row.name:
                errors.append("name is missing")
            elif len(row.name) > 200:
                errors.append("name is longer than 200 characters")
            if not row.email:
                errors.append("email is missing")
            else:
                try:
                    validate_email(row.email)
                    if len(row.email) > 254:
                        raise ValidationError("too long")
                except ValidationError:
                    errors.append(f"“{row.email}” is not a valid email address")
                else:
                    key = row.email.lower()
                    if key in seen:
                        errors.append(f"{row.email} appears twice in the file (also on line {seen[key]})")
                    else:
                        seen[key] = line
            if len(row.phone) > 40:
                errors.append("phone is longer than 40 characters")
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
    # Match existing candidates (case-insensitive email) and open applications in two queries.
    emails = {r.email.lower() for r in parsed}
    existing = {
        c.email.lower(): c
        for c in Candidate.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)
    }
    open_pairs = set(
        Application.objects.filter(
            candidate__in=list(existing.values()), status=Application.Status.ACTIVE
        ).values_list("candidate_id", "job_id")
    )
    for row in parsed:
        row.candidate = existing.get(row.email.lower())
        row.has_open_application = bool(row.candidate) and (row.candidate.pk, row.job.pk) in open_pairs
    plan.rows = parsed
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
def applications_import(*, text: str, by) -> Plan:
    """Apply an import: every row or none. Checks again against the database as it is now.

    ``text``: the CSV text (as ``unsign`` returns it). Creates the candidates not found by
    email and opens the applications not open yet; returns the plan that was applied (its
    counts say what changed). Only HR imports (HiringError); a file with errors, or data that
    changed while importing, raises ImportRefused with the plan and its errors.
    """
    if not predicates.can_open_application(by, source=Application.Source.IMPORT):
        raise HiringError("Only HR can import candidates and applications.")
    plan = plan_import(text)
    if not plan.ok:
        raise ImportRefused(plan)
    try:
        for row in plan.rows:
            candidate = row.candidate
            if candidate is None:
                candidate = candidate_create(
                    by=by,
                    name=row.name,
                    email=row.email,
                    phone=row.phone,
                    time_zone=row.time_zone,
                    source="import",
                )
            if row.has_open_application:
                continue
            application_open(candidate=candidate, job=row.job, by=by, source=Application.Source.IMPORT)
    except (HiringError, ValidationError, IntegrityError) as exc:
        message = getattr(exc, "message", None) or "; ".join(getattr(exc, "messages", [str(exc)]))
        plan.errors.append((row.line, f"{message} (the data changed while importing; nothing was imported)"))
        raise ImportRefused(plan) from exc
    audit_record(
        actor=by,
        verb="import.apply",
        target=by,
        data={"candidates": plan.new_candidates, "applications": plan.new_applications},
    )
    return plan
