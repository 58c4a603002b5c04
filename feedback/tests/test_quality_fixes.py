"""Fixes after a fresh-eyes test of the quality check (issue 19).

1. Languages are decided sentence by sentence: an English remark inside a German (French,
   Spanish, Italian) paragraph gets the whole English check, a German one inside an English
   letter the German lists.
2. Short text, names and addresses get no language verdict of their own.
3. A greeting naming someone else, or a title with no name after any greeting word, blocks.
4. Each finding's category, label and message belong to its rule.
5. A personal remark in a subject is judged like one in the body.
"""

from __future__ import annotations

import re

import pytest

from feedback.quality import check, classifier, languages, rules
from feedback.quality.check import Addressee, Checker

CHECK = Checker(extra_rules=())

WRAPPERS = {
    "de": (
        "Vielen Dank für Ihre Zeit und das angenehme Gespräch mit unserem Team.",
        "Wir wünschen Ihnen viel Erfolg bei der weiteren Suche.",
    ),
    "fr": (
        "Merci pour votre temps et pour l'entretien avec notre équipe.",
        "Nous vous souhaitons beaucoup de succès dans vos recherches.",
    ),
    "es": (
        "Muchas gracias por su tiempo y por la entrevista que mantuvo con nuestro equipo la semana pasada.",
        "Le deseamos mucho éxito en su búsqueda y en los próximos pasos de su carrera.",
    ),
    "it": (
        "Grazie per il tempo che ci ha dedicato e per il colloquio con il nostro team.",
        "Le auguriamo il meglio per la sua ricerca.",
    ),
}
FAMILY = "Do you have plans to start a family soon?"
FIELD = "The standard of applicants this time round was exceptionally high."


def _blocking_in(findings, text: str, sentence: str) -> set[str]:
    """The categories of blocking findings inside ``sentence`` (English-checked)."""
    start = text.index(sentence)
    return {
        f.category
        for f in findings
        if f.blocking and start <= f.start and f.end <= start + len(sentence) and f.language == "en"
    }


# --- 1. Each sentence in its own language ----------------------------------------------------------


@pytest.mark.parametrize("code", sorted(WRAPPERS))
@pytest.mark.parametrize("letter_language", [None, "de"])
def test_english_remarks_inside_a_foreign_paragraph_get_the_english_check_and_block(code, letter_language):
    before, after = WRAPPERS[code]
    text = f"{before} {FAMILY} {FIELD} {after}"

    findings = CHECK.check_text(text, language=letter_language)

    assert "personal_attribute" in _blocking_in(findings, text, FAMILY)
    assert "boilerplate" in _blocking_in(findings, text, FIELD)  # the classifier read it
    # The wrapper is still read in its own language, not as English.
    assert all(f.language != "en" for f in findings if f.end <= len(before))


@pytest.mark.parametrize("code", sorted(WRAPPERS))
def test_a_short_english_remark_inside_a_foreign_paragraph_is_read_as_english(code):
    before, after = WRAPPERS[code]
    text = f"{before} Are you pregnant? {after}"
    found = [(f.category, f.text, f.blocking, f.language) for f in CHECK.check_text(text)]
    assert ("personal_attribute", "Are you pregnant", True, "en") in found or (
        "personal_attribute",
        "pregnant",
        True,
        "en",
    ) in found


def test_a_german_remark_inside_an_english_letter_gets_the_german_lists():
    text = (
        "Dear Jonas,\n\nThank you for your time and for the conversation with our team. "
        "Mit Ihren 58 Jahren sind Sie für dieses junge Team leider zu alt. "
        "We wish you every success in your search.\n\nKind regards,\nSam"
    )
    found = [(f.category, f.blocking, f.language) for f in CHECK.check_text(text)]
    assert ("personal_attribute", True, "de") in found


