"""The quality check in German, French and Spanish (issue 16, item 5).

Each language has its phrase lists (``feedback/quality/phrases_<code>.json``) and a subject
rule (``subjects_intl.py``): protected words are flagged when they describe the candidate
(Sie/Ihr, vous/votre, usted/su/tú), not a patient, a pupil or a customer. No sentence model
covers these languages (WordLlama's embedding and the training corpus are English), so the
check is rules-only there and says so. Other languages (Italian, Dutch...) are "not checked".
"""

from __future__ import annotations

import json

import pytest

from feedback.quality import check, rules, subjects_intl
from feedback.quality.check import Checker, LanguagePack

CHECK = Checker(extra_rules=())


def _flags(text: str, *, language: str | None = None) -> list[tuple[str, str, bool, str]]:
    return [
        (f.category, f.text, f.blocking, f.language)
        for f in CHECK.check_text(text, language=language)
        if f.category in ("boilerplate", "personal_attribute")
    ]


BOILERPLATE = [
    ("de", "Wir hatten sehr viele starke Bewerbungen und haben uns für eine andere Person entschieden."),
    ("de", "Leider passen Sie nicht ganz zu unserem Team."),
    ("de", "Wir nehmen Ihre Unterlagen gerne in unseren Talentpool auf."),
    ("fr", "D'autres candidats avaient une expérience plus adaptée au poste."),
    ("fr", "Nous conservons votre CV dans notre vivier et reviendrons vers vous."),
    ("fr", "La décision a été très difficile à prendre pour toute l'équipe."),
    ("es", "Otros candidatos aportaban una experiencia más adecuada para el puesto."),
    ("es", "Guardaremos su currículum en nuestra base de datos por si surge una vacante."),
    ("es", "Lamentablemente su perfil no encaja del todo con nuestro equipo."),
]

PERSONAL = [
    ("de", "Sind Sie schwanger oder planen Sie Kinder?"),
    ("de", "Ihr Akzent war im Gespräch manchmal schwer zu verstehen."),
    ("de", "Mit Ihrer Behinderung wäre der Schichtdienst zu belastend."),
    ("fr", "Êtes-vous enceinte ou envisagez-vous une grossesse ?"),
    ("fr", "Votre accent rendait l'échange difficile à suivre."),
    ("fr", "À votre âge, une longue formation n'est plus rentable."),
    ("es", "¿Está usted embarazada o piensa tener hijos pronto?"),
    ("es", "Su acento hacía que a veces costara entenderle en la entrevista."),
    ("es", "Con su discapacidad, el trabajo a turnos sería demasiado duro."),
]

SPECIFIC_ABOUT_OTHERS = [
    ("de", "Sie haben die schwangere Patientin nicht nach ihrer Medikation gefragt."),
    ("de", "Ihr Unterrichtsentwurf hatte keine Anpassung für die zwei Schüler mit Hörbehinderung."),
    ("de", "Die Bewohnerin mit Demenz wurde ohne Angehörigengespräch geplant, obwohl ihr Sohn anrief."),
    ("de", "Sie haben einen aggressiven Rabatt von 25 % angeboten, ohne die Marge zu prüfen."),
    ("fr", "Vous n'avez pas interrogé la patiente enceinte sur ses médicaments."),
    ("fr", "Votre préparation ne prévoyait aucune adaptation pour les deux élèves malentendants."),
    ("fr", "Vous n'avez pas comparé les médicaments du patient avec sa prescription."),
    ("es", "No preguntó a la paciente embarazada por su medicación."),
    ("es", "Su programación no tenía ninguna adaptación para los alumnos con discapacidad auditiva."),
    ("es", "La clienta mencionó su discapacidad y usted no le ofreció la opción accesible."),
]


@pytest.mark.parametrize(("code", "text"), BOILERPLATE)
def test_boilerplate_is_flagged_and_blocks_in_each_language(code, text):
    found = _flags(text)
    assert found and all(category == "boilerplate" and blocking for category, _, blocking, _ in found), found
    assert {language for *_, language in found} == {code}


@pytest.mark.parametrize(("code", "text"), PERSONAL)
def test_personal_remarks_about_the_candidate_are_flagged_and_block(code, text):
    found = _flags(text, language=code)  # as a sentence of a letter in that language
    assert any(category == "personal_attribute" and blocking for category, _, blocking, _ in found), found
    assert {language for *_, language in found} == {code}


@pytest.mark.parametrize(("code", "text"), SPECIFIC_ABOUT_OTHERS)
def test_protected_words_about_patients_pupils_and_customers_are_not_flagged(code, text):
    assert _flags(text, language=code) == []


