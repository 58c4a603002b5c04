"""Whose attribute is it? The subject rule of the phrase lists.

Words for protected characteristics ("pregnant", "medication", "young", "religion",
"disabilities", "aged", "accent", "children"...) are what the job is about in nursing,
teaching, care and finance. A phrase rule marked ``"about"`` in ``phrases.json`` flags its
words only when they describe the candidate. ``holder`` finds who or what they describe from
the words of the sentence around them, with the rules below, in this order (no per-domain
exceptions, no language model):

1. **Part of a longer name.** A noun followed by another noun, or joined to the next word by
   a hyphen, names a thing: "medication *chart*", "wheelchair *user*", "dyslexia-*friendly*",
   "your character *designs*".
2. **The noun an adjective describes.** For adjectives (``about: "adjective"``: pregnant,
   young, aggressive, nervous...), a noun right after it (or after "and X") is the holder:
   "the pregnant *patient*", "an aggressive 25% *discount*", "Catholic and Protestant
   *views*", "a young *team*". "The man", "the woman", "the person" are someone in the
   scenario; "a young man", "someone young" are people the employer would hire.
3. **The possessor.** The nearest possessive before the word, over up to three modifiers:
   "*your* recent surgery" (the candidate), "the *patient's* medication" (someone else),
   "*its* age" (a thing). Patterns that name the person themselves (``about: "subject"``:
   "your age", "she has young children") take the person they name.
4. **A word after an action is its object.** "giving *the* medication", "you stored
   ethnicity and religion": a noun phrase right after a verb that is not *be*, *have*, *use*,
   *take*, *mention* and the like is what the action was done to, not an attribute of anyone.
   An adjective after "the" ("the 17-year-old", "the elderly") is someone in the scenario.
5. **Otherwise the nearest person or thing before it in the sentence**, past *be/have*,
   prepositions and verbs: "*you* are pregnant", "*you* have a disability", "the *pupils*
   with hearing impairments", "*speakers* of regional accents", "the *customer* was anxious".
   For relations (``about: "relation"``: children, wife, mother...), a preposition ends the
   search: "you spoke to the kids" is about the pupils, "you have kids" about you.
6. **he, she, they** refer to the candidate unless a person was named earlier in the
   sentence (a patient, pupil, customer, resident, or anyone who "said", "asked",
   "explained"...): "the resident was left without *her* hearing aid".

The result is ``CANDIDATE`` (you, your, the candidate, the candidate's name, or a person the
employer would hire: someone, people, a team, staff), ``LIKELY`` (the candidate, but found
in rule 5 past other words than *be/have*: "you go to church"), ``OTHER`` (a patient, a pupil,
a customer, a colleague, a thing: the phrase is not flagged) or ``UNKNOWN`` (the word stands
alone: "Medication was mentioned."). The check flags LIKELY and UNKNOWN ones as advisory, and
as blocking only when the sentence classifier also reads the sentence as personal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CANDIDATE = "candidate"
LIKELY = "likely"  # the candidate, found past other words ("you go to church"): less sure
OTHER = "other"
UNKNOWN = "unknown"

ADJECTIVE = "adjective"
NOUN = "noun"
RELATION = "relation"
SUBJECT = "subject"
KINDS = (ADJECTIVE, NOUN, RELATION, SUBJECT)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The candidate, directly.
_CANDIDATE = _words(
    """
    you your yours yourself yourselves you're you've you'd you'll
    candidate candidate's applicant applicant's interviewee interviewee's
    """
)
_CANDIDATE_POSSESSIVE = _words("your yours candidate's applicant's interviewee's")
# Third person: the candidate unless a person named earlier in the sentence is there.
_THIRD = _words(
    """
    he she him her his hers himself herself they them their theirs themselves he's she's they're
    """
)
_THIRD_POSSESSIVE = _words("his her their")
# People the employer would hire or work beside: an attribute of theirs is a hiring remark.
_HIRE = _words(
    """
    someone somebody anyone anybody person persons people individual individuals team teams
    staff workforce hire hires candidates applicants man men woman women guy guys girl girls
    lady ladies gentleman gentlemen boy boys generation graduates teacher teachers nurse nurses
    supervisor supervisors manager managers lead leader leaders rep reps recruit
    """
)
# Job titles: after an adjective, the person the employer would hire ("a gay designer").
_JOB_TITLES = _words(
    """
    designer designers developer developers engineer engineers assistant assistants salesman
    salesmen saleswoman salespeople salesperson advisor advisors adviser advisers analyst
    analysts consultant consultants accountant accountants technician technicians clerk clerks
    officer officers executive executives specialist specialists associate associates
    representative representatives cashier cashiers chef chefs cook cooks waiter waiters
    waitress waitresses bartender bartenders receptionist receptionists programmer programmers
    coder coders architect architects intern interns director directors administrator
    administrators coordinator coordinators cleaner cleaners porter porters
    """
)
# Nouns that, after an adjective, name a person the employer would hire: "a native English
# speaker", "young blood", "a younger face at the bar", "a young crowd".
_HIRE_AFTER_ADJECTIVE = _words("speaker speakers face faces blood crowd crew bunch squad")
# One person of the scenario when "the", "this" or "that" comes before: "the pregnant woman".
_SOMEONE = _words("man woman person guy girl lady gentleman boy individual")
# People the job is about: their attributes are the job, not a remark about the candidate.
_OTHER_PEOPLE = _words(
    """
    patient patients pupil pupils student students learner learners child children kid kids
    baby babies infant infants toddler toddlers resident residents client clients customer
    customers guest guests visitor visitors caller callers user users shopper shoppers buyer
    buyers prospect prospects passenger passengers tenant tenants member members parent parents
    carer carers relative relatives family families son sons daughter daughters mother mothers
    father fathers wife husband class audience reader readers participant participants attendee
    attendees donor donors traveller travellers traveler travelers diner diners driver drivers
    survivor survivors victim victims claimant claimants beneficiary beneficiaries debtor debtors
    tourist tourists occupant occupants citizen citizens public account accounts pensioner
    pensioners employee employees worker workers colleague colleagues recruits picker pickers
    agent agents operative operatives trainee trainees apprentice apprentices householder
    householders consumer consumers respondent respondents persona personas competitor
    competitors
    """
)
# Verbs that make the word before them a person ("the picker said", "the child disclosed").
_SPEECH = _words(
    """
    said says asked asks told tells explained explains reported reports disclosed discloses
    mentioned mentions complained complains wanted wants refused refuses called calls shouted
    cried replied replies answered answers admitted insisted insists wrote writes emailed phoned
    rang arrived arrives
    """
)
# Things: "it" and "its" never describe the candidate.
_THING = _words("it its itself")
# First-person possessives: the employer's own, not the candidate's.
_OUR = _words("our ours my mine we us")
_DETERMINERS = _words(
    """
    the a an this that these those each every any some no all both several many few another
    other such one two three four five six seven eight nine ten eleven twelve
    """
)
_DEFINITE = _words("the this that these those")
# Auxiliaries and "to": an unknown word right after one is a verb ("didn't support", "to give").
_AUX = _words(
    """
    do does did don't doesn't didn't not n't never will would can could should may might must
    to won't can't couldn't wouldn't shouldn't cannot
    """
)
# Heads that keep a compound the holder's own: "your prayer breaks", "your medication history".
_PERSONAL_HEADS = _words(
    """
    break breaks time times day days needs history status issue issues problem problems
    condition conditions appointment appointments leave plans situation commitments
    responsibilities reasons background journey absence absences record records diagnosis age
    belief beliefs faith identity orientation practice practices observance festivals holidays
    type sort kind character personality presence manner nature cover treatment recovery bundle
    arrangements arrangement disorder disorders
    """
)
# Contractions that end in "'s" without being possessives.
_NOT_POSSESSIVE = _words(
    "it's that's there's here's he's she's who's what's where's when's how's let's one's"
)
# Links between a subject and its attribute: be, have, seem, use, take, mention, suffer...
# A noun phrase after one of these still belongs to the subject before it.
_LINKS = _words(
    """
    is are was were be been being am 're 's 'm isn't aren't wasn't weren't
    seem seems seemed appear appears appeared look looks looked sound sounds sounded feel feels
    felt become becomes became get gets got getting come comes came across
    have has had having 've 'd haven't hasn't hadn't
    use uses need needs needed take takes on off
    suffer suffers suffered suffering live lives lived living diagnosed struggle struggles
    struggled struggling recovering recovered undergoing underwent expecting raising raise
    raised mention mentions mentioned mentioning say says said tell tells told talk talks
    talked talking speak speaks spoke discuss discussed disclose disclosed disclosing shared
    admit admitted explain explained describe described planning planned want wants
    wanted wear wears wearing wore practise practises practice practices practising practicing
    given
    attend attends attended go goes went pray prays prayed observe observes observed observing
    using lack lacks lacked lacking show shows showed displayed assume assumed think thought
    believe believed worry worried wonder wondered guess guessed expect expected hope hoped
    fear feared suspect suspected figure figured reckon reckoned decide decided
    do does did don't doesn't didn't not n't never will would could can may might must shall
    should won't wouldn't couldn't can't mustn't shouldn't also very quite rather too so really
    still just already always often sometimes somewhat slightly clearly visibly bit
    little fairly pretty noticeably extremely overly that which who where when whether if how
    why because while and or but then now as like what
    """
)
_HAVE = _words("have has had having 've 'd with raising raise raised expecting")
_BE = _words("is are was were be been being am 're 's 'm become becomes became as there")
_PREPOSITIONS = _words(
    """
    with without of for in at from to into onto about by over under among including regarding
    during after before since per via toward towards near throughout around across behind
    beside besides between within upon against
    """
)
# Words that follow a noun or adjective without being a noun: function words, adverbs, and
# common verbs ("your accent made it hard", "your medication makes you drowsy").
_NOT_NOUNS = _words(
    """
    and or but nor so yet when while whilst because as if than then that which who whom whose
    where why how though although now today enough here there again too also either neither
    to in on at for with by from of about into during after before since until throughout
    around across over under is are was were be been being am has have had do does did will
    would could should can may might must shall not n't yet even just still already
    soon later next then once twice ever first last anyway instead tonight tomorrow yesterday
    this that these those the a an some any all each every no
    make makes made mean means meant keep keeps kept take takes took give gives gave get gets
    got put puts let lets go goes went come comes came need needs seem seems look looks sound
    sounds matter matters worry worries concern concerns affect affects cause causes show shows
    suggest suggests help helps stop stops prevent prevents limit limits mean leave leaves left
    slow slows hold holds may stand stands sit sits
    due ok okay fine alright happy able willing likely unlikely more less most much
    difficult hard easy strong heavy thick unclear clear obvious noticeable distracting different
    unusual odd strange good bad poor great better worse stable unstable
    mind minds approve agree know knows think thinks say says want wants work works live lives
    stay stays travel tend tends right
    """
)
_CLAUSE_END = re.compile(r"[.!?;:\n\u2026]")
_SENTENCE_END = re.compile(r"[.!?\n\u2026]")
_TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*(?:['\u2019](?=\s|$))?|%|[,()\"]")
_NUMBERISH = re.compile(r"\d[\d.,]*%?|%")


def _tokens(text: str) -> list[str]:
    return [t.lower().replace("\u2019", "'") for t in _TOKEN.findall(text)]


def _is_possessive(token: str) -> bool:
    if token in _NOT_POSSESSIVE:
        return False
    return token.endswith("'s") or (token.endswith("'") and token[:-1].endswith("s"))


def _bare(token: str) -> str:
    """The word without a possessive ending: "patient's" -> "patient", "pupils'" -> "pupils"."""
    if token.endswith("'s"):
        return token[:-2]
    return token.rstrip("'")


def _known(token: str) -> bool:
    return (
        token in _CANDIDATE
        or token in _THIRD
        or token in _HIRE
        or token in _OTHER_PEOPLE
        or token in _THING
        or token in _OUR
        or token in _DETERMINERS
        or token in _LINKS
        or token in _PREPOSITIONS
        or _is_possessive(token)
        or token == ","
    )


def _open_class(token: str) -> bool:
    """A word none of the lists knows: a noun, verb or adjective we cannot tell apart."""
    return token.isalpha() and not _known(token)


def _nounish(token: str) -> bool:
    """Could head a noun phrase: an unknown word that does not look like a verb or an adverb."""
    return _open_class(token) and token not in _NOT_NOUNS and not token.endswith(("ly", "ing", "ed"))


def _third_person(earlier: list[str]) -> str:
    """he/she/they: another person named earlier in the sentence, else the candidate.

    ``earlier``: the tokens before the pronoun, nearest first.
    """
    forward = list(reversed(earlier))
    for i, token in enumerate(forward):
        if _bare(token) in _OTHER_PEOPLE:
            return OTHER
        following = forward[i + 1] if i + 1 < len(forward) else ""
        if _open_class(_bare(token)) and following in _SPEECH:
            return OTHER  # "the picker said ...": a person
    return CANDIDATE


def _person(token: str, earlier: list[str], names: frozenset[str]) -> str | None:
    """CANDIDATE / OTHER if ``token`` names a person or thing that holds the attribute, else None.

    ``earlier``: the tokens before it in the sentence, nearest first.
    """
    bare = _bare(token)
    if token in _CANDIDATE or token in names or bare in names:
        return CANDIDATE
    if token in _THIRD:
        return _third_person(earlier)
    if token in _SOMEONE and earlier and earlier[0] in _DEFINITE:
        return OTHER  # "the boy with ADHD": someone in the scenario
    if token in _HIRE:
        return CANDIDATE
    if _is_possessive(token) or bare in _OTHER_PEOPLE or token in _THING:
        return OTHER
    return None


def _hire_like(noun: str) -> bool:
    """A person the employer would hire: someone, staff, a team, or a job title."""
    return noun in _HIRE or noun in _HIRE_AFTER_ADJECTIVE or noun in _JOB_TITLES


def _head_after(ahead: list[str]) -> str | None:
    """The head noun of the phrase right after an adjective: the last of up to three nouns
    ("a 25-year-old sales *manager*", "the young persons' railcard pricing *screen*"), or a
    person after ", X" / "and X" ("young, energetic *teachers*"). None if no noun follows."""
    tokens = [t for t in ahead if not _NUMBERISH.fullmatch(t) and t != "-"]
    if len(tokens) >= 3 and tokens[0] in ("and", "or", ","):
        rest = tokens[1:]
        k = 0
        while k < len(rest) and k < 3 and _open_class(rest[k]) and not rest[k].endswith("ly"):
            k += 1
        last = _bare(rest[k]) if k < len(rest) else ""
        if k and (last in _HIRE or last in _OTHER_PEOPLE or last in _PERSONAL_HEADS):
            return last
        if k >= 2 and _bare(rest[k - 1]) in _PERSONAL_HEADS:
            return _bare(rest[k - 1])
        return None
    head = None
    for k, token in enumerate(tokens[:3]):
        bare = _bare(token)
        if bare in _CANDIDATE and k:
            break  # "the aggressive upsell you flagged": a new clause
        if bare in _HIRE or bare in _OTHER_PEOPLE or bare in _CANDIDATE:
            head = bare
            if not _is_possessive(token):
                break
        elif bare.isalpha() and _nounish(bare):
            head = bare
        else:
            break
    return head


def _noun_after(ahead: list[str], *, coordinated: bool = False) -> str | None:
    """The noun right after the flagged words ("patient" in "pregnant patient"), if one follows.

    ``coordinated``: also look past "and X", "or X", ", X" ("Catholic and Protestant views",
    "young, energetic teachers").
    """
    tokens = [t for t in ahead if not _NUMBERISH.fullmatch(t) and t != "-"]
    if coordinated and len(tokens) >= 3 and tokens[0] in ("and", "or", ",") and _open_class(tokens[1]):
        tokens = tokens[2:]
    if not tokens:
        return None
    nxt = _bare(tokens[0])
    if not nxt.isalpha():
        return None
    if nxt in _HIRE or nxt in _OTHER_PEOPLE or nxt in _CANDIDATE:
        return nxt
    following = tokens[1] if len(tokens) > 1 else ""
    if (
        following in _DETERMINERS
        or following in _CANDIDATE
        or following in _THIRD
        or following in _THING
        or following in _OUR
        or following == "to"
    ):
        return None  # "accent tend to", "medication makes you": a verb, not a noun
    return nxt if _nounish(nxt) else None


def _predicate_noun(own: list[str], back: list[str]) -> bool:
    """Whether the flagged words start a noun phrase after *be* ("was a native speaker")."""
    words = list(reversed(own[:1])) + back if own and own[0] in _DETERMINERS else back
    i = 0
    while i < len(words) and i < 2 and (_open_class(words[i]) or words[i] in ("very", "quite", "really")):
        i += 1
    if i < len(words) and words[i] in _DETERMINERS and words[i] not in _DEFINITE:
        i += 1
        while i < len(words) and words[i] in ("not", "n't", "never", "also", "still"):
            i += 1
        return i < len(words) and (words[i] in _BE or words[i] in ("isn't", "wasn't", "aren't", "weren't"))
    return False


def holder(before: str, after: str, *, kind: str, names: Iterable[str] = (), match: str = "") -> str:
    """Whose attribute the flagged words are: CANDIDATE, OTHER or UNKNOWN.

    ``before`` and ``after``: the text before and after the flagged words (the sentence is cut
    out of them here). ``match``: the flagged words. ``kind``: ``ADJECTIVE``, ``NOUN``,
    ``RELATION`` or ``SUBJECT`` (see the module docstring). ``names``: the candidate's names
    (any case): "Rosa's accent" is about the candidate.
    """
    names = frozenset(n.lower() for n in names if n)
    left = re.split(_CLAUSE_END, before)[-1]
    right = re.split(_CLAUSE_END, after)[0]
    back = list(reversed(_tokens(left)))  # nearest first
    # he/she/they look for a person in the whole sentence, not only the clause.
    whole = list(reversed(_tokens(re.split(_SENTENCE_END, before)[-1])))
    beyond = whole[len(back) :]
    ahead = _tokens(right)
    own = _tokens(match)
    hyphenated = bool(re.match(r"-[^\W\d_]", after))
    owner_after = bool(re.match(r"['\u2019]s?\b", after))  # "your faith's festivals"

    # A pattern that names its person ("your age", "she has young children").
    if kind == SUBJECT:
        if hyphenated and own and own[0] in _CANDIDATE_POSSESSIVE | _THIRD_POSSESSIVE:
            return OTHER  # "your family-of-products API"
        for i, token in enumerate(own):
            found = _person(token, list(reversed(own[:i])) + back + beyond, names)
            if found is not None:
                return found
        return CANDIDATE

    # 1. Part of a longer name: "medication chart", "wheelchair user", "dyslexia-friendly"
    # (but "your prayer breaks", "your medication history" stay the holder's own).
    if hyphenated:
        return OTHER
    ends_in_noun = kind != ADJECTIVE or (len(own) > 1 and own[-1] in _PERSONAL_HEADS)
    if ends_in_noun and not owner_after:
        noun = _noun_after(ahead)
        if (
            noun is not None
            and not _hire_like(noun)
            and (noun in _OTHER_PEOPLE or (_nounish(noun) and noun not in _PERSONAL_HEADS))
        ):
            return OTHER
    if owner_after and back and back[0] in _DEFINITE:
        return OTHER  # "the mosque's building fund": an institution, not the candidate's
    # "the medication you take": a relative clause names the holder.
    if kind != ADJECTIVE and len(ahead) > 1 and ahead[1] in _LINKS:
        found = _person(ahead[0], [], names) if ahead[0] in _CANDIDATE | _THIRD else None
        if found is not None:
            return found if ahead[0] not in _THIRD else _third_person(back + beyond)

    # The flagged words may carry their own possessor or link ("your health", "with a limp").
    for i, token in enumerate(own[:-1]):
        if token in _CANDIDATE_POSSESSIVE:
            return CANDIDATE
        if token in _THIRD_POSSESSIVE:
            return _third_person(list(reversed(own[:i])) + back + beyond)
    predicate = bool(own) and (own[0] in _HAVE or own[0] in _BE or own[0] in _LINKS)

    # 2. An adjective describes the noun right after it ("the pregnant patient"), unless the
    # flagged words end in a preposition ("too old for", "too young to"), an adverb
    # ("emotionally") or a noun of their own ("maternity leave", "a native speaker").
    if kind == ADJECTIVE and own:
        last = _bare(own[-1])
        determiner = next((t for t in reversed(own[:-1]) if t in _DETERMINERS), "") or next(
            (t for t in back if t in _DETERMINERS or not _open_class(t)), ""
        )
        # "he wasn't a native speaker", "every caller was a young man": a person the sentence
        # says someone *is* belongs to that someone (the walk below finds them).
        predicate = _predicate_noun(own, back)
        if len(own) > 1 and (last in _HIRE or last in _HIRE_AFTER_ADJECTIVE) and not predicate:
            return OTHER if last in _SOMEONE and determiner in _DEFINITE else CANDIDATE
        forward = not (
            own[-1] in _PREPOSITIONS or own[-1] in _AUX or own[-1].endswith("ly") or last in _PERSONAL_HEADS
        )
        noun = _head_after(ahead) if forward else None
        if noun is not None and noun not in _PERSONAL_HEADS:
            if noun in _CANDIDATE or noun in names:
                return CANDIDATE
            if _hire_like(noun):
                if not predicate:
                    return OTHER if noun in _SOMEONE and determiner in _DEFINITE else CANDIDATE
            else:
                return OTHER

    # 3. The word's own noun phrase: up to three modifiers (or "and X"), then a possessive or a
    # determiner.
    i = 0
    verbs = 0  # skipped words that may be verbs (not adverbs in -ly, not numbers)
    while (
        not predicate
        and i < len(back)
        and i < 3
        and (
            _open_class(back[i])
            or _NUMBERISH.fullmatch(back[i])
            or (back[i] in ("and", "or", ",") and i + 1 < len(back) and _open_class(back[i + 1]))
        )
    ):
        if _open_class(back[i]) and not back[i].endswith("ly"):
            verbs += 1
        i += 1
    skipped = i
    if predicate:
        pass
    elif i < len(back):
        token = back[i]
        if token in _CANDIDATE_POSSESSIVE or (_is_possessive(token) and _bare(token) in names):
            return CANDIDATE
        if token in _THIRD_POSSESSIVE:
            return _third_person(back[i + 1 :] + beyond)
        if _is_possessive(token) or token in _THING or token in _OUR:
            return OTHER
        if token in _DETERMINERS:
            previous = back[i + 1] if i + 1 < len(back) else ""
            linked = previous in _HAVE or previous in _BE
            # 4. "giving the medication": a noun phrase right after an action is its object.
            if _open_class(previous):
                return OTHER
            if kind == ADJECTIVE and token in _DEFINITE and previous not in _BE:
                return OTHER  # "the 17-year-old", "the elderly": someone in the scenario
            if kind == RELATION and not linked:
                # "the kids", "a mother": not the candidate's own; at the start: cannot tell.
                return UNKNOWN if not previous else OTHER
            i += 1
        elif kind != ADJECTIVE and verbs and (token in _CANDIDATE or token in _THIRD or token in _AUX):
            # "you gave wrong medication", "you stored ethnicity and religion", "didn't support
            # recurring medication reminders": a verb between, and the words are its object.
            return OTHER
    elif skipped:
        return UNKNOWN  # "Recent surgery ..." at the start of the sentence

    # 5. The nearest person or thing before it, past links, prepositions and other verbs. Past
    # anything but links ("you are", "you have a", "you were too"), the answer is LIKELY.
    far = False
    j = i
    while j < len(back):
        token = back[j]
        if token in _PREPOSITIONS:
            if kind == RELATION and token not in _HAVE and token != "about" and j == i:
                return OTHER  # "you spoke to kids": the kids are not the candidate's
            head = back[j + 1] if j + 1 < len(back) else ""
            after_head = back[j + 2] if j + 2 < len(back) else ""
            if (
                token != "to"
                and _nounish(head)
                and head not in _PERSONAL_HEADS
                and (
                    (
                        token in ("of", "with", "by")
                        and len(head) > 3
                        and head.endswith("s")
                        and not head.endswith("ss")
                    )
                    or after_head in _DETERMINERS
                    or _is_possessive(after_head)
                )
            ):
                return OTHER  # "speakers of regional accents", "the app for dyslexia"
        found = _person(token, back[j + 1 :] + beyond, names)
        if found is not None:
            return LIKELY if found == CANDIDATE and far else found
        if _open_class(token) or (token in _PREPOSITIONS and token not in _HAVE):
            far = True
        j += 1
    return UNKNOWN