def test_sentences_of_the_paragraph_s_own_language_are_never_read_as_another():
    # Sentences that an identifier alone might give to a neighbour language stay in their
    # paragraph's (they use its function words).
    text = (
        "Gracias por su tiempo y por la entrevista. Puede responder a este mensaje si tiene "
        "preguntas sobre esta valoración. Si desea comentar esta valoración, contacte con la "
        "secretaría."
    )
    paragraphs = languages.segments(text)
    spans = classifier.split_sentences(text)
    assert len(spans) == 3
    assert [s.code for s in languages.sentence_segments(text, paragraphs, spans)] == ["es"]


# --- 2. Short text, names and addresses --------------------------------------------------------------


@pytest.mark.parametrize(
    "subject",
    [
        "Feedback Bcc: evil@example.com",
        "Jonas Rossi <jonas.rossi@example.com>",
        "https://careers.example.com/jobs/123",
        "Alice Ito",
        "Acme GmbH, Hauptstraße 5, 10115 Berlin",
        "Your application – Acme Ltd",
        "Re: Ihre Bewerbung",
    ],
)
@pytest.mark.parametrize("letter_language", [None, "en", "de"])
def test_names_addresses_and_short_subjects_get_no_language_verdict(subject, letter_language):
    findings = CHECK.check_text(subject, language=letter_language)
    assert [f for f in findings if f.category == "not_checked" and f.end > f.start] == []
    assert check.not_checked(findings) == []


def test_an_address_alone_is_not_portuguese():
    assert languages.segments("Feedback Bcc: evil@example.com")[0].code is None
    assert languages.sentence_language("Feedback Bcc: evil@example.com", "de") == "de"


@pytest.mark.parametrize(
    "signature",
    [
        "Alice Ito",
        "Alice Ito\nHead of Talent, Acme GmbH\nalice@acme.example",
        # No function word in a dozen words: a signature, not "a language the check does not know".
        "Alice Ito\nRecruiting Lead\nAcme GmbH\nHauptstraße 5\n10115 Berlin\nGeschäftsführer Max "
        "Mustermann\nAmtsgericht Berlin HRB 12345\nwww.acme.example",
    ],
)
def test_a_signature_under_a_german_body_takes_the_body_s_language(signature):
    text = (
        "Sehr geehrte Frau Weber,\n\nvielen Dank für Ihre Bewerbung und das Gespräch mit uns. "
        "Ihre Antworten zur Dienstplanung waren konkret.\n\nMit freundlichen Grüßen\n\n" + signature
    )
    findings = CHECK.check_text(text)
    assert check.not_checked(findings) == []
    start = text.index(signature)
    assert [f for f in findings if f.end > start] == []
    assert {s.code for s in languages.segments(text)} == {"de"}


# --- 3. Greetings ------------------------------------------------------------------------------------

WEN = Addressee(name="Wen Costa")


@pytest.mark.parametrize(
    "greeting", ["Dear Maria,", "Hi Maria,", "Hello Maria Rossi,", "Good morning Jonas,"]
)
def test_a_greeting_naming_someone_else_blocks(greeting):
    text = f"{greeting}\n\nThank you for your time."
    (finding,) = [f for f in CHECK.check_text(text, addressee=WEN) if f.category == rules.GREETING]
    name = greeting.split(" ", 1)[1].rstrip(",").replace("morning ", "")
    assert finding.blocking and finding.text == name
    assert finding.message.startswith(f"The greeting names someone else: {name}")
    assert "Dear Wen," in finding.suggestion


@pytest.mark.parametrize(
    "greeting",
    [
        "Dear Wen,",
        "Dear Wen Costa,",
        "Dear Ms Costa,",
        "Dear Dr. Costa,",
        "Hi there,",
        "Dear Applicant,",
        "Hello and thank you for applying!",
        "Dear [First Name],",  # a merge field: its own finding
    ],
)
def test_a_greeting_with_the_candidate_s_name_or_no_name_is_not_someone_else(greeting):
    text = f"{greeting}\n\nThank you for your time."
    assert [f for f in CHECK.check_text(text, addressee=WEN) if f.category == rules.GREETING] == []


