"""The candidate's side in their language (issue 16): catalogues, pages, emails, .ics, switch,
letter templates per language, right-to-left.

The whole candidate journey is rendered in German and in Spanish and scanned for any English
sentence of the candidate catalogue (``_english_fragments``): a string left unmarked, or a
msgid without a translation, fails here. The catalogues themselves are checked against the
sources (xgettext, as ``makemessages`` runs it): every candidate-facing msgid is translated
in every shipped language, and no translation drops or invents a placeholder.
"""

import ast
import datetime as dt
import html as html_lib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import trans_real

from candidates.tests.factories import CandidateFactory
from feedback.letters import services as letter_services
from feedback.letters.emails import build_letter_message
from feedback.models import FeedbackLetter, FeedbackRequest, LetterTemplate
from feedback.portal import ics, services
from feedback.portal.emails import build_answer_message, build_reminder_message
from feedback.portal.selectors import reminder_for
from feedback.tests.candidate_helpers import make_letter, url
from hiring.tests.factories import InterviewerFactory, job_with_pipeline

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
SHIPPED = ("de", "fr", "es")
# The sources of every candidate-facing string (pages, emails, .ics, letter drafting).
CANDIDATE_SOURCES = [
    "core/languages.py",
    "feedback/placeholders.py",
    "feedback/letters/emails.py",
    "feedback/letters/progress.py",
    "feedback/letters/services.py",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "feedback/portal").glob("*.py")),
    "templates/base.html",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates/feedback/portal").glob("*.html")),
    "templates/feedback/email/answer.html",
    "templates/feedback/email/answer.txt",
    "templates/feedback/email/reminder.html",
    "templates/feedback/email/reminder.txt",
]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogues():
    """The .mo files are built (make messages); compile them here when missing or stale."""
    stale = [
        lang
        for lang in SHIPPED
        if not (mo := ROOT / f"locale/{lang}/LC_MESSAGES/django.mo").exists()
        or mo.stat().st_mtime < (ROOT / f"locale/{lang}/LC_MESSAGES/django.po").stat().st_mtime
    ]
    if stale:
        if shutil.which("msgfmt") is None:
            pytest.fail("gettext's msgfmt is needed to compile the catalogues (apt-get install gettext)")
        call_command("compilemessages", locale=stale, verbosity=0)
        # Catalogues already loaded in this process were read before the .mo existed.
        trans_real._translations = {}
        trans_real._default = None


# --- The catalogues ---------------------------------------------------------------------


def _unquote(line: str) -> str:
    return ast.literal_eval(line)


def _read_po(path: Path) -> list[dict]:
    """Entries of a .po file: {"ctxt", "id", "plural", "strs": [..], "fuzzy"} (header left out)."""
    entries, current, key = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current and current["id"]:
                entries.append(current)
            current, key = None, None
            continue
        if current is None:
            current = {"ctxt": None, "id": None, "plural": None, "strs": {}, "fuzzy": False}
        if line.startswith("#,") and "fuzzy" in line:
            current["fuzzy"] = True
        if line.startswith("#"):
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (\".*\")$", line)
        if match:
            kind, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            if kind.startswith("msgstr"):
                key = ("strs", int(index or 0))
                current["strs"][key[1]] = value
            else:
                key = ({"msgctxt": "ctxt", "msgid": "id", "msgid_plural": "plural"}[kind],)
                current[key[0]] = value
        elif line.startswith('"'):
            if key[0] == "strs":
                current["strs"][key[1]] += _unquote(line)
            else:
                current[key[0]] += _unquote(line)
    return entries


