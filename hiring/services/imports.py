"""CSV import of candidates and their applications: read the file, check it, preview, apply.

The whole flow lives here because it is one write: ``plan_import`` is the check that
``applications_import`` runs again before it writes, and the signed token (``sign``/``unsign``)
carries exactly the previewed text from the preview to the confirmation.

Files as spreadsheets save them (``decode`` and ``plan_import``):

- Encoding: UTF-8 with or without a byte-order mark, UTF-16 with one (Excel's "Unicode text");
  anything else is read as Windows-1252 (Excel's plain "CSV" on Western European systems) and the
  preview says so. At most ``MAX_BYTES`` bytes and ``MAX_ROWS`` rows.
- Delimiter: comma, semicolon or tab, found from the header row (the one that names the most
  known columns; ``csv.Sniffer`` breaks a tie), or given by an Excel ``sep=;`` first line.
- Header row required, columns in any order. Names are matched ignoring case, spaces,
  underscores, hyphens and dots, with the aliases of ``COLUMNS`` ("E-mail", "Email address",
  "Time Zone", "tz", "Full name", "Job title" ...). Other columns are listed as ignored.
- Columns: name, email, job (required); preferred name, phone, time zone, language, consent.
  ``job`` is the job's number (its id, shown on the jobs page) or its title. ``language`` is a
  code, English name or own name of ``settings.CANDOR_CANDIDATE_LANGUAGES`` ("de", "German",
  "Deutsch"; empty: the organisation's language, ``settings.CANDOR_DEFAULT_LANGUAGE``). ``time zone`` an
  IANA name, any letter case. ``consent`` is yes/no (``CONSENT_VALUES``): "yes" records, at the
  import, that the candidate agreed we keep their details and contact them about this and
  future roles (``Candidate.consent_given_at``); "no" or empty records nothing, and never
  withdraws consent already on file (candidates withdraw it by unsubscribing or asking for
  erasure).
- A cell with a NUL, a control character, bytes that are not text, or more characters than
  its column allows is an error of its row, by line number.

The import is all or nothing: any error imports no row. Re-importing a file changes nothing:
a candidate is found by email (``candidates.emails.normalise_email``: case and Unicode forms
do not matter) and reused as is (only a "yes" consent is recorded if none is on file), and an
open application to the same job is not opened twice.

The reapply cool-down holds here too: a row whose candidate was not hired for that job and whose
cool-down has not ended is refused, with the date it ends, and nothing is imported until HR
either gives a reason to open it anyway (audited by ``application_open``) or leaves the row out
(``applications_import(overrides=..., removed=...)``).
"""

import codecs
import csv
import io
import re
import unicodedata
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import get_language_info

from candidates.emails import MAX_LENGTH as EMAIL_MAX_LENGTH
from candidates.emails import normalise_email, tidy_email, validate_email_address
from candidates.models import Candidate, default_language
from candidates.services import candidate_consent_record, candidate_create
from candidates.validators import candidate_languages, name_problem
from core.audit import audit_record
from hiring import predicates
from hiring.cooldowns import Cooldown, active_cooldowns
from hiring.models import Application, Job
from hiring.services.applications import OVERRIDE_REASON_MAX_LENGTH, application_open
from hiring.services.errors import HiringError

MAX_BYTES = 1_000_000
MAX_ROWS = 5000
# The limits in words, for the page and the messages.
LIMITS = f"at most {MAX_BYTES // 1_000_000} MB and {MAX_ROWS:,} rows"
# Any cell, in a column Candor reads or not. Columns it reads have their own, smaller limits.
CELL_MAX_LENGTH = 10_000
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
SIGNING_SALT = "candor.hiring.import"
# The preview is confirmed within this time, or uploaded again.
TOKEN_MAX_AGE = 3600
TEMPLATE_FILENAME = "candor-import-template.csv"

CONSENT_VALUES = {
    True: ("yes", "y", "true", "1", "ja", "oui", "sí", "si"),
    False: ("no", "n", "false", "0", "nein", "non"),
}


@dataclass(frozen=True)
class Column:
    """A column Candor reads: ``key`` (the Row attribute), ``label`` (its name in the template
    file and on the page), the other header names accepted for it, and its longest value."""

    key: str
    label: str
    aliases: tuple[str, ...]
    max_length: int
    required: bool = False


