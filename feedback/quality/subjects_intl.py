"""Whose attribute is it? The subject rule of the German, French and Spanish phrase lists.

The same idea as the English rule (``feedback.quality.subjects``), with smaller, explainable
word lists per language: a protected-characteristic word ("schwanger", "Behinderung",
"enceinte", "handicap", "embarazada", "discapacidad"...) marked ``"about"`` in
``phrases_<code>.json`` is flagged only when it describes the candidate, not a patient, a
pupil, a customer, a colleague or a thing. ``holder_for(code)`` returns the function the
phrase lists call; it reads only the words of the clause around the match, in this order:

1. **Part of a longer name**: the word joined to the next by a hyphen
   ("Behinderungs-gerecht") names a thing.
2. **The possessor after it** (French and Spanish, and the German genitive): "les
   médicaments *du patient*", "la medicación *del paciente*", "die Medikamente *des
   Patienten*", "das Alter *der Cache-Einträge*": a person other than the candidate, or a
   thing, holds it (OTHER); "de vous" / "von Ihnen" holds it for the candidate.
3. **The noun an adjective describes**: in German the noun after it ("die schwangere
   *Patientin*", "einen aggressiven *Rabatt*"), in French and Spanish the noun before it
   ("la *patiente* enceinte", "el *cliente* estaba agresivo" is rule 4). A person the
   employer would hire ("ein junges *Team*", "une voix plus jeune") is the candidate's kind
   of remark (CANDIDATE); anyone else, or a thing, is not (OTHER).
4. **The nearest person before it in the clause**: "*Sie* sind schwanger", "*vous* avez un
   handicap", "*usted* está embarazada", "*Ihre* Behinderung" (the candidate: CANDIDATE if
   it is within three words, else LIKELY); "die *Bewohnerin* mit Hörbehinderung", "*l'élève*
   dyslexique", "*el conductor* comentó su dolor" (someone else: OTHER). Third-person
   pronouns and possessives (er/sie/ihr, il/elle/son/sa, él/ella/su) are the candidate
   unless another person was named earlier in the sentence. In German, "Sie"/"Ihr" written
   with a capital inside a sentence are the formal "you".
5. Otherwise **UNKNOWN** (the word stands alone: "Schwangerschaft wurde erwähnt."): the
   check shows it as advisory, never blocking.

The results are the English module's constants (``subjects.CANDIDATE``...). Pure, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from feedback.quality.subjects import ADJECTIVE, CANDIDATE, LIKELY, OTHER, SUBJECT, UNKNOWN

_CLAUSE_END = re.compile(r"[.!?;:\n\u2026]")
_SENTENCE_END = re.compile(r"[.!?\n\u2026]")
_TOKEN = re.compile(r"[^\W\d_]+(?:['\u2019](?=[^\W\d_]))?|\d+|,")
_NEAR = 3  # a candidate word this close before the match: CANDIDATE; further: LIKELY


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class Lexicon:
    """One language's word lists (lower case; ``*`` at the end of an entry: any ending)."""

    candidate: frozenset[str]  # you, your, the candidate
    third: frozenset[str]  # he, she, they, his, her: the candidate unless someone else was named
    capital_you: frozenset[str]  # German: "Sie", "Ihr"... with a capital inside a sentence
    others: tuple[str, ...]  # stems of people other than the candidate (patient, pupil, customer...)
    hire: tuple[str, ...]  # stems of people the employer would hire (team, staff, voice...)
    things: tuple[str, ...]  # stems of things that have an age, a language... (cache, invoice...)
    genitive: frozenset[str]  # words that introduce a possessor after the noun (des, du, del...)
    skip: frozenset[str]  # articles, determiners, small words skipped on the way
    noun_after_adjective: bool  # German: the adjective's noun follows it
    pro_drop: bool = False  # Spanish: "Está embarazada", "Parecía nervioso" name no subject