@pytest.fixture(scope="module")
def candidate_msgids(tmp_path_factory) -> set[tuple[str | None, str, str | None]]:
    """(context, msgid, plural) of every string marked in the candidate's sources, extracted as
    ``makemessages`` does (templates through Django's templatize, then xgettext)."""
    from django.core.management.commands.makemessages import Command
    from django.utils.translation.template import templatize

    if shutil.which("xgettext") is None:
        pytest.fail("gettext's xgettext is needed (apt-get install gettext)")
    work = tmp_path_factory.mktemp("pot")
    files = []
    for relative in CANDIDATE_SOURCES:
        source = ROOT / relative
        target = work / (relative.replace("/", "__") + ".py")
        text = source.read_text(encoding="utf-8")
        target.write_text(
            templatize(text, origin=str(source)) if relative.endswith((".html", ".txt")) else text
        )
        files.append(str(target))
    pot = work / "candidate.pot"
    subprocess.run(  # noqa: S603 # nosec B603: fixed arguments, our own files
        [
            "xgettext",
            *Command.xgettext_options,
            "-d",
            "django",
            "--language=Python",
            "--from-code=UTF-8",
            "--keyword=gettext_noop",
            "--keyword=gettext_lazy",
            "--keyword=ngettext_lazy:1,2",
            "--keyword=pgettext:1c,2",
            "--keyword=npgettext:1c,2,3",
            "--keyword=pgettext_lazy:1c,2",
            "--keyword=npgettext_lazy:1c,2,3",
            "--output",
            str(pot),
            *files,
        ],
        check=True,
        capture_output=True,
    )
    return {(e["ctxt"], e["id"], e["plural"]) for e in _read_po(pot)}


def _placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


@pytest.mark.parametrize("language", SHIPPED)
def test_every_candidate_string_is_translated_and_keeps_its_placeholders(language, candidate_msgids):
    entries = {(e["ctxt"], e["id"]): e for e in _read_po(ROOT / f"locale/{language}/LC_MESSAGES/django.po")}
    assert len(candidate_msgids) > 100  # the extraction found the candidate's side
    untranslated, broken = [], []
    for ctxt, msgid, plural in sorted(candidate_msgids, key=lambda k: (k[0] or "", k[1])):
        entry = entries.get((ctxt, msgid))
        if entry is None or entry["fuzzy"] or not all(entry["strs"].values()) or not entry["strs"]:
            untranslated.append(msgid)
            continue
        expected = _placeholders(msgid) | _placeholders(plural or "")
        for translated in entry["strs"].values():
            if _placeholders(translated) != expected:
                broken.append((msgid, translated))
    assert untranslated == [], f"{language}: no translation for {untranslated}"
    assert broken == [], f"{language}: placeholders changed in {broken}"


def test_a_broken_placeholder_would_be_caught():
    assert _placeholders("Hallo %(nam)s, {job}") != _placeholders("Hello %(name)s, {job}")
    assert _placeholders("Ab dem %(day)s") == _placeholders("From %(day)s")


# --- The journey in German and Spanish ---------------------------------------------------------


def _english_fragments(msgids) -> list[str]:
    """Sentences of the English msgids, cut at placeholders and tags, three words or more."""
    fragments = set()
    for _ctxt, msgid, plural in msgids:
        for text in (msgid, plural or ""):
            for piece in re.split(r"%\(\w+\)[sd]|<[^>]+>|\{\w+\}|\n", text):
                piece = piece.strip(" .,:;()")
                if len(piece.split()) >= 3:
                    fragments.add(piece)
    return sorted(fragments)