COLUMNS = (
    Column("name", "Name", ("full name", "candidate name", "candidate"), 200, required=True),
    Column("email", "Email", ("e-mail", "email address", "e-mail address", "mail"), EMAIL_MAX_LENGTH, True),
    Column("job", "Job", ("job title", "job number", "job id", "job name", "position", "role"), 200, True),
    Column("preferred_name", "Preferred name", ("known as", "nickname"), 200),
    Column("phone", "Phone", ("phone number", "telephone", "mobile", "tel"), 40),
    Column("time_zone", "Time zone", ("timezone", "tz"), 64),
    Column("language", "Language", ("lang", "locale", "preferred language", "language code"), 64),
    Column("consent", "Consent", ("consent given", "consented"), 10),
)
REQUIRED = tuple(c.key for c in COLUMNS if c.required)


def header_key(header: str) -> str:
    """How a header is compared: NFKC, case-folded, without spaces, ``_``, ``-`` and dots, so
    "Time Zone", "time_zone", "TIME-ZONE" and "timezone" are one name."""
    text = unicodedata.normalize("NFKC", header or "").casefold().replace("\ufeff", "")
    return re.sub(r"[\s_\-.]+", "", text)


def _header_index() -> dict[str, Column]:
    index = {}
    for column in COLUMNS:
        for name in (column.key, column.label, *column.aliases):
            index[header_key(name)] = column
    return index


HEADERS = _header_index()


@dataclass
class Row:
    line: int
    name: str
    email: str
    phone: str
    time_zone: str
    preferred_name: str = ""
    language: str = ""
    # From the consent column: True (yes), False (no), None (empty, or no such column).
    consent: bool | None = None
    job: Job | None = None
    candidate: Candidate | None = None
    # Whether the known candidate had consent on file when the file was checked.
    consent_on_file: bool = False
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

    @property
    def records_consent(self) -> bool:
        """Whether importing records this row's consent: "yes" in the file, none on file yet."""
        if self.removed or self.consent is not True:
            return False
        return not self.consent_on_file


@dataclass
class Plan:
    rows: list[Row] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    # The header as read: (header as written, label of the column it was matched to or "").
    columns: list[tuple[str, str]] = field(default_factory=list)
    delimiter: str = ","

    @property
    def ok(self) -> bool:
        """No error in the file: it can be previewed (cool-down rows may still need HR's decision)."""
        return not self.errors and bool(self.rows)

    @property
    def matched_columns(self) -> list[tuple[str, str]]:
        return [(header, label) for header, label in self.columns if label]

    @property
    def ignored_columns(self) -> list[str]:
        return [header or "(no name)" for header, label in self.columns if not label]

    @property
    def delimiter_name(self) -> str:
        return DELIMITERS.get(self.delimiter, repr(self.delimiter))

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
    def consents_recorded(self) -> int:
        """Known candidates whose consent the import records (new ones get it when created)."""
        return sum(1 for r in self.rows if r.records_consent and not r.new_candidate)

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
            elif bad := _bad_character(row.override_reason, multiline=True):
                row.problem = f"The reason contains {bad}: remove it."


class ImportRefused(Exception):
    """Nothing was imported. ``plan.errors``: problems of the file (upload it again, fixed);
    ``plan.undecided``: cool-down rows without HR's decision (decide, and confirm again)."""

    def __init__(self, plan: Plan):
        super().__init__("The import has errors; nothing was imported.")
        self.plan = plan


class FileRefused(ValueError):
    """The uploaded file cannot be read at all (too big, not text); the message says why."""


@dataclass(frozen=True)
class Decoded:
    """An uploaded file as text. ``notice``: a sentence for HR about how it was read, or ""."""

    text: str
    encoding: str
    notice: str = ""


TOO_BIG = (
    f"The file is larger than {MAX_BYTES // 1_000_000} MB. Split it into smaller files "
    f"(at most {MAX_ROWS:,} rows each)."
)