def test_a_greeting_with_the_preferred_name_or_another_word_of_the_name_is_not_someone_else():
    bob = Addressee(name="Robert Smith", preferred_name="Bob")
    assert CHECK.check_text("Dear Bob,\n\nThank you.", addressee=bob) == []
    assert [
        f.category for f in CHECK.check_text("Dear Rossi,\n\nThanks.", addressee=Addressee("Rossi, Jonas"))
    ] == ["merge_field"]


@pytest.mark.parametrize(
    "greeting",
    [
        "Hello Dr. ,",
        "Hello Dr.,",
        "Hi Mr,",
        "Hey Ms. ,",
        "Good morning Prof.,",
        "Good evening Mrs ,",
        "Dear Dr.,",
    ],
)
def test_a_title_without_a_name_after_any_greeting_word_blocks(greeting):
    text = f"{greeting}\n\nThank you for your time."
    found = [(f.category, f.text, f.blocking) for f in CHECK.check_text(text, addressee=WEN)]
    assert (rules.MERGE_FIELD, greeting, True) in found


# --- 4. Categories, labels and messages belong to their rule ----------------------------------------

PERSONAL_WORDS = ("not job-related", "not the job", "a label", "personality label")
BOILERPLATE_WORDS = (
    "form letter",
    "form-letter",
    "filler",
    "boilerplate",
    "says nothing",
    "does not say",
    "not specific",
    "restates",
)


@pytest.mark.parametrize("language", rules.phrase_languages())
def test_every_builtin_rule_s_message_belongs_to_its_category(language):
    by_message: dict[str, set[str]] = {}
    for rule in rules.builtin_rules(language):
        assert rule.category in (rules.BOILERPLATE, rules.PERSONAL_ATTRIBUTE), rule.name
        message = rule.message.lower()
        by_message.setdefault(rule.message, set()).add(rule.category)
        if rule.category == rules.PERSONAL_ATTRIBUTE:
            assert any(w in message for w in PERSONAL_WORDS), (rule.name, rule.message)
        else:
            assert any(w in message for w in BOILERPLATE_WORDS), (rule.name, rule.message)
            assert "discrimination" not in message and "protected" not in message, rule.name
        # A message that quotes a word ("'Fit' says nothing...") is about patterns with that word.
        quoted = [q.lower() for q in re.findall(r"'([^']+)'", rule.message)]
        if quoted and language == "en":
            pattern = rule.pattern.lower()
            assert any(all(w in pattern for w in q.split()) for q in quoted), (rule.name, rule.pattern)
    # No message copied from a rule of another category.
    assert {m: c for m, c in by_message.items() if len(c) > 1} == {}
    if language == "en":  # English: each group has its own message
        groups = {}
        for rule in rules.builtin_rules(language):
            groups.setdefault(rule.message, set()).add(rule.name)
        assert {m: g for m, g in groups.items() if len(g) > 1} == {}


def test_go_in_a_different_direction_gets_its_own_message_not_the_fit_one():
    (finding,) = [
        f for f in CHECK.check_text("We decided to go in a different direction.") if f.source == "phrase"
    ]
    assert finding.category == rules.BOILERPLATE
    assert "Fit" not in finding.message and "different direction" in finding.message


def test_every_check_finding_kind_has_the_category_its_message_says():
    bob = Addressee(name="Robert Smith", preferred_name="Bob")
    kinds = {
        "Dear Robert,\n\nThanks.": (rules.GREETING, check.PREFERRED_GREETING_MESSAGE, False),
        "Dear Maria,\n\nThanks.": (rules.GREETING, "The greeting names someone else", True),
        "Dear ,\n\nThanks.": (rules.MERGE_FIELD, check.EMPTY_GREETING_MESSAGE, True),
        "Dear Dr.,\n\nThanks.": (rules.MERGE_FIELD, check.TITLE_GREETING_MESSAGE, True),
        "Dear [First Name],\n\nThanks.": (rules.MERGE_FIELD, check.MERGE_MESSAGE, True),
    }
    for text, (category, message, blocking) in kinds.items():
        (finding,) = [f for f in CHECK.check_text(text, addressee=bob) if f.source == "phrase"]
        assert (finding.category, finding.blocking) == (category, blocking), text
        assert finding.message.startswith(message), text
    # The classifier's two messages go with their own categories.
    for label, (category, message, _suggestion) in check.CLASSIFIER_TEXT.items():
        assert check._LABEL_CATEGORY[label] == category
        assert ("boilerplate" in message) == (category == rules.BOILERPLATE)


