"""No input gives a 500, and a refused request writes nothing (issue 13, item 1).

For every URL of the authorization matrix, the page is opened as a role that may use it and
every form on it is read (the real field names: inputs, textareas, selects, hidden fields and
the CSRF token). Each form's target, and each POST case of the matrix, then receives
hypothesis-generated values (NUL bytes, lone surrogates, 100 kB strings, right-to-left text,
emoji, markup, line breaks, extreme dates and numbers, words where numbers go, fields missing
or repeated) as every role. The test asserts that no answer is a 500, and that an answer
refusing the input (4xx, or the form shown again with its errors) leaves the row count of
every table unchanged. The CSV import gets the same values in its cells, through upload,
preview and confirm.

Examples are few and derandomized (seeded by the test), so the run is the same every time
and takes about a minute on SQLite.
"""

import re
import traceback
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.authz import ADMIN, OK, ROLES, admin_expectation
from tests.test_authz_matrix import all_cases, world  # noqa: F401 - the matrix's world fixture

ALL_ROLES = (*ROLES, ADMIN)
# Every page has the logout form: fuzzed through the matrix's own "logout" case only, so that the
# roles stay logged in while the other forms are fuzzed.
LOGOUT = "/accounts/logout/"
ALLOWED_EXAMPLES = 20  # per form and role that may use it
REFUSED_EXAMPLES = 3  # per form, as one role that may not
FUZZ = settings(
    max_examples=ALLOWED_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

BIG = "x" * 100_000
NASTY = (
    "",
    " ",
    "\x00",
    "Ada\x00Lovelace",
    "\ud800",
    "a\udfffb",
    BIG,
    "\u202eevil.exe\u202c",
    "مرحبا بالعالم",
    "שלום",
    "👩‍💻🎉🇺🇦",
    "<script>alert(1)</script>",
    "a\r\nb\rc\nd",
    "\r\n",
    "0001-01-01",
    "0001-01-01T00:00",
    "9999-12-31",
    "9999-12-31T23:59",
    "9999-12-31 23:59",
    "2024-02-30",
    "-1",
    "0",
    "1",
    "2",
    str(2**31),
    str(2**63),
    str(-(2**63) - 1),
    "9" * 400,
    "1e309",
    "NaN",
    "-0",
    "1.5",
    "abc",
    "on",
    "true",
    "[]",
    "{}",
    "%00",
    "../../etc/passwd",
    "Europe/Berlin",
    "Not/AZone",
    "x@example.com",
)
text_values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


@dataclass
class FormSpec:
    """One form found on a page: where it goes, how, and the fields it declares."""

    action: str
    method: str = "post"
    multipart: bool = False
    fields: dict = field(default_factory=dict)  # name -> the values the page offers (value, options)
    files: set = field(default_factory=set)
    roles: set = field(default_factory=set)  # who may use it (who saw it on the page)


class _FormParser(HTMLParser):
    """The forms of a page. Fields outside a form that name it (``form="..."``) join it."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[FormSpec] = []
        self.by_id: dict[str, FormSpec] = {}
        self.orphans: list[tuple[str, str, str, bool]] = []  # (form id, name, value, is file)
        self.current: FormSpec | None = None
        self.select: str | None = None

    def _add(self, name, value, *, is_file=False, form_id=None):
        if not name:
            return
        target = self.by_id.get(form_id) if form_id else self.current
        if form_id and target is None:
            self.orphans.append((form_id, name, value, is_file))
            return
        if target is None:
            return
        if is_file:
            target.files.add(name)
        else:
            target.fields.setdefault(name, set()).add(value or "")

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            self.current = FormSpec(
                action=action,
                method=(a.get("method") or "get").lower(),
                multipart="multipart" in a.get("enctype", ""),
            )
            self.forms.append(self.current)
            if a.get("id"):
                self.by_id[a["id"]] = self.current
        elif tag == "input":
            kind = a.get("type", "text").lower()
            self._add(a.get("name"), a.get("value"), is_file=kind == "file", form_id=a.get("form"))
        elif tag in ("textarea", "button"):
            self._add(a.get("name"), a.get("value"), form_id=a.get("form"))
        elif tag == "select":
            self.select = a.get("name")
            self._add(self.select, "", form_id=a.get("form"))
        elif tag == "option" and self.select and self.current:
            self.current.fields.setdefault(self.select, set()).add(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None

    def result(self) -> list[FormSpec]:
        for form_id, name, value, is_file in self.orphans:
            if form_id in self.by_id:
                self._add(name, value, is_file=is_file, form_id=form_id)
        return self.forms


def page_forms(html: str, page_url: str) -> list[FormSpec]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.result()


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path


# --- Row counts: the partial-write proxy -----------------------------------------------------

EXCLUDED_TABLES = {"django_session"}  # logging in as a role writes sessions


def _count_sql() -> str:
    tables = sorted(
        {model._meta.db_table for model in apps.get_models() if model._meta.managed and not model._meta.proxy}
        - EXCLUDED_TABLES
    )
    quote = connection.ops.quote_name
    return "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)}) AS {quote(t)}" for t in tables)


def row_counts() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(_count_sql())
        names = [col[0] for col in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def _refused(response) -> bool:
    """The answer refuses the input: a 4xx, or the page shown again with a field's error."""
    if 400 <= response.status_code < 500:
        return True
    if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
        body = response.content
        return b'aria-invalid="true"' in body or b"invalid-feedback" in body or b"errorlist" in body
    return False


# --- Requests --------------------------------------------------------------------------------


def _encode(value) -> bytes | str:
    """A str with lone surrogates cannot be sent as UTF-8: send the bytes a sloppy client would."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass")
    return value


def _send(client: Client, spec: FormSpec, pairs: list[tuple[str, str]], files: dict):
    if spec.method == "get":
        query = urlencode(pairs, encoding="utf-8", errors="surrogatepass")
        return client.get(f"{_path(spec.action)}?{query}")
    if spec.multipart or files:
        data: dict = {}
        for name, value in pairs:
            data.setdefault(name, []).append(_encode(value))
        data.update(files)
        return client.post(_path(spec.action), data)
    body = urlencode(pairs, encoding="utf-8", errors="surrogatepass")
    return client.post(_path(spec.action), body, content_type="application/x-www-form-urlencoded")


def _describe(response) -> str:
    info = getattr(response, "exc_info", None)
    if info:
        return "".join(traceback.format_exception(*info))
    return response.content[:2000].decode("utf-8", "replace")


@st.composite
def form_data(draw, spec: FormSpec):
    """Values for each declared field: kept as the page had it, fuzzed, missing or repeated."""
    pairs = []
    for name in sorted(spec.fields):
        offered = sorted(spec.fields[name])
        how = draw(st.sampled_from(("page", "fuzz", "fuzz", "missing", "repeated")))
        if how == "missing":
            continue
        page_value = st.sampled_from(offered) if offered else text_values
        value = draw(page_value if how == "page" else text_values)
        pairs.append((name, value))
        if how == "repeated":
            pairs.append((name, draw(text_values)))
    if draw(st.booleans()):
        pairs.append((draw(st.sampled_from(("extra", "id", "pk", "next", "status"))), draw(text_values)))
    files = {}
    for name in sorted(spec.files):
        if draw(st.booleans()):
            content = draw(st.sampled_from(NASTY)).encode("utf-8", "surrogatepass")
            files[name] = SimpleUploadedFile("fuzz.csv", content, content_type="text/csv")
    return pairs, files


def _clients(world) -> dict:  # noqa: F811 - the fixture's value
    clients = {}
    for role in ALL_ROLES:
        client = Client(raise_request_exception=False)
        if world.users[role] is not None:
            client.force_login(world.users[role])
        clients[role] = client
    return clients


def _openers(case) -> list[str]:
    """The roles the case lets in: each may see different forms on the page (an interviewer
    answers a request, HR reviews it)."""
    expect = {**case.expect, ADMIN: admin_expectation(case.expect)}
    return [role for role in ALL_ROLES if expect.get(role) == OK]


def _targets(name: str, case, world, clients) -> list[FormSpec]:  # noqa: F811
    url = case.url(world)
    targets: list[FormSpec] = []
    if case.method == "post":
        data = case.data(world) if callable(case.data) else case.data
        spec = FormSpec(action=url, method="post", roles=set(_openers(case)))
        for key, value in data.items():
            values = value if isinstance(value, list) else [value]
            spec.fields[key] = {str(v) for v in values}
        targets.append(spec)
    else:
        query = urlsplit(url).query
        if query:
            spec = FormSpec(action=url, method="get", roles=set(_openers(case)))
            for key, value in parse_qsl(query):
                spec.fields.setdefault(key, set()).add(value)
            targets.append(spec)
        for role in _openers(case):
            response = clients[role].get(url)
            assert response.status_code != 500, f"GET {url} as {role}:\n{_describe(response)}"
            if "text/html" in response.get("Content-Type", ""):
                html = response.content.decode("utf-8", "replace")
                for form in page_forms(html, url):
                    if (form.fields or form.files) and _path(form.action) != LOGOUT:
                        form.roles = {role}
                        targets.append(form)
    return _merged(targets)


def _shape(spec: FormSpec) -> tuple:
    """Forms of the same view with the same fields (one per stage, per criterion...) are fuzzed once."""
    match = resolve(_path(spec.action))
    fields = tuple(sorted(re.sub(r"\d+", "N", name) for name in spec.fields))
    return (match.view_name, spec.method, fields, tuple(sorted(spec.files)))


def _merged(targets: list[FormSpec]) -> list[FormSpec]:
    merged: dict[tuple, FormSpec] = {}
    for spec in targets:
        key = _shape(spec)
        if key in merged:
            merged[key].roles |= spec.roles
        else:
            merged[key] = spec
    return list(merged.values())


def _fuzz_target(spec: FormSpec, clients, label: str, role: str, examples: int):
    @settings(FUZZ, max_examples=examples)
    @given(data=form_data(spec))
    def run(data):
        pairs, files = data
        before = row_counts()
        response = _send(clients[role], spec, pairs, files)
        shown = [(k, (v[:40] + "…") if len(v) > 40 else v) for k, v in pairs]
        where = f"{label}: {spec.method.upper()} {spec.action} as {role} with {shown!r} files={list(files)}"
        assert response.status_code < 500, f"{where}\n{_describe(response)}"
        if _refused(response):
            after = row_counts()
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            assert not changed, f"{where}: refused ({response.status_code}) but wrote rows {changed}"

    run()


@pytest.mark.parametrize("name", sorted(all_cases()))
def test_no_input_gives_a_500_or_a_partial_write(name, world):  # noqa: F811
    """Each form reachable from the case's page (and the case's own POST), as every role that
    may use it and as one that may not."""
    case = all_cases()[name]
    clients = _clients(world)
    for spec in _targets(name, case, world, clients):
        for role in sorted(spec.roles):
            _fuzz_target(spec, clients, name, role, ALLOWED_EXAMPLES)
        outsiders = [role for role in ALL_ROLES if role not in spec.roles]
        if outsiders:
            _fuzz_target(spec, clients, name, outsiders[len(name) % len(outsiders)], REFUSED_EXAMPLES)


CSV_HEADER = "name,email,job,preferred_name,time_zone,language,consent"


@FUZZ
@given(cells=st.lists(text_values, min_size=7, max_size=7), extra=st.sampled_from(("", ";", "\t", "\x00")))
def _import_chain(cells, extra, *, client, job):
    """Upload a CSV with generated cells, then confirm the preview as it came."""
    cells = [c for c in cells]
    cells[2] = cells[2] if cells[2] not in ("", " ") else str(job.pk)
    row = ",".join('"' + c.replace('"', '""') + '"' for c in cells) + extra
    content = (CSV_HEADER + "\r\n" + row + "\r\n").encode("utf-8", "surrogatepass")
    before = row_counts()
    upload = client.post(
        reverse("hiring:import_upload"), {"file": SimpleUploadedFile("people.csv", content, "text/csv")}
    )
    assert upload.status_code < 500, f"upload of {content[:200]!r}\n{_describe(upload)}"
    assert row_counts() == before, "the preview wrote rows"
    forms = [
        f
        for f in page_forms(upload.content.decode("utf-8", "replace"), reverse("hiring:import_upload"))
        if _path(f.action) == reverse("hiring:import_confirm")
    ]
    for spec in forms:
        pairs = [(k, sorted(v)[0]) for k, v in sorted(spec.fields.items())]
        confirm = _send(client, spec, pairs, {})
        assert confirm.status_code < 500, f"confirm of {content[:200]!r}\n{_describe(confirm)}"
        if _refused(confirm):
            assert row_counts() == before, "a refused confirm wrote rows"


def test_no_csv_cell_gives_a_500_on_preview_or_confirm(world):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(world.users["hr"])
    _import_chain(client=client, job=world.job)