def _stems(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _stem_match(token: str, stems: Iterable[str]) -> bool:
    return any(token.startswith(stem) for stem in stems)


LEXICONS: dict[str, Lexicon] = {
    "de": Lexicon(
        candidate=_words(
            "du dein deine deinen deinem deiner deines dich dir bewerber bewerberin kandidat kandidatin "
            "kandidaten ihnen"
        ),
        third=_words(
            "er sie ihr ihre ihren ihrem ihrer ihres sein seine seinen seinem seiner seines ihm ihn"
        ),
        capital_you=_words("Sie Ihr Ihre Ihren Ihrem Ihrer Ihres Ihnen"),
        others=_stems(
            """
            patient bewohner schüler kind kinder kund anrufer mandant kolleg mitarbeiterin
            angestellt fahrer eltern nutzer benutzer frau mann männer person mensch leute angehörig
            zielgruppe käufer einkäufer klient gast gäst besucher teilnehmer figur persona baby
            jugendlich senior rentner erbe mutter vater familie bürger nutzerin zuschauer
            """
        ),
        hire=("team", "kollegium", "stimme", "verkäufer", "kraft", "bewerber", "nachwuchs"),
        things=_stems(
            """
            cache eintr forderung rechnung posten batteri prozess rabatt preis daten text system
            server gerät anlage datei produkt app logo schrift formular vertrag plan test abfrage
            angebot ware palette sendung lieferung kampagne feld spalte ticket code konto
            zeitstempel
            """
        ),
        genitive=_words("des der eines einer von vom"),
        skip=_words(
            "der die das den dem des ein eine einen einem einer eines sehr so zu etwas noch schon auch "
            "nicht kein keine keinen und oder mit bei für ist sind war waren wäre wären wirken wirkten "
            "haben hat hatte hatten sich wohl doch ja eher ganz"
        ),
        noun_after_adjective=True,
    ),
    "fr": Lexicon(
        candidate=_words("vous votre vos tu ton ta tes toi te t candidat candidate"),
        third=_words("il elle ils elles son sa ses lui leur leurs"),
        capital_you=frozenset(),
        others=_stems(
            """
            patient résident élève enfant client appelant collègue salarié employé utilisateur
            utilisatrice parent famille chauffeur conducteur personne femme homme acheteu acheteuse
            bébé mineur personnage persona public cible usager mère père fils fille bénéficiaire
            visiteu invité senior retraité adulte jeune
            """
        ),
        hire=("équipe", "voix", "commercia", "collaborat", "recrue", "profil"),
        things=_stems(
            """
            cache entrée créance facture batterie processus remise prix donnée texte système serveur
            fichier produit application logo police formulaire contrat plan test requête offre
            marchandise palette colis livraison campagne champ colonne ticket code compte horodatage
            lit
            """
        ),
        genitive=_words("du de des d d' de la"),
        skip=_words(
            "le la les l un une des du de d au aux ce cette ces très si trop un peu plus assez aussi "
            "ne pas n et ou avec pour est sont était étaient serait seriez êtes semblez sembliez avez "
            "avait a ai sûrement sans doute bien"
        ),
        noun_after_adjective=False,
    ),
    "es": Lexicon(
        candidate=_words("usted ustedes tú tu tus te ti contigo candidato candidata"),
        third=_words("él ella ellos ellas su sus le les"),
        capital_you=frozenset(),
        others=_stems(
            """
            paciente residente alumn niñ hij client llamante compañer emplead usuari padre madre
            familia conductor chofer persona mujer hombre comprador bebé menor personaje público
            destinatari abuel anciano adulto jóvenes visitante invitad jubilad beneficiari
            """
        ),
        hire=("equipo", "voz", "comercial", "plantilla", "profesional"),
        things=_stems(
            """
            caché cache entrada cobro factura batería proceso descuento precio dato texto sistema
            servidor archivo producto aplicación logotipo tipografía formulario contrato plan prueba
            consulta oferta mercancía palé envío entrega campaña campo columna ticket código cuenta
            marca cuna saldo
            """
        ),
        genitive=_words("del de"),
        skip=_words(
            "el la los las lo un una unos unas al del de muy tan demasiado algo más también no ni y o "
            "con para es son era eran sería está estaba están estar tiene tenía ha había se seguramente"
        ),
        noun_after_adjective=False,
        pro_drop=True,
    ),
}


def _tokens(text: str) -> list[str]:
    """Words as written (case kept), apostrophes straight: "l'élève" -> ["l'", "élève"]."""
    return [t.replace("\u2019", "'") for t in _TOKEN.findall(text)]


def _is_other(token: str, lex: Lexicon) -> bool:
    low = token.lower()
    return _stem_match(low, lex.others) and not _stem_match(low, lex.hire)


def _is_hire(token: str, lex: Lexicon) -> bool:
    return _stem_match(token.lower(), lex.hire)


def _is_thing(token: str, lex: Lexicon) -> bool:
    return _stem_match(token.lower(), lex.things)


def _is_candidate(token: str, lex: Lexicon, names: frozenset[str]) -> bool:
    low = token.lower()
    if low in lex.candidate or low in names or low.rstrip("s'") in names:
        return True
    # German: "Sie", "Ihr", "Ihre"... with a capital are the formal you (in a letter to the
    # candidate also at the start of a sentence); "sie", "ihr" are she, they, her.
    return token in lex.capital_you


def _third(earlier: list[str], lex: Lexicon) -> str:
    """A third-person pronoun: someone else when a person was named before it, else the candidate."""
    return OTHER if any(_is_other(t, lex) for t in earlier) else CANDIDATE


def _holder(
    lex: Lexicon, before: str, after: str, *, kind: str, names: Iterable[str] = (), match: str = ""
) -> str:
    names = frozenset(n.lower() for n in names if n)
    sentence = _SENTENCE_END.split(before)[-1]
    clause = _CLAUSE_END.split(before)[-1]
    back = list(reversed(_tokens(clause)))  # nearest first
    whole = _tokens(sentence)
    ahead = _tokens(_CLAUSE_END.split(after)[0])
    own = _tokens(match)

    if kind == SUBJECT:
        return CANDIDATE
    # 1. Part of a longer name: "Behinderungs-gerecht".
    if re.match(r"-[^\W\d_]", after):
        return OTHER
    # The flagged words may carry their own possessor ("Ihre Behinderung", "votre handicap").
    for i, token in enumerate(own[:-1]):
        if _is_candidate(token, lex, names):
            return CANDIDATE
        if token.lower() in lex.third:  # "su acento", "ihre Behinderung" written in lower case
            return _third(whole + own[:i], lex)
    # 2. The possessor after it: "du patient", "del paciente", "des Patienten", "de vous".
    if ahead and ahead[0].lower().rstrip("'") in lex.genitive:
        for token in ahead[1:4]:
            low = token.lower()
            if low in lex.skip or low == ",":
                continue
            if lex.noun_after_adjective and not token[:1].isupper():
                continue  # "das Alter der offenen Posten": an adjective before the noun
            if _is_candidate(token, lex, names):
                return CANDIDATE
            if (
                _is_other(token, lex)
                or _is_thing(token, lex)
                or (lex.noun_after_adjective and token[:1].isupper())
            ):
                return OTHER
            break
    # 3. The noun an adjective describes.
    if kind == ADJECTIVE:
        if lex.noun_after_adjective:
            for token in ahead[:2]:
                if token == ",":
                    break
                if token[:1].isupper():  # a German noun
                    if _is_hire(token, lex):
                        return CANDIDATE
                    if _is_candidate(token, lex, names):
                        break
                    return OTHER
                if token.lower() not in lex.skip:
                    break
        else:
            # French and Spanish adjectives mostly follow their noun ("la patiente enceinte"); a few
            # come first ("les plus jeunes enfants", "jóvenes alumnos").
            if ahead and (_is_other(ahead[0], lex) or _is_thing(ahead[0], lex)):
                return OTHER
            if ahead and _is_hire(ahead[0], lex):
                return CANDIDATE
            for token in back[:2]:
                low = token.lower()
                if low in lex.skip:
                    continue
                if _is_hire(token, lex):
                    return CANDIDATE
                if _is_other(token, lex) or _is_thing(token, lex):
                    return OTHER
                break
    # 4. The nearest person before it in the clause.
    for distance, token in enumerate(back):
        if _is_candidate(token, lex, names):
            return CANDIDATE if distance < _NEAR else LIKELY
        low = token.lower()
        if low in lex.third:
            earlier = whole[: len(whole) - distance - 1]
            found = _third(earlier, lex)
            if found == OTHER:
                return OTHER
            return CANDIDATE if distance < _NEAR else LIKELY
        if _is_other(token, lex) or _is_thing(token, lex):
            return OTHER
    # Spanish drops the subject: in a letter to the candidate, "¿Está embarazada?" or "Parecía
    # muy nervioso" with nobody else named in the sentence is about the candidate.
    if lex.pro_drop and kind == ADJECTIVE and not any(_is_other(t, lex) or _is_thing(t, lex) for t in whole):
        return CANDIDATE
    return UNKNOWN


_HOLDERS: dict[str, Callable[..., str]] = {}


def holder_for(language: str) -> Callable[..., str]:
    """The subject rule of ``language`` (``"de"``, ``"fr"``, ``"es"``), with the signature of
    ``subjects.holder``: ``(before, after, *, kind, names=(), match="") -> CANDIDATE | LIKELY |
    OTHER | UNKNOWN``. A language without a lexicon: every word counts as UNKNOWN (advisory).
    """
    if language not in _HOLDERS:
        lex = LEXICONS.get(language)

        def unknown(before, after, *, kind, names=(), match=""):
            return CANDIDATE if kind == SUBJECT else UNKNOWN

        def known(before, after, *, kind, names=(), match="", lex=lex):
            return _holder(lex, before, after, kind=kind, names=names, match=match)

        _HOLDERS[language] = known if lex is not None else unknown
    return _HOLDERS[language]