def test_every_category_has_a_label_where_findings_are_listed():
    from feedback.letters.findings import CATEGORY_LABELS

    assert set(rules.CATEGORY_LABELS) == set(rules.CATEGORIES) == set(CATEGORY_LABELS)
    assert CATEGORY_LABELS["greeting"] == "Greeting"


# --- 5. Personal remarks in a subject -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "language", "words"),
    [
        ("Pregnant?", None, "Pregnant"),
        ("Pregnant?", "de", "Pregnant"),  # English words in a German letter: the English lists
        ("Too old?", None, "Too old"),
        ("Feedback: pregnant?", None, "pregnant"),
        ("Schwanger?", "de", "Schwanger"),
        ("Enceinte ?", "fr", "Enceinte"),
        ("¿Embarazada?", "es", "Embarazada"),
    ],
)
def test_a_personal_remark_in_a_subject_blocks_like_one_in_the_body(subject, language, words):
    found = [(f.category, f.text, f.blocking) for f in CHECK.check_text(subject, language=language)]
    assert ("personal_attribute", words, True) in found


def test_a_heading_with_a_protected_word_stays_advisory():
    text = "Medication:\nYou gave the wrong dose to the patient."
    found = [(f.text, f.blocking) for f in CHECK.check_text(text) if f.category == "personal_attribute"]
    assert found in ([], [("Medication", False)])


# --- 6. A letter is checked in its language ------------------------------------------------------------


def _german_letter():
    from candidates.tests.factories import CandidateFactory
    from feedback.letters import services as letter_services
    from feedback.tests.candidate_helpers import make_letter

    candidate = CandidateFactory(name="Rosa Rossi", email="rosa.de@example.com", language="de")
    letter = make_letter(candidate=candidate)
    decision = letter.decision
    letter.delete()
    return letter_services.letter_draft(decision=decision)


@pytest.mark.django_db
def test_a_german_letter_s_short_lines_are_read_as_german_by_the_editor_and_the_queue():
    from feedback.letters.findings import (
        letter_findings,
        letters_check_summaries,
        letters_inputs,
        text_checker,
    )
    from feedback.models import FeedbackLetter

    letter = _german_letter()
    assert letter.template.language == "de"
    # Too short for the identifier, no function word: only the letter's language can tell.
    FeedbackLetter.objects.filter(pk=letter.pk).update(subject="Schwanger?")
    letter.refresh_from_db()

    findings = letter_findings(letter=letter)
    assert ("personal_attribute", "Schwanger", True, "de") in [
        (f.category, f.text, f.blocking, f.language) for f in findings.subject
    ]
    # The queue and bulk approval read the same language from the database.
    check = text_checker()
    inputs = letters_inputs(FeedbackLetter.objects.filter(pk=letter.pk))
    assert inputs[letter.pk].language == "de" and check.key(inputs[letter.pk]) == findings.key
    summaries, _ = letters_check_summaries(
        letters=FeedbackLetter.objects.filter(pk=letter.pk).only(
            "pk", "check_key", "check_blocking", "check_advisory", "check_not_checked"
        ),
        check=check,
    )
    assert summaries[letter.pk].blocking == len(findings.blocking) >= 1


def test_the_letter_s_language_code_is_the_check_s():
    from feedback.letters.findings import LetterInput, check_language

    assert [check_language(c) for c in ("de", "de-at", "en-gb", "", None)] == ["de", "de", "en", None, None]
    assert LetterInput(subject="", body="", language="fr").check_language == "fr"
