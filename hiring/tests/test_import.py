import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from candidates.models import Candidate
from candidates.tests.factories import CandidateFactory
from hiring.models import Application, Decision, Job
from hiring.services import imports as csv_import
from hiring.tests.factories import ApplicationFactory, DecisionFactory, job_with_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def job():
    return job_with_pipeline(title="Backend Engineer")


def _csv(*rows, header="name,email,phone,time_zone,job"):
    return "\n".join([header, *rows]) + "\n"


def test_good_file_imports_candidates_and_applications(hr_user, job):
    text = _csv(
        f"Ana Lima,ana@example.com,+44 1,Europe/London,{job.pk}",
        "Ben Okafor,ben@example.com,,,Backend Engineer",
    )
    plan = csv_import.applications_import(text=text, by=hr_user)
    assert (plan.new_candidates, plan.new_applications) == (2, 2)
    assert Application.objects.filter(job=job, source="import").count() == 2


def test_reimporting_the_same_file_changes_nothing(hr_user, job):
    text = _csv(f"Ana Lima,ana@example.com,,,{job.pk}")
    csv_import.applications_import(text=text, by=hr_user)
    plan = csv_import.applications_import(text=text.replace("ana@", "ANA@"), by=hr_user)
    assert (plan.new_candidates, plan.new_applications, plan.unchanged) == (0, 0, 1)
    assert Candidate.objects.count() == 1
    assert Application.objects.count() == 1


def test_existing_candidate_is_reused_by_email_in_any_case(hr_user, job):
    known = CandidateFactory(email="Known@Example.com", name="Original Name")
    csv_import.applications_import(text=_csv(f"Other Name,known@example.com,,,{job.pk}"), by=hr_user)
    known.refresh_from_db()
    assert known.name == "Original Name"
    assert known.applications.get().job == job


def test_every_bad_row_is_listed_with_its_line_and_nothing_is_imported(hr_user, job):
    Job.objects.create(title="Twin")
    Job.objects.create(title="Twin")
    text = _csv(
        f"Good Row,good@example.com,,,{job.pk}",  # line 2
        f"No Email,,,,{job.pk}",  # line 3
        f"Bad Email,not-an-email,,,{job.pk}",  # line 4
        "Unknown Job,u@example.com,,,Astronaut",  # line 5
        f"Dup,GOOD@example.com,,,{job.pk}",  # line 6
        f"Bad Zone,z@example.com,,Mars/Olympus,{job.pk}",  # line 7
        "Twin Job,t@example.com,,,Twin",  # line 8
    )
    plan = csv_import.plan_import(text)
    lines = {line for line, _ in plan.errors}
    assert lines == {3, 4, 5, 6, 7, 8}
    messages = " ".join(m for _, m in plan.errors)
    assert "Email is missing" in messages
    assert "not a valid email" in messages
    assert "no job “Astronaut”" in messages
    assert "appears twice in the file (also on line 2)" in messages
    assert "not a time zone" in messages
    assert "Several jobs are titled “Twin”" in messages
    with pytest.raises(csv_import.ImportRefused):
        csv_import.applications_import(text=text, by=hr_user)
    assert not Candidate.objects.exists()


def test_missing_columns_are_reported_on_line_one():
    plan = csv_import.plan_import("name,phone\nAna,1\n")
    assert plan.errors == [(1, plan.errors[0][1])]
    assert "email, job" in plan.errors[0][1]


def test_open_application_is_not_duplicated(hr_user, job):
    existing = ApplicationFactory(job=job, candidate__email="ana@example.com")
    csv_import.applications_import(text=_csv(f"Ana,ana@example.com,,,{job.pk}"), by=hr_user)
    assert list(Application.objects.all()) == [existing]


def test_upload_previews_then_confirm_imports(client, hr_user, job):
    client.force_login(hr_user)
    upload = SimpleUploadedFile(
        "people.csv", _csv(f"Ana Lima,ana@example.com,,,{job.pk}").encode("utf-8-sig")
    )
    page = client.post(reverse("hiring:import_upload"), {"file": upload})
    assert "Preview" in page.content.decode()
    assert not Candidate.objects.exists()
    token = page.context["token"]
    response = client.post(reverse("hiring:import_confirm"), {"token": token})
    assert response.status_code == 302
    assert Candidate.objects.get().email == "ana@example.com"


def test_confirm_refuses_a_tampered_preview(client, hr_user, job):
    client.force_login(hr_user)
    token = csv_import.sign(_csv(f"Ana,ana@example.com,,,{job.pk}"), hr_user)
    response = client.post(reverse("hiring:import_confirm"), {"token": token[:-3] + "xyz"})
    assert response.status_code == 302
    assert not Candidate.objects.exists()


