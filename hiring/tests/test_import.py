import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from candidates.models import Candidate
from candidates.tests.factories import CandidateFactory
from hiring.models import Application, Job
from hiring.services import imports as csv_import
from hiring.tests.factories import ApplicationFactory, job_with_pipeline

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