def test_the_subject_rule_tells_the_candidate_from_someone_else():
    de, fr, es = (subjects_intl.holder_for(code) for code in ("de", "fr", "es"))
    assert de("Sind Sie ", " oder nicht?", kind="adjective", match="schwanger") == "candidate"
    assert de("Die Kundin sagte, sie sei ", ".", kind="adjective", match="schwanger") == "other"
    assert de("Sie sprachen mit der ", " Patientin.", kind="adjective", match="schwangeren") == "other"
    assert de("Das ", " der offenen Posten", kind="adjective", match="Alter") == "other"
    assert fr("Vous n'avez pas vu la patiente ", ".", kind="adjective", match="enceinte") == "other"
    assert fr("", " du patient.", kind="noun", match="traitement") == "other"
    assert es("¿Está ", "?", kind="adjective", match="embarazada") == "candidate"
    assert es("El cliente estaba ", ".", kind="adjective", match="nervioso") == "other"
    assert es("", " mencionada.", kind="noun", match="discapacidad") == "unknown"
    assert es("", ".", kind="noun", match="Rosa's acento", names=["rosa"]) == "candidate"
    assert subjects_intl.holder_for("it")("", "", kind="noun", match="x") == "unknown"


def test_a_german_letter_is_checked_by_its_lists_and_says_no_model_read_it():
    text = (
        "Liebe Frau Weber,\n\nvielen Dank für Ihre Zeit. Andere Bewerber passten besser zu uns."
        "\n\nViele Grüße"
    )
    findings = CHECK.check_text(text)
    assert ("boilerplate", "Andere Bewerber", True, "de") in [
        (f.category, f.text, f.blocking, f.language) for f in findings
    ]
    (note,) = [f for f in findings if f.category == "not_checked"]
    assert note.message.startswith("Checked with the phrase lists only") and "German" in note.message
    assert not note.blocking and note.start == note.end == 0
    assert check.not_checked(findings) == []  # it was checked, by the lists


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (
            "Abbiamo deciso di non procedere con la sua candidatura perché le risposte erano troppo "
            "generiche.",
            "Italian",
        ),
        (
            "Wij hebben besloten niet verder te gaan met uw sollicitatie, omdat uw antwoorden te "
            "algemeen waren.",
            "Dutch",
        ),
    ],
)
def test_italian_and_dutch_letters_are_shown_as_not_checked(text, name):
    findings = CHECK.check_text("Dear Ada,\n\n" + text + "\n\nKind regards,\nSam")
    assert check.not_checked(findings) == [name]
    assert all(not f.blocking for f in findings)
    assert [f.category for f in findings] == ["not_checked"]


def test_the_letter_s_language_reads_lines_too_short_to_identify():
    assert _flags("Trop âgé.") == []  # too short to tell: read as English, where it means nothing
    assert _flags("Trop âgé.", language="fr") == [("personal_attribute", "Trop âgé", True, "fr")]
    assert _flags("Sie sind zu alt.") == [("personal_attribute", "zu alt", True, "de")]  # German words
    # A language the check does not cover: the default (English) reads the short line.
    assert [(c, t, lang) for c, t, _, lang in _flags("Too old.", language="xx")] == [
        ("personal_attribute", "Too old", "en")
    ]


def test_the_registry_has_a_pack_per_language_and_takes_new_ones():
    packs = check.default_packs()
    assert sorted(packs) == ["de", "en", "es", "fr"]
    for code in ("de", "fr", "es"):
        assert packs[code].classify is None and "does not cover" in packs[code].unavailable
        assert packs[code].version == f"phrases-{rules.phrases_version(code)}+rules-only"
    assert packs["en"].classify is not None
    dutch = LanguagePack(code="nl", phrases=lambda text, **kwargs: [], version="nl-test")
    try:
        check.register_pack("nl", lambda: dutch)
        assert check.default_packs()["nl"] is dutch
        text = "Wij hebben besloten niet verder te gaan met uw sollicitatie, omdat uw antwoorden te algemeen."
        assert check.not_checked(Checker(extra_rules=()).check_text(text)) == []
    finally:
        check.PACKS.pop("nl")
        check.default_packs.cache_clear()
    assert "nl" not in check.default_packs()


@pytest.mark.parametrize("code", ["de", "fr", "es"])
def test_each_phrase_file_is_versioned_compiles_and_is_lower_case(code):
    data = json.loads(rules.data_file(code).read_text(encoding="utf-8"))
    assert data["language"] == code and data["version"] == rules.phrases_version(code)
    built = rules.builtin_rules(code)
    assert len(built) > 100
    for rule in built:
        assert rule.language == code and "<<" not in rule.pattern
        assert rule.pattern == rule.pattern.lower(), rule.pattern
        rules._compile((rule,), False)  # compiles
        assert rules._start_keys(rule.regex, 0) is not None, rule.pattern  # indexed


def test_the_fingerprint_names_every_language_s_lists():
    fingerprint = CHECK.fingerprint
    english_only = Checker(extra_rules=(), packs={"en": check.default_packs()["en"]}).fingerprint
    assert fingerprint != english_only