def read_upload(upload) -> Decoded:
    """An uploaded file (Django ``UploadedFile``) as text, refused by its size before it is read.
    Raises FileRefused."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise FileRefused(TOO_BIG)
    return decode(upload.read(MAX_BYTES + 1))


def decode(data: bytes) -> Decoded:
    """``data`` as text: UTF-8 (a byte-order mark or not), UTF-16 with a byte-order mark, else
    Windows-1252 with a notice saying so. A UTF-8 file with a few damaged bytes stays UTF-8: the
    damaged bytes become lone surrogates, which ``plan_import`` reports by line. Raises
    FileRefused for a file over ``MAX_BYTES`` or one that is not text."""
    if len(data) > MAX_BYTES:
        raise FileRefused(TOO_BIG)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not data.startswith(
        codecs.BOM_UTF32_LE
    ):
        try:
            return Decoded(data.decode("utf-16"), "UTF-16")
        except UnicodeDecodeError as exc:
            raise FileRefused(
                "The file says it is UTF-16 text but is not. Save it as “CSV UTF-8” and try again."
            ) from exc
    try:
        return Decoded(data.decode("utf-8-sig"), "UTF-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="surrogateescape")
    if any(ord(char) > 0x7F and not 0xDC80 <= ord(char) <= 0xDCFF for char in text):
        # Valid UTF-8 letters elsewhere: a UTF-8 file with damaged bytes. Their rows say so.
        return Decoded(text.removeprefix("\ufeff"), "UTF-8")
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FileRefused(
            "The file is not UTF-8 text, and not Windows text either. Save it as “CSV UTF-8” and try again."
        ) from exc
    return Decoded(
        text,
        "Windows-1252",
        "The file is not UTF-8: it was read as Windows-1252 (Western European), which is what "
        "Excel's plain “CSV” saves. Check that accented names look right below; if they do not, "
        "save the file as “CSV UTF-8” and upload it again.",
    )


def _bad_character(value: str, *, multiline: bool) -> str:
    """What is wrong with ``value``'s characters, as words ("a NUL character"), or "".

    Refused everywhere: NUL, lone surrogates (bytes that are not text), control characters.
    Tabs and line breaks are refused unless ``multiline``."""
    for char in value:
        code = ord(char)
        if code == 0:
            return "a NUL character (the file may not be plain text)"
        if 0xD800 <= code <= 0xDFFF:
            return "bytes that are not UTF-8 text"
        if char in "\t\r\n":
            if not multiline:
                return "a line break or tab"
            continue
        if unicodedata.category(char) == "Cc":
            return f"a control character (U+{code:04X})"
    return ""


# The columns holding a person's name, checked with candidates.validators.name_problem.
NAME_COLUMNS = frozenset({"name", "preferred_name"})


def _cell_problems(values: list[str], header: list[str], index: dict[str, int]) -> list[str]:
    """The character and length problems of a row's cells, one message each (no cell content)."""
    used = {i: column for column in COLUMNS if (i := index.get(column.key)) is not None}
    problems = []
    for i, value in enumerate(values):
        column = used.get(i)
        name = header[i].strip() if i < len(header) and header[i].strip() else f"column {i + 1}"
        bad = _bad_character(value.strip(), multiline=column is None)
        # A person's name: the one rule of every place that stores one (core.names).
        odd = name_problem(value.strip()) if column is not None and column.key in NAME_COLUMNS else ""
        if bad:
            problems.append(f"the “{name}” cell contains {bad}")
        elif odd:
            problems.append(
                f"the “{name}” cell contains {odd}: "
                "names cannot contain control or invisible formatting characters"
            )
        elif column is not None and len(value.strip()) > column.max_length:
            problems.append(f"the “{name}” cell is longer than {column.max_length} characters")
        elif len(value) > CELL_MAX_LENGTH:
            problems.append(f"the “{name}” cell is longer than {CELL_MAX_LENGTH:,} characters")
    return problems


def _job_index():
    by_id, by_title, by_folded = {}, {}, {}
    for job in Job.objects.all().prefetch_related("stages"):
        by_id[str(job.pk)] = job
        by_title.setdefault(job.title, []).append(job)
        by_folded.setdefault(" ".join(job.title.casefold().split()), []).append(job)
    return by_id, by_title, by_folded


@cache
def _time_zones() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


# Regions whose codes ("en-us", "pt-br") mean the listed language of the same base.
_REGIONS = ("us", "gb", "au", "ca", "ie", "nz", "br", "pt", "at", "ch", "be", "mx", "ar", "es", "fr")


def _languages() -> dict[str, str]:
    """Accepted language values (case-folded code, with ``_`` or ``-``, English name or the
    language's own name: "de", "German", "Deutsch") → code of ``candidate_languages()``."""
    languages = {}
    listed = candidate_languages()
    for code, name in listed:
        languages.setdefault(str(name).casefold(), code)
    for code, _name in listed:
        try:
            languages.setdefault(str(get_language_info(code)["name_local"]).casefold(), code)
        except KeyError:
            pass
    for code, _name in listed:
        languages[code.casefold()] = code
        languages[code.casefold().replace("-", "_")] = code
    # A base or regional code of a listed language ("en", "en-us", "pt-br") means that language.
    for code, _name in listed:
        base = code.casefold().split("-")[0]
        languages.setdefault(base, code)
        for region in (
            "us",
            "gb",
            "au",
            "ca",
            "ie",
            "nz",
            "br",
            "pt",
            "at",
            "ch",
            "be",
            "mx",
            "ar",
            "es",
            "fr",
        ):
            languages.setdefault(f"{base}-{region}", code)
            languages.setdefault(f"{base}_{region}", code)
    return languages


