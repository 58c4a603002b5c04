"""``manage.py check_feedback``: findings for scripts, with exit codes."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from feedback.models import Phrase

LETTER = "Dear Sam,\nWe found a stronger candidate.\nYou seemed nervous when asked about  indexes.\n"
CLEAN = "When asked to add an index you chose (customer_id, created_at) but did not say why.\n"


def run_command(*args, stdin=""):
    out = io.StringIO()
    call_command("check_feedback", *args, stdin=io.StringIO(stdin), stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_text_output_gives_line_column_category_words_message_and_suggestion():
    output = run_command(stdin=LETTER).splitlines()
    assert len(output) == 2
    assert output[0].startswith('2:4 boilerplate "found a stronger candidate": Compares the candidate')
    assert output[0].endswith("what would have been stronger.)")
    assert output[1].startswith('3:12 personal_attribute "nervous": A personality label')


@pytest.mark.django_db
def test_json_output_lists_findings_with_offsets_into_the_input():
    findings = json.loads(run_command("-", "--format", "json", stdin=LETTER))
    assert [(f["category"], f["text"]) for f in findings] == [
        ("boilerplate", "found a stronger candidate"),
        ("personal_attribute", "nervous"),
    ]
    for finding in findings:
        assert LETTER[finding["start"] : finding["end"]] == finding["text"]
        assert finding["message"] and finding["suggestion"]


@pytest.mark.django_db
def test_clean_text_prints_nothing_or_an_empty_json_list():
    assert run_command(stdin=CLEAN) == ""
    assert json.loads(run_command("--format", "json", stdin=CLEAN)) == []


@pytest.mark.django_db
def test_reads_a_file_and_honours_admin_phrases(tmp_path):
    Phrase.objects.create(category=Phrase.Category.BOILERPLATE, pattern="ninja*", message="Hype.")
    path = tmp_path / "letter.txt"
    # Issue 11: the check now includes the sentence classifier, which (rightly) reads "You are a
    # coding ninja." as a remark about the person; this sentence is clean but for the admin phrase.
    path.write_text("Your build used ninja instead of make, which the brief allowed.\n", encoding="utf-8")
    findings = json.loads(run_command(str(path), "--format", "json"))
    assert [(f["text"], f["message"]) for f in findings] == [("ninja", "Hype.")]


@pytest.mark.django_db
def test_json_output_gives_confidence_blocking_source_and_language_of_each_finding():
    text = LETTER + "The standard of applicants this time round was exceptionally high.\n"
    findings = json.loads(run_command("--format", "json", stdin=text))
    by_text = {f["text"]: f for f in findings}
    phrase = by_text["found a stronger candidate"]
    assert (phrase["source"], phrase["blocking"], phrase["language"]) == ("phrase", True, "en")
    assert 0.9 <= phrase["confidence"] <= 1
    sentence = by_text["The standard of applicants this time round was exceptionally high."]
    assert (sentence["category"], sentence["source"], sentence["blocking"]) == (
        "boilerplate",
        "classifier",
        True,
    )
    assert 0.8 <= sentence["confidence"] <= 1
    for finding in findings:
        assert set(finding) >= {"category", "start", "end", "line", "column", "text", "message", "suggestion"}


@pytest.mark.django_db
def test_text_in_another_language_is_reported_as_not_checked_in_both_formats():
    # German, French and Spanish have their own lists now (issue 16); Italian is not checked.
    text = LETTER + (
        "\nAbbiamo deciso di non procedere con la sua candidatura perché le risposte erano "
        "troppo generiche.\n"
    )
    (note,) = [
        f for f in json.loads(run_command("--format", "json", stdin=text)) if f["category"] == "not_checked"
    ]
    assert note["message"].startswith("Not checked: written in Italian")
    assert (note["blocking"], note["language"], note["source"]) == (False, "it", "language")
    assert text[note["start"] : note["end"]].startswith("Abbiamo deciso")
    lines = run_command(stdin=text).splitlines()
    assert any(line.startswith('5:1 not_checked (advisory) "Abbiamo deciso') for line in lines)


def test_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*missing.txt") as excinfo:
        run_command(str(tmp_path / "missing.txt"))
    assert excinfo.value.returncode == 2


# --- exit codes, through manage.py ------------------------------------------------------------------


def manage(tmp_path, *args, stdin=""):
    """Run manage.py check_feedback in a subprocess, against an empty database (no tables)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'no-tables.sqlite3'}",
    }
    return subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "check_feedback", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_exit_codes_are_1_for_findings_0_when_clean_2_when_unreadable(tmp_path):
    found = manage(tmp_path, stdin=LETTER)
    assert found.returncode == 1, found.stderr
    assert "found a stronger candidate" in found.stdout
    assert found.stderr == ""  # no tables: the built-in lists alone, quietly

    clean_file = tmp_path / "clean.txt"
    clean_file.write_text(CLEAN, encoding="utf-8")
    clean = manage(tmp_path, str(clean_file), "--format", "json")
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout) == []

    missing = manage(tmp_path, str(tmp_path / "missing.txt"))
    assert missing.returncode == 2
    assert "Cannot read" in missing.stderr
    assert missing.stdout == ""