def test_confirm_refuses_another_users_preview(client, hr_user, job):
    from hiring.tests.factories import HRFactory

    token = csv_import.sign(_csv(f"Ana,ana@example.com,,,{job.pk}"), HRFactory())
    client.force_login(hr_user)
    client.post(reverse("hiring:import_confirm"), {"token": token})
    assert not Candidate.objects.exists()


def test_confirm_checks_again_when_the_data_changed(client, hr_user, job):
    client.force_login(hr_user)
    token = csv_import.sign(_csv(f"Ana,ana@example.com,,,{job.pk}"), hr_user)
    job.status = Job.Status.CLOSED
    job.save()
    page = client.post(reverse("hiring:import_confirm"), {"token": token}).content.decode()
    assert "nothing was imported" in page and "not open" in page
    assert not Candidate.objects.exists()


def test_file_that_is_not_utf8_is_refused(client, hr_user):
    client.force_login(hr_user)
    upload = SimpleUploadedFile("people.csv", "name,email,job\nJosé,j@example.com,1\n".encode("latin-1"))
    page = client.post(reverse("hiring:import_upload"), {"file": upload}).content.decode()
    assert "not UTF-8" in page


# Files as real spreadsheets save them ---------------------------------------------------------


def _upload(client, data: bytes, name="people.csv"):
    return client.post(reverse("hiring:import_upload"), {"file": SimpleUploadedFile(name, data)})


def _confirm(client, page):
    return client.post(reverse("hiring:import_confirm"), {"token": page.context["token"]})


def test_a_semicolon_file_with_a_bom_and_a_time_zone_header_from_a_european_spreadsheet_imports(
    client, hr_user, job
):
    client.force_login(hr_user)
    text = (
        "Name;E-Mail;Time Zone;Job;Consent;Notes\r\n"
        f'"Müller, Anna";anna@example.com;Europe/Berlin;{job.pk};ja;"rief an; später"\r\n'
        f"José Núñez;jose@example.com;europe/madrid;Backend Engineer;no;\r\n"
    )
    page = _upload(client, text.encode("utf-8-sig"))
    body = page.content.decode()
    assert page.status_code == 200, page.context["plan"].errors
    assert "semicolon-separated" in body
    assert "“Time Zone” → time zone" in body and "“E-Mail” → email" in body
    assert "Ignored: “Notes”" in body
    assert not Candidate.objects.exists()
    assert _confirm(client, page).status_code == 302
    anna = Candidate.objects.get(email="anna@example.com")
    assert (anna.name, anna.time_zone) == ("Müller, Anna", "Europe/Berlin")
    assert anna.consent_given_at is not None
    jose = Candidate.objects.get(email="jose@example.com")
    assert (jose.time_zone, jose.consent_given_at) == ("Europe/Madrid", None)
    assert Application.objects.filter(job=job, source="import").count() == 2


def test_a_tab_separated_utf16_file_from_excel_unicode_text_imports(client, hr_user, job):
    client.force_login(hr_user)
    text = (
        "Full name\tEmail address\ttz\tJob title\n"
        f"Ana Lima\tana@example.com\tAmerica/Sao_Paulo\t{job.title}\n"
    )
    page = _upload(client, text.encode("utf-16"))
    assert "tab-separated" in page.content.decode()
    assert _confirm(client, page).status_code == 302
    assert Candidate.objects.get().time_zone == "America/Sao_Paulo"


@pytest.mark.parametrize(
    "header",
    [
        "name,email,job,time zone,preferred name,language,consent,phone",
        "NAME,EMAIL,JOB,TIME_ZONE,PREFERRED_NAME,LANGUAGE,CONSENT,PHONE",
        "Full name,E-mail address,Job number,Time-Zone,Preferred Name,Lang,Consent given,Phone number",
        " Candidate Name , Mail , Position , TZ , Known as , Locale , Consented , Mobile ",
    ],
)
def test_headers_match_whatever_their_case_spacing_and_aliases(job, header):
    plan = csv_import.plan_import(
        f"{header}\nRosa Maria Rossi,rosa@example.com,{job.pk},europe/rome,Rosa,it,yes,+39 06 1\n"
    )
    assert plan.ok, plan.errors
    assert plan.ignored_columns == []
    [row] = plan.rows
    assert (row.name, row.time_zone, row.preferred_name, row.language, row.consent, row.phone) == (
        "Rosa Maria Rossi",
        "Europe/Rome",
        "Rosa",
        "it",
        True,
        "+39 06 1",
    )