def _consent(value: str) -> bool | None:
    """True/False from the consent cell, None when empty; ValueError for anything else."""
    value = value.strip().casefold()
    if not value:
        return None
    for answer, words in CONSENT_VALUES.items():
        if value in words:
            return answer
    raise ValueError(value)


def _split_sep_line(text: str) -> tuple[str, str | None, int]:
    """Excel's optional first line ``sep=;``: (the rest, its delimiter, lines skipped)."""
    first, newline, rest = text.partition("\n")
    match = re.fullmatch(r"\s*sep=([^\"\r\n])\s*", first)
    if match and newline:
        return rest, match.group(1), 1
    return text, None, 0


def _first_record(text: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text, newline=None), delimiter=delimiter), [])
    except csv.Error:
        return []


def detect_delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one whose header row names the most known columns; on a tie
    (a one-column header, or none known), what ``csv.Sniffer`` finds in the first 64 kB, else
    a comma."""
    sample = text[:65536]
    scores = {
        delimiter: len(
            {HEADERS[k].key for h in _first_record(sample, delimiter) if (k := header_key(h)) in HEADERS}
        )
        for delimiter in DELIMITERS
    }
    best = max(scores.values())
    tied = [delimiter for delimiter, score in scores.items() if score == best]
    if len(tied) == 1:
        return tied[0]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    return sniffed if sniffed in tied else tied[0]


def _read_header(header: list[str], plan: Plan) -> dict[str, int] | None:
    """Match the header row to ``COLUMNS``: ``{column key: index}``, filling ``plan.columns``;
    None (with the error on line 1) when a column is missing or named twice."""
    index: dict[str, int] = {}
    twice = []
    for i, name in enumerate(header):
        column = HEADERS.get(header_key(name))
        if column is None:
            plan.columns.append((name.strip(), ""))
            continue
        if column.key in index:
            first = header[index[column.key]].strip()
            twice.append(f"“{first}” and “{name.strip()}” are both read as {column.label.lower()}")
            plan.columns.append((name.strip(), ""))
            continue
        index[column.key] = i
        plan.columns.append((name.strip(), column.label))
    missing = [c for c in COLUMNS if c.required and c.key not in index]
    if missing:
        accepted = "; ".join(
            f"{c.label.lower()}: {', '.join(f'“{name}”' for name in (c.label, *c.aliases))}" for c in missing
        )
        plan.errors.append(
            (
                1,
                f"The header row lacks the column(s): {', '.join(c.label.lower() for c in missing)}. "
                f"Accepted names: {accepted} (letter case, spaces, “_” and “-” do not matter). "
                f"The file was read as {plan.delimiter_name}-separated.",
            )
        )
    if twice:
        plan.errors.append((1, f"Keep one column of each: {'; '.join(twice)}."))
    return None if plan.errors else index


def plan_import(text: str) -> Plan:
    """Parse and check every row against the database as it is now. Writes nothing.

    ``text``: the file's text (``decode``). Returns a Plan: ``errors`` as ``(line, sentence)``
    (line 1 is the header; lines count as a text editor counts them), or ``rows`` to preview.
    """
    plan = Plan()
    if len(text) > MAX_BYTES:
        plan.errors.append((1, TOO_BIG))
        return plan
    text, delimiter, skipped = _split_sep_line(text.removeprefix("\ufeff"))
    plan.delimiter = delimiter or detect_delimiter(text)
    # newline=None: lines may end in \n, \r\n or (old Macs) \r.
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=plan.delimiter)
    try:
        header = next(reader)
    except StopIteration:
        plan.errors.append((1, "The file is empty."))
        return plan
    except csv.Error as exc:
        plan.errors.append((1 + skipped, f"The file is not valid CSV: {exc}."))
        return plan
    bad_header = next((b for h in header if (b := _bad_character(h, multiline=True))), "")
    if bad_header:
        plan.errors.append((1 + skipped, f"The header row contains {bad_header}."))
        return plan
    index = _read_header(header, plan)
    if index is None:
        return plan
    languages = _languages()
    time_zones = _time_zones()
    jobs_by_id, jobs_by_title, jobs_by_folded = _job_index()
    seen: dict[str, int] = {}
    parsed: list[Row] = []
    # A row's line is the line it starts on (a quoted cell may span several lines).
    end = reader.line_num
    try:
        for values in reader:
            line, end = end + 1 + skipped, reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(parsed) >= MAX_ROWS:
                plan.errors.append((line, f"More than {MAX_ROWS:,} rows. Split the file."))
                break

            def cell(key, values=values):
                i = index.get(key)
                return values[i].strip() if i is not None and i < len(values) else ""

            row = Row(
                line=line,
                name=cell("name"),
                email=tidy_email(cell("email")),
                phone=cell("phone"),
                time_zone=cell("time_zone"),
                preferred_name=cell("preferred_name"),
                language=cell("language"),
            )
            parsed.append(row)
            errors = _cell_problems(values, header, index)
            if not errors:
                errors = _row_problems(
                    row,
                    cell("job"),
                    cell("consent"),
                    seen,
                    languages,
                    time_zones,
                    (jobs_by_id, jobs_by_title, jobs_by_folded),
                )
            for message in errors:
                plan.errors.append((line, message[0].upper() + message[1:] + "."))
    except csv.Error as exc:
        plan.errors.append((reader.line_num + skipped, f"The file is not valid CSV: {exc}."))
    if not parsed and not plan.errors:
        plan.errors.append((2 + skipped, "The file has a header but no rows."))
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
        row.consent_on_file = bool(row.candidate) and row.candidate.consent_given_at is not None
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


def _row_problems(row: Row, job_ref: str, consent: str, seen, languages, time_zones, jobs) -> list[str]:
    """Check one row's values (their characters and lengths are already checked); fills
    ``row.language``, ``row.time_zone``, ``row.consent`` and ``row.job``. Returns sentences."""
    errors = []
    if not row.name:
        errors.append("name is missing")
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
                seen[key] = row.line
    if not row.language:
        row.language = default_language()
    elif row.language.casefold() in languages:
        row.language = languages[row.language.casefold()]
    else:
        errors.append(
            f"“{row.language}” is not a language we offer (use a language code such as {default_language()})"
        )
    if row.time_zone:
        if row.time_zone.casefold() in time_zones:
            row.time_zone = time_zones[row.time_zone.casefold()]
        else:
            errors.append(f"“{row.time_zone}” is not a time zone we know (use e.g. Europe/Berlin)")
    try:
        row.consent = _consent(consent)
    except ValueError:
        errors.append(f"consent “{consent}” is not yes or no (leave it empty if you did not ask)")
    jobs_by_id, jobs_by_title, jobs_by_folded = jobs
    if not job_ref:
        errors.append("job is missing")
        return errors
    reference = job_ref.removeprefix("#")
    matches = (
        [jobs_by_id[reference]]
        if reference in jobs_by_id
        else jobs_by_title.get(job_ref) or jobs_by_folded.get(" ".join(job_ref.casefold().split()), [])
    )
    if not matches:
        errors.append(f"there is no job “{job_ref}” (use the job number or its title)")
    elif len(matches) > 1:
        errors.append(f"several jobs are titled “{job_ref}”: use the job number instead")
    else:
        row.job = matches[0]
        if row.job.status != Job.Status.OPEN:
            errors.append(f"the job “{row.job.title}” is not open")
        elif not row.job.stages.all():
            errors.append(f"the job “{row.job.title}” has no stages yet")
    return errors


def template_csv() -> str:
    """The template file's text: the header row of every column Candor reads, in the order of
    ``COLUMNS``, comma-separated, with a UTF-8 byte-order mark so that Excel opens it as UTF-8."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([c.label for c in COLUMNS])
    return "\ufeff" + out.getvalue()


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
    cool-down rows to leave out. Creates the candidates not found by email (with consent when
    the row says yes), records a "yes" consent for known candidates who have none on file
    (``candidates.services.candidate_consent_record``), and opens the applications not open
    yet; returns the plan that was applied (its counts say what changed).

    Only HR imports (HiringError). Raises ImportRefused with the plan when the file has errors,
    when a cool-down row has neither an acceptable reason nor removal (``plan.undecided``), or
    when the data changed while importing.
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
            if row.removed:
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
                    consent=row.consent is True,
                    source="import",
                )
            elif row.records_consent:
                candidate_consent_record(candidate=candidate, by=by, source="import")
            if row.has_open_application:
                continue
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
            "consents_recorded": plan.consents_recorded,
        },
    )
    return plan