def _visible(html: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _assert_no_english(text: str, fragments: list[str], where: str):
    left = [fragment for fragment in fragments if fragment in text]
    assert left == [], f"English left in {where}: {left}"


def _journey_letter(language: str) -> FeedbackLetter:
    """A no-hire letter for a candidate recorded in ``language``, drafted from that language's
    template (migration 0011) and sent."""
    candidate = CandidateFactory(name="Rosa Rossi", email=f"rosa.{language}@example.com", language=language)
    job = job_with_pipeline(reapply_cooldown_days=182)
    decider = InterviewerFactory(first_name="Dana", last_name="Decider")
    letter = make_letter(job=job, candidate=candidate, decider=decider)
    decision = letter.decision
    letter.delete()
    drafted = letter_services.letter_draft(decision=decision)
    FeedbackLetter.objects.filter(pk=drafted.pk).update(
        status=FeedbackLetter.Status.SENT,
        sent_at=timezone.now(),
        sent_subject=drafted.subject,
        sent_text=drafted.body,
        reapply_on=timezone.localdate() + dt.timedelta(days=182),
    )
    drafted.refresh_from_db()
    return drafted


def _get(client, path):
    response = client.get(path, follow=True)
    assert response.status_code == 200, path
    return response


@pytest.mark.parametrize("language", ["de", "es"])
def test_the_whole_candidate_journey_has_no_english_left(client, language, candidate_msgids):
    fragments = _english_fragments(candidate_msgids)
    letter = _journey_letter(language)
    assert letter.template.language == language

    # The letter email: text and HTML, subject, Content-Language.
    msg = build_letter_message(letter)
    assert msg.extra_headers["Content-Language"] == language
    _assert_no_english(msg.body.split("\n\n", 1)[1], fragments, "the letter's text")
    _assert_no_english(_visible(msg.alternatives[0].content), fragments, "the letter's HTML")
    assert f'lang="{language}"' in msg.alternatives[0].content

    # The page, in the candidate's language, with the lang attribute and header set.
    page = _get(client, url("letter", letter))
    html = page.content.decode()
    assert re.search(rf'<html lang="{language}" dir="ltr">', html)
    assert page["Content-Language"] == language
    _assert_no_english(_visible(html), fragments, "the letter page")

    # The reminder: asked for on the page, emailed in their language.
    page_path = page.redirect_chain[-1][0] if page.redirect_chain else url("letter", letter)
    remind_path = page_path.rstrip("/") + "/remind/"
    done = client.post(remind_path, {"action": "on"}, follow=True)
    _assert_no_english(_visible(done.content.decode()), fragments, "the page after 'remind me'")
    reminder = reminder_for(letter)
    assert reminder is not None
    mail = build_reminder_message(reminder)
    assert mail.extra_headers["Content-Language"] == language
    _assert_no_english(mail.subject + " " + mail.body, fragments, "the reminder's text")
    _assert_no_english(_visible(mail.alternatives[0].content), fragments, "the reminder's HTML")

    # The answer to a question.
    now = timezone.now()
    question = FeedbackRequest.objects.create(
        letter=letter,
        question="?",
        asked_at=now,
        deadline=now + dt.timedelta(days=7),
        answer="…",
        answered_by=letter.decision.decided_by,
        answered_at=now,
    )
    answer = build_answer_message(question)
    assert answer.extra_headers["Content-Language"] == language
    _assert_no_english(answer.subject + " " + answer.body, fragments, "the answer's text")
    _assert_no_english(_visible(answer.alternatives[0].content), fragments, "the answer's HTML")

    # The .ics, the reapply form (not open yet), the unsubscribe pages, a link problem.
    with translation.override(language):
        calendar = ics.reapply_ics(letter).decode()
    unfolded = calendar.replace("\r\n ", "")
    assert f"LANGUAGE={language}" in unfolded
    _assert_no_english(unfolded.replace("\\n", " ").replace("\\,", ","), fragments, "the .ics")
    for path in (url("reapply", letter, "reapply"), url("unsubscribe", letter, "unsubscribe")):
        _assert_no_english(_visible(_get(client, path).content.decode()), fragments, path)
    unsubscribed = client.post(url("unsubscribe", letter, "unsubscribe"))
    _assert_no_english(_visible(unsubscribed.content.decode()), fragments, "the unsubscribed page")
    broken = client.get(reverse("candidate:letter", args=["not-a-token"]), HTTP_ACCEPT_LANGUAGE=language)
    assert broken.status_code == 404
    _assert_no_english(_visible(broken.content.decode()), fragments, "the link problem page")
    assert f'<html lang="{language}"' in broken.content.decode()


def test_dates_and_plurals_follow_the_language():
    from core.languages import long_date, long_date_with_weekday
    from feedback.letters.progress import Progress

    day = dt.date(2026, 8, 3)
    expected = {
        "en-gb": ("3 August 2026", "Monday 3 August 2026"),
        "de": ("3. August 2026", "Montag, 3. August 2026"),
        "fr": ("3 août 2026", "lundi 3 août 2026"),
        "es": ("3 de agosto de 2026", "lunes, 3 de agosto de 2026"),
    }
    for language, (short, long) in expected.items():
        with translation.override(language):
            assert (long_date(day), long_date_with_weekday(day)) == (short, long)
    progress = Progress(passed=("Resume review",), stage="Onsite", completed=2, planned=4, further_than=1)
    with translation.override("de"):
        assert progress.sentence == (
            "Sie haben die Runde „Resume review“ durchlaufen und 2 der 4 Gespräche der Runde „Onsite“ "
            "absolviert. Damit sind Sie weitergekommen als 1 von 10 Bewerberinnen und Bewerbern "
            "für diese Stelle."
        )
    with translation.override("fr"):
        assert "1 candidat sur 10" in progress.sentence
    more = Progress(passed=("A", "B"), stage="C", completed=0, planned=1, further_than=9)
    with translation.override("fr"):
        assert more.sentence.replace("\u00a0", " ") == (
            "Vous avez franchi nos étapes « A » et « B » et atteint notre étape « C ». "
            "C'est plus loin que 9 candidats sur 10 pour ce poste."
        )
    with translation.override("en-gb"):
        assert more.sentence == (
            "You made it through our A and B and reached our C. "
            "That is further than 9 in 10 applicants for this role."
        )


# --- The switch ---------------------------------------------------------------------------


def test_the_candidate_switches_the_page_language_with_a_post(client):
    letter = _journey_letter("de")
    page = _get(client, url("letter", letter))
    path = page.redirect_chain[-1][0]
    assert 'action="/c/language/"' in page.content.decode()
    assert "Sprache wechseln" in page.content.decode()
    # A GET changes nothing; the POST needs no personal data, only the page's path.
    client.get(reverse("candidate:language"), {"language": "es", "next": path})
    assert '<html lang="de"' in client.get(path).content.decode()
    switched = client.post(reverse("candidate:language"), {"language": "es", "next": path})
    assert switched.status_code == 302 and switched["Location"] == path
    html = client.get(path).content.decode()
    assert '<html lang="es"' in html and "Cambiar idioma" in html
    # Emails still follow the candidate's recorded language.
    assert build_letter_message(letter).extra_headers["Content-Language"] == "de"


def test_the_switch_is_protected_by_csrf(client):
    csrf_client = client.__class__(enforce_csrf_checks=True)
    response = csrf_client.post(reverse("candidate:language"), {"language": "es", "next": "/c/"})
    assert response.status_code == 403


def test_staff_pages_stay_in_english_whatever_the_browser_says(client, hr_user):
    client.force_login(hr_user)
    html = client.get(reverse("feedback:template_list"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="en-gb"' in html and "Letter templates" in html


# --- Letter templates per language --------------------------------------------------------


def test_a_letter_uses_the_template_of_the_candidates_language_else_the_organisations():
    french = letter_services.template_for_language("fr")
    assert french.language == "fr" and french.is_default
    assert letter_services.template_for_language("fr-ca") == french
    english = letter_services.default_template()
    assert english.language == "en-gb"
    # Italian ships no catalogue nor template: the organisation's.
    assert letter_services.template_for_language("it") == english
    LetterTemplate.objects.filter(language="fr").delete()
    assert letter_services.template_for_language("fr") == english


def test_the_organisations_language_is_the_default_and_the_fallback(settings):
    settings.CANDOR_DEFAULT_LANGUAGE = "es"
    spanish = LetterTemplate.objects.get(language="es", is_default=True)
    assert letter_services.default_template() == spanish
    assert letter_services.template_for_language("it") == spanish
    assert CandidateFactory().language == "es"


def test_an_italian_candidate_gets_the_organisations_language_everywhere(client):
    letter = _journey_letter("it")
    assert letter.template.language == "en-gb"
    assert build_letter_message(letter).extra_headers["Content-Language"] == "en-gb"
    assert '<html lang="en-gb"' in _get(client, url("letter", letter)).content.decode()


def test_the_decider_points_stay_as_written_and_hr_sees_another_language(client, hr_user):
    letter = _journey_letter("de")
    point = letter.decision.points.first()
    assert point.observation in letter.body  # English points, untouched in a German letter
    client.force_login(hr_user)
    html = html_lib.unescape(client.get(reverse("feedback:letter_edit", args=[letter.pk])).content.decode())
    assert "seems to be written in English, and the letter is in German" in html


def test_hr_edits_and_previews_a_template_in_its_language(client, hr_user):
    german = LetterTemplate.objects.get(language="de")
    client.force_login(hr_user)
    html = client.get(reverse("feedback:template_edit", args=[german.pk])).content.decode()
    assert "Preview in German" in html
    assert "Sie haben die Runden" in html  # the sample progress sentence, in German
    assert '<option value="de" selected>German</option>' in html
    listing = client.get(reverse("feedback:template_list")).content.decode()
    assert "Spanish" in listing and "French" in listing


def test_making_a_template_the_default_keeps_one_default_per_language(hr_user):
    other = LetterTemplate.objects.create(
        name="Kurz", language="de", subject="Ihre Bewerbung", body_text="Hallo", body_html="{letter}"
    )
    letter_services.letter_template_save(template=other, by=hr_user, make_default=True)
    defaults = set(LetterTemplate.objects.filter(is_default=True).values_list("language", "name"))
    assert ("de", "Kurz") in defaults
    assert len([d for d in defaults if d[0] == "de"]) == 1
    assert ("en-gb", "Standard feedback letter") in defaults


# --- The candidate's language, from HR and the import ---------------------------------------


def test_hr_sets_the_language_and_the_import_accepts_its_names():
    from hiring.services.imports import _languages

    names = _languages()
    assert names["deutsch"] == "de" and names["german"] == "de" and names["español"] == "es"
    assert names["fr-ca"] == "fr" and names["it"] == "it"


# --- Right to left ------------------------------------------------------------------------


def test_a_right_to_left_page_gets_dir_rtl_and_the_rtl_stylesheet(client, settings):
    settings.LANGUAGES = [*settings.LANGUAGES, ("he", "Hebrew")]
    settings.CANDOR_CANDIDATE_LANGUAGES = [*settings.CANDOR_CANDIDATE_LANGUAGES, ("he", "Hebrew")]
    candidate = CandidateFactory(name="רוזה כהן", email="rosa.he@example.com", language="he")
    job = job_with_pipeline(title="מפתחת תוכנה")
    letter = make_letter(job=job, candidate=candidate)
    html = _get(client, url("letter", letter)).content.decode()
    assert '<html lang="he" dir="rtl">' in html
    assert "bootstrap.rtl.min.css" in html and "bootstrap.min.css" not in html
    assert "מפתחת תוכנה" in html
    # The candidate's layout uses logical properties only, so it mirrors.
    css = (ROOT / "static/css/candidate.css").read_text()
    assert not re.search(r"(?<![-\w])(margin|padding|border)-(left|right)\b|text-align:\s*(left|right)", css)
    assert (ROOT / "static/vendor/bootstrap-5.3.9/bootstrap.rtl.min.css").exists()


def test_the_scan_finds_english_on_an_english_page(client, candidate_msgids):
    """The journey test's scanner is not blind: the same page in English is full of msgids."""
    fragments = _english_fragments(candidate_msgids)
    letter = _journey_letter("en-gb")
    text = _visible(_get(client, url("letter", letter)).content.decode())
    assert len([fragment for fragment in fragments if fragment in text]) > 15


@pytest.mark.parametrize("language", SHIPPED)
def test_a_drafted_letter_in_each_language_has_no_merge_field_finding(language):
    """The quoted stage names and the templates' quotes never look like another tool's merge field."""
    from feedback.placeholders import foreign_merge_fields

    letter = _journey_letter(language)
    assert letter.template.language == language
    assert foreign_merge_fields(letter.subject) == []
    assert foreign_merge_fields(letter.body) == []


def test_every_translated_email_scores_below_2_in_spamassassin():
    from tests.support.quality_tools import require, spamassassin_reports

    require("spamassassin")
    messages = {}
    for language in SHIPPED:
        letter = _journey_letter(language)
        services.reminder_opt_in(letter=letter)
        now = timezone.now()
        question = FeedbackRequest.objects.create(
            letter=letter,
            question="Könnten Sie mehr dazu sagen?",
            asked_at=now,
            deadline=now + dt.timedelta(days=7),
            answer="Gern: der Entwurf ließ offen, wie Lastspitzen abgefangen werden.",
            answered_by=letter.decision.decided_by,
            answered_at=now,
        )
        messages[f"letter-{language}"] = build_letter_message(letter)
        messages[f"reminder-{language}"] = build_reminder_message(reminder_for(letter))
        messages[f"answer-{language}"] = build_answer_message(question)
    reports = spamassassin_reports([msg.message().as_bytes() for msg in messages.values()])
    too_high = {
        name: str(report) for name, report in zip(messages, reports, strict=True) if report.score >= 2.0
    }
    assert not too_high, too_high