def test_the_preview_names_the_column_read_for_each_header_and_those_ignored(client, hr_user, job):
    client.force_login(hr_user)
    text = f"Full name,Email,Job title,Source,Salary\nAna,ana@example.com,{job.title},Referral,50k\n"
    page = _upload(client, text.encode())
    plan = page.context["plan"]
    assert plan.matched_columns == [("Full name", "Name"), ("Email", "Email"), ("Job title", "Job")]
    assert plan.ignored_columns == ["Source", "Salary"]
    assert "Ignored: “Source”, “Salary”" in page.content.decode()


def test_a_column_named_twice_is_refused_on_line_one():
    plan = csv_import.plan_import("Name,Full name,Email,Job\nA,A,a@example.com,1\n")
    assert plan.errors == [(1, "Keep one column of each: “Name” and “Full name” are both read as name.")]


def test_a_missing_column_lists_the_names_accepted_for_it():
    [(line, message)] = csv_import.plan_import("Name;Job\nAna;1\n").errors
    assert line == 1
    assert "lacks the column(s): email" in message and "“e-mail”" in message and "semicolon" in message


def test_an_excel_sep_line_sets_the_delimiter_and_lines_keep_their_numbers(job):
    plan = csv_import.plan_import(f"sep=|\nname|email|job\nAna|ana@example.com|{job.pk}\nBen||{job.pk}\n")
    assert plan.errors == [(4, "Email is missing.")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("yes", True), ("Y", True), ("TRUE", True), ("1", True), ("no", False), ("n", False), ("0", False)],
)
def test_consent_column_reads_yes_and_no_in_their_usual_spellings(job, value, expected):
    plan = csv_import.plan_import(f"name,email,job,consent\nAna,ana@example.com,{job.pk},{value}\n")
    assert plan.rows[0].consent is expected


def test_consent_other_than_yes_or_no_is_an_error_of_its_row(job):
    plan = csv_import.plan_import(f"name,email,job,consent\nAna,ana@example.com,{job.pk},maybe\n")
    assert plan.errors == [(2, "Consent “maybe” is not yes or no (leave it empty if you did not ask).")]


def test_consent_yes_is_recorded_for_a_known_candidate_once_and_never_withdrawn(hr_user, job):
    from core.models import AuditEvent

    known = CandidateFactory(email="known@example.com")
    given = CandidateFactory(email="given@example.com")
    csv_import.applications_import(text=_csv_consent(job, ("known", "yes"), ("given", "no")), by=hr_user)
    known.refresh_from_db()
    assert known.consent_given_at is not None
    given_at = given.consent_given_at
    event = AuditEvent.objects.get(verb="candidate.consent_recorded")
    assert event.data == {"source": "import"}
    plan = csv_import.applications_import(
        text=_csv_consent(job, ("known", "yes"), ("given", "no")), by=hr_user
    )
    assert plan.consents_recorded == 0
    assert AuditEvent.objects.filter(verb="candidate.consent_recorded").count() == 1
    given.refresh_from_db()
    assert given.consent_given_at == given_at


def _csv_consent(job, *rows):
    lines = [f"{who},{who}@example.com,{job.pk},{consent}" for who, consent in rows]
    return "name,email,job,consent\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("Ana\x00Lima", "a NUL character"),
        ("Ana\udc80Lima", "bytes that are not UTF-8 text"),
        ("Ana\x07Lima", "a control character (U+0007)"),
        ('"Ana\nLima"', "a line break or tab"),
        ("A" * 201, "longer than 200 characters"),
    ],
)
def test_a_bad_cell_is_an_error_of_its_row_and_nothing_is_imported(hr_user, job, cell, problem):
    text = _csv(f"Ben,ben@example.com,,,{job.pk}", f"{cell},ana@example.com,,,{job.pk}")
    plan = csv_import.plan_import(text)
    [(line, message)] = plan.errors
    assert line == 3
    assert message.startswith("The “name” cell contains") or "“name” cell is" in message
    assert problem in message
    with pytest.raises(csv_import.ImportRefused):
        csv_import.applications_import(text=text, by=hr_user)
    assert not Candidate.objects.exists()


def test_ignored_columns_may_hold_notes_on_several_lines_but_not_nul_or_huge_cells(job):
    ok = csv_import.plan_import(f'name,email,job,notes\nAna,ana@example.com,{job.pk},"met at\nthe fair"\n')
    assert ok.ok, ok.errors
    nul = csv_import.plan_import(f"name,email,job,notes\nAna,ana@example.com,{job.pk},a\x00b\n")
    assert nul.errors == [(2, "The “notes” cell contains a NUL character (the file may not be plain text).")]
    huge = csv_import.plan_import(f"name,email,job,notes\nAna,ana@example.com,{job.pk},{'x' * 10_001}\n")
    assert huge.errors == [(2, "The “notes” cell is longer than 10,000 characters.")]


