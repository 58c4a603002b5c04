"""The decision form's live check and HR's letter editor give each feedback point the same findings.

The decision form promises "HR will see the same". Both now read a point through one function,
``Checker.check_points`` with the candidate as addressee (``feedback.quality.views.point_check``
and ``feedback.letters.findings.LetterChecker``); before, the editor read points with the
English phrase lists only, so a German point, a paraphrased boilerplate point and the counts
differed. Each finding also shows how sure the check is.
"""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.letters.findings import letter_findings
from feedback.letters.services import letter_draft
from hiring.models import Decision
from hiring.tests.factories import (
    ApplicationFactory,
    CriterionFactory,
    DecisionFactory,
    FeedbackPointFactory,
    InterviewerFactory,
    InterviewFactory,
    job_with_pipeline,
)

pytestmark = pytest.mark.django_db

POINTS = [
    # English, specific
    (
        "When asked to design the rate limiter you used a fixed window and did not say how bursts "
        "at the window boundary are handled.",
        "Compare a sliding window or token bucket and say which trade-off you would pick.",
    ),
    # boilerplate (a paraphrase no phrase list has) and a phrase
    (
        "The standard of applicants this time round was exceptionally high.",
        "Other candidates had more relevant experience.",
    ),
    # personal
    ("Rosa's accent was hard to follow and she seemed nervous.", "Be more confident."),
    # German
    (
        "Bei der Aufgabe zum Ratenbegrenzer haben Sie ein festes Zeitfenster gewählt und nicht erklärt, "
        "wie Lastspitzen an der Fenstergrenze behandelt werden.",
        "Vergleichen Sie ein gleitendes Fenster mit einem Token-Bucket und begründen Sie Ihre Wahl.",
    ),
    # merge fields
    (
        "Dear {{name}}, you did not test the [First Name] edge cases of the parser.",
        "Write tests for empty input and for %FIRSTNAME% before optimising.",
    ),
]


@pytest.fixture
def decided():
    """A no-hire on Rosa Rossi with the varied points, two on the same criterion; and its letter."""
    job = job_with_pipeline(title="Backend Engineer")
    application = ApplicationFactory(job=job, candidate__name="Rosa Rossi")
    decider = InterviewerFactory(first_name="Alice", last_name="Ito")
    InterviewFactory(application=application, interviewer=decider)  # she may see it
    decision = DecisionFactory(
        application=application,
        outcome=Decision.Outcome.NO_HIRE,
        decided_by=decider,
        decided_at=timezone.now(),
    )
    shared = decision.stage.criteria.first() or CriterionFactory(stage=decision.stage)
    points = [
        FeedbackPointFactory(
            decision=decision, criterion=shared, observation=obs, suggestion=sug, position=index
        )
        for index, (obs, sug) in enumerate(POINTS)
    ]
    return decision, points, letter_draft(decision=decision), decider


def signature(findings):
    return sorted(
        (f.category, f.start, f.end, f.text, f.blocking, round(f.confidence, 3), f.source, f.language)
        for f in findings
    )


def test_each_point_has_the_same_findings_in_the_decision_form_and_the_editor(client, decided):
    decision, points, letter, decider = decided
    data = {"application": decision.application.pk, "points-TOTAL_FORMS": str(len(points))}
    for index, point in enumerate(points):
        data[f"points-{index}-observation"] = point.observation
        data[f"points-{index}-suggestion"] = point.suggestion
    client.force_login(decider)

    form_rows = client.post(reverse("feedback:point_check"), data).context["rows"]
    editor = letter_findings(letter=letter).by_point()

    assert len(form_rows) == len(points)
    for row, point in zip(form_rows, points, strict=True):
        for field in ("observation", "suggestion"):
            in_form = signature(row[field]["findings"])
            in_editor = signature(editor.get(point.pk, {}).get(field, []))
            assert in_form == in_editor, (point.observation[:30], field)
    # The counts the form shows are the editor's count for the points.
    findings = letter_findings(letter=letter)
    form_blocking = sum(
        len(r["observation"]["blocking"]) + len(r["suggestion"]["blocking"]) for r in form_rows
    )
    form_advisory = sum(
        len(r["observation"]["advisory"]) + len(r["suggestion"]["advisory"]) for r in form_rows
    )
    assert (findings.points_blocking, findings.points_advisory) == (form_blocking, form_advisory)
    assert form_blocking > 0  # the set is not trivially clean


def test_the_editor_says_which_point_when_two_share_a_criterion_and_shows_confidence(
    client, hr_user, decided
):
    decision, points, letter, _decider = decided
    client.force_login(hr_user)

    page = client.get(reverse("feedback:letter_edit", args=[letter.pk])).content.decode()

    criterion = points[1].criterion.name
    assert f"Point on {criterion} (\u201cThe standard of applicants this time\u2026\u201d)" in page
    assert re.search(r"check-confidence[^>]*>(confident|borderline) \d{1,3}%", page)
    assert 'class="badge text-bg-warning finding-level">blocking<' in page


def test_the_decision_form_shows_each_findings_confidence(client, decided):
    decision, points, _letter, decider = decided
    client.force_login(decider)

    response = client.post(
        reverse("feedback:point_check"),
        {
            "application": decision.application.pk,
            "points-TOTAL_FORMS": "1",
            "points-0-observation": POINTS[2][0],
            "points-0-suggestion": POINTS[2][1],
        },
    )

    html = response.content.decode()
    assert re.search(r"check-confidence[^>]*>(confident|borderline) \d{1,3}%", html)
    assert 'finding-level">blocking<' in html


def test_the_queue_shows_each_findings_confidence_with_its_badge(client, hr_user, decided):
    _decision, _points, letter, _decider = decided
    client.force_login(hr_user)

    page = client.get(reverse("feedback:letter_queue")).content.decode()

    row = page.split(f'id="letter-{letter.pk}"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r"· blocking\s*<span[^>]*check-confidence[^>]*>(confident|borderline) \d{1,3}%", row)