def test_a_nul_in_an_uploaded_row_is_shown_by_line_in_the_preview_with_nothing_to_confirm(
    client, hr_user, job
):
    client.force_login(hr_user)
    page = _upload(client, _csv(f"Ana\x00,ana@example.com,,,{job.pk}").encode())
    assert page.status_code == 400
    assert page.context["token"] is None
    assert (2, "The “name” cell contains a NUL character (the file may not be plain text).") in page.context[
        "plan"
    ].errors


def test_confirming_a_preview_whose_text_has_a_nul_answers_the_errors_not_a_500(client, hr_user, job):
    client.force_login(hr_user)
    token = csv_import.sign(
        _csv(f"Ana Lima,ana@example.com,,,{job.pk}", f"B\x00n,ben@example.com,,,{job.pk}"), hr_user
    )
    response = client.post(reverse("hiring:import_confirm"), {"token": token})
    assert response.status_code == 200
    body = response.content.decode()
    assert "nothing was imported" in body and "NUL character" in body
    assert not Candidate.objects.exists()


def test_a_nul_in_a_cooldown_reason_on_confirm_is_a_problem_of_the_row_not_a_500(hr_user, job):
    rosa = CandidateFactory(email="rosa@example.com")
    earlier = ApplicationFactory(
        candidate=rosa, job=job, status=Application.Status.REJECTED, closed_at=timezone.now()
    )
    DecisionFactory(application=earlier, outcome=Decision.Outcome.NO_HIRE, decided_at=timezone.now())
    with pytest.raises(csv_import.ImportRefused) as refused:
        csv_import.applications_import(
            text=_csv(f"Rosa,rosa@example.com,,,{job.pk}"), by=hr_user, overrides={2: "agreed\x00"}
        )
    assert refused.value.plan.undecided[0].problem.startswith("The reason contains a NUL character")


def test_damaged_bytes_in_a_utf8_file_are_an_error_of_their_line(client, hr_user, job):
    client.force_login(hr_user)
    data = _csv(f"Zoë,zoe@example.com,,,{job.pk}", f"Ben,ben@example.com,,,{job.pk}").encode()
    data = data.replace(b"Ben", b"B\xffn")
    page = _upload(client, data)
    assert page.context["plan"].errors == [(3, "The “name” cell contains bytes that are not UTF-8 text.")]


def test_a_windows_1252_file_is_read_as_such_and_the_preview_says_so(client, hr_user, job):
    client.force_login(hr_user)
    page = _upload(client, _csv(f"José Núñez,jose@example.com,,,{job.pk}").encode("cp1252"))
    assert "read as Windows-1252" in page.content.decode()
    assert _confirm(client, page).status_code == 302
    assert Candidate.objects.get().name == "José Núñez"


def test_a_file_over_the_size_limit_is_refused_with_the_limit(client, hr_user, monkeypatch):
    client.force_login(hr_user)
    monkeypatch.setattr(csv_import, "MAX_BYTES", 100)
    page = _upload(client, b"name,email,job\n" + b"x" * 200)
    assert page.status_code == 400
    assert "larger than" in page.context["form"].errors["file"][0]
    assert "Split it into smaller files" in page.content.decode()


def test_a_file_with_too_many_rows_is_refused_with_the_limit(job, monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_ROWS", 2)
    rows = [f"P{i},p{i}@example.com,,,{job.pk}" for i in range(3)]
    plan = csv_import.plan_import(_csv(*rows))
    assert plan.errors == [(4, "More than 2 rows. Split the file.")]


def test_languages_by_name_and_job_titles_in_any_case_are_understood(job):
    plan = csv_import.plan_import("name,email,job,language\nAna,ana@example.com,backend ENGINEER,German\n")
    assert plan.ok, plan.errors
    assert (plan.rows[0].job, plan.rows[0].language) == (job, "de")


def test_the_template_file_downloads_and_imports_once_filled_in(client, hr_user, job):
    client.force_login(hr_user)
    page = client.get(reverse("hiring:import_upload")).content.decode()
    assert reverse("hiring:import_template") in page
    response = client.get(reverse("hiring:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="candor-import-template.csv"' in response["Content-Disposition"]
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf")
    filled = data + f"Ana Lima,ana@example.com,{job.pk},Ana,+44 1,Europe/London,en-gb,yes\r\n".encode()
    page = _upload(client, filled)
    assert page.context["plan"].ignored_columns == []
    assert _confirm(client, page).status_code == 302
    assert Candidate.objects.get().consent_given_at is not None


@pytest.mark.parametrize("value", ["en", "EN-us", "en_AU", "English"])
def test_a_base_or_regional_language_code_means_the_listed_language(value):
    from hiring.services.imports import _languages

    assert _languages()[value.casefold()] == "en-gb"
