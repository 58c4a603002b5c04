"""The feedback quality check: what it flags, what it must leave alone, and how it reports."""

import json
import re

import pytest

from feedback.models import Phrase
from feedback.quality import rules as quality
from feedback.quality.rules import (
    BOILERPLATE,
    NO_OBSERVATION,
    NO_SUGGESTION,
    PERSONAL_ATTRIBUTE,
    Finding,
    Rule,
    check_point,
    check_text,
    check_text_with_db,
    highlight,
    rules_from_db,
)

SPECIFIC_OBSERVATION = (
    "When asked to design the rate limiter you used a fixed window and did not say how bursts at "
    "the window boundary are handled."
)
SPECIFIC_SUGGESTION = "A stronger answer would compare a sliding window or token bucket."


def flagged(text, category=None):
    """(category, flagged words) of each finding, optionally of one category."""
    return [(f.category, f.text) for f in check_text(text) if category in (None, f.category)]


# --- boilerplate -------------------------------------------------------------------------------------

BOILERPLATE_CASES = [
    # (sentence, the words that must be flagged)
    (
        "We were impressed with your knowledge and skills but felt that other candidates had more "
        "relevant experience.",
        "other candidates had more relevant experience",
    ),
    ("Other applicants had a stronger background in Kafka.", "Other applicants had a stronger background"),
    ("We found a stronger candidate.", "found a stronger candidate"),
    ("In the end we found someone more suitable.", "found someone more suitable"),
    ("There were more qualified applicants.", "more qualified applicants"),
    ("We decided to move forward with other candidates.", "move forward with other candidates"),
    ("We are moving forward with another applicant.", "moving forward with another applicant"),
    ("We will be proceeding with a different candidate.", "proceeding with a different candidate"),
    ("We have decided to pursue other candidates.", "pursue other candidates"),
    ("Compared to the other candidates, your answers were shorter.", "Compared to the other candidates"),
    ("You were not the right fit.", "not the right fit"),
    ("Honestly, not a good fit for us.", "not a good fit"),
    ("We did not think you were a strong fit.", "a strong fit"),
    ("Culture fit was a concern.", "Culture fit"),
    ("We worried about cultural fit.", "cultural fit"),
    ("Not a culture-fit.", "culture-fit"),
    ("We are not sure you would fit in with our team.", "fit in with our team"),
    ("Your profile does not match our current needs.", "Your profile does not match our current needs"),
    ("We will keep your resume on file.", "keep your resume on file"),
    ("We'll keep your CV on file for future opportunities.", "keep your CV on file"),
    ("We will keep your details in our talent pool.", "keep your details in our talent pool"),
    ("We will keep you in mind.", "keep you in mind"),
    ("We had many strong applicants.", "many strong applicants"),
    (
        "We received a large number of highly qualified applicants.",
        "a large number of highly qualified applicants",
    ),
    ("It was a very competitive process.", "very competitive process"),
    ("This was a tough decision.", "tough decision"),
    ("We were impressed with your skills, but we went another way.", "were impressed with your skills, but"),
    ("We won’t proceed at this time.", "at this time"),
    ("The team has decided to go in a different direction.", "go in a different direction"),
    ("You did not have the relevant experience.", "did not have the relevant experience"),
    ("It did not meet our bar.", "did not meet our bar"),
]


@pytest.mark.parametrize(("sentence", "words"), BOILERPLATE_CASES)
def test_boilerplate_and_paraphrases_are_flagged(sentence, words):
    assert (BOILERPLATE, words) in flagged(sentence)


def test_boilerplate_matches_across_line_breaks_and_case():
    text = "We decided to MOVE FORWARD\nwith other\tcandidates."
    assert flagged(text) == [(BOILERPLATE, "MOVE FORWARD\nwith other\tcandidates")]


def test_a_bare_decision_is_not_flagged_in_a_letter_but_is_as_a_reason():
    decision = "Unfortunately, we will not be moving forward with your application."
    assert check_text(decision) == []
    result = check_point(decision, SPECIFIC_SUGGESTION)
    categories = [f.category for f in result["observation"]]
    assert BOILERPLATE in categories
    assert NO_OBSERVATION in categories


# --- personal attributes ---------------------------------------------------------------------------

PERSONAL_CASES = [
    ("At your age the pace may be hard.", "At your age"),
    ("You are 52 years old.", "52 years old"),
    ("You seem too old for this team.", "too old for"),
    ("We want someone young and hungry.", "young"),
    ("As a recent graduate you lack exposure.", "recent graduate"),
    ("You graduated in 1998, so the stack moved on.", "graduated in 1998"),
    ("Class of 2002 at MIT.", "Class of 2002"),
    ("We liked how energetic you were.", "energetic"),
    ("You are overqualified for this role.", "overqualified"),
    ("We need an over-qualified engineer.", "over-qualified"),
    ("We want a digital native.", "digital native"),
    ("You are rather junior for your age.", "junior for your age"),
    ("People of your generation prefer email.", "your generation"),
    ("Do you plan to start a family?", "plan to start a family"),
    ("Your children might make on-call hard.", "Your children"),
    ("You mentioned you have two kids.", "you have two kids"),
    ("You said you are pregnant.", "pregnant"),
    ("Your pregnancy would overlap the launch.", "pregnancy"),
    ("You would need maternity leave soon.", "maternity leave"),
    ("He is married with kids.", "married"),
    ("Is she single?", "Is she single"),
    ("Your wife works here too.", "wife"),
    ("Your spouse may relocate.", "spouse"),
    ("Her husband is in the army.", "husband"),
    ("You have a strong accent.", "accent"),
    ("You are not a native speaker.", "native speaker"),
    ("We need native English.", "native English"),
    ("English is not your first language.", "English is not your first language"),
    ("Where are you from originally?", "Where are you from"),
    ("Your nationality may be an issue.", "Your nationality"),
    ("Your citizenship is unclear.", "citizenship"),
    ("Your ethnicity was not a factor.", "Your ethnicity"),
    ("You seem quite religious.", "religious"),
    ("You go to church on Sundays.", "church"),
    ("You asked where the mosque is.", "mosque"),
    ("You need prayer breaks.", "prayer"),
    ("You mentioned health issues.", "health issues"),
    ("Your illness worried the panel.", "illness"),
    ("Your disability could slow you down.", "disability"),
    ("As a disabled person you may need help.", "disabled person"),
    ("You use a wheelchair.", "wheelchair"),
    ("You talked about your mental health.", "mental health"),
    ("You are very attractive.", "You are very attractive"),
    ("You looked overweight.", "overweight"),
    ("Your looks are distracting.", "Your looks"),
    ("You dressed too casually.", "dressed"),
    ("Your hair was unkempt.", "Your hair"),
    ("You have a visible tattoo.", "tattoo"),
    ("You were nervous.", "nervous"),
    ("You seemed aggressive when challenged.", "aggressive"),
    ("You were shy.", "shy"),
    ("You came across as abrasive.", "abrasive"),
    ("You are bubbly.", "bubbly"),
    ("You got emotional.", "emotional"),
    ("You are introverted.", "introverted"),
    ("You seemed arrogant.", "arrogant"),
    ("You were pushy about salary.", "pushy"),
    ("You were too quiet in the group exercise.", "You were too quiet"),
    ("You lacked confidence.", "lacked confidence"),
    ("Seemed very reserved throughout.", "Seemed very reserved"),
]


@pytest.mark.parametrize(("sentence", "words"), PERSONAL_CASES)
def test_personal_attributes_and_proxies_are_flagged(sentence, words):
    assert (PERSONAL_ATTRIBUTE, words) in flagged(sentence)


def test_personal_attribute_findings_explain_why_and_what_to_write_instead():
    (finding,) = check_text("You were nervous.")
    assert "label" in finding.message
    assert "behaviour" in finding.suggestion.lower()
    (finding,) = check_text("Your wife works here too.")
    assert "legal risk" in finding.message
    assert finding.suggestion


# --- false positives -------------------------------------------------------------------------------

CLEAN_CASES = [
    SPECIFIC_OBSERVATION + " " + SPECIFIC_SUGGESTION,
    "Your SQL query did a full table scan; adding an index on (customer_id, created_at) would fix it.",
    "You checked the fit of the regression model only on the training set.",
    "The model is a good fit for the data, but you did not check the residuals.",
    "Draw the best fit line through the points.",
    "The child process is never reaped, so zombies pile up.",
    "Store parent/child nodes in the tree with a parent pointer.",
    "A node with no children is a leaf; nodes that have children are internal.",
    "You compared the age of the cache entry with the TTL at read time.",
    "The cache's max age was 10 seconds and the data aged over time.",
    "You proposed rewriting the hot loop in native code before profiling.",
    "Your class mixes parsing and I/O, which breaks the single responsibility principle.",
    "The worker is single-threaded, so one slow request blocks the rest.",
    "You added a health check endpoint but it did not check the database.",
    "A disabled button should not be focusable; yours was.",
    "When the form is invalid the buttons should be disabled; in your version they were disabled late.",
    "You chose aggressive caching and aggressive timeouts without measuring the hit rate.",
    "Energy consumption of the polling loop was not considered.",
    "You used Church encoding for the numerals, which nobody asked for.",
    "Functions are first-class citizens in Python, so pass the callback directly.",
    "The accent colour fails the contrast check.",
    "It is a race condition between the two writers.",
    "Use a foreign key to the customers table.",
    "The animation was stuttering when you scrolled the list.",
    "k8s is short for Kubernetes.",
    "Your chart palette was not colour-blind friendly.",
    "You made a hard choice between consistency and availability without saying why.",
    "The API looks like it returns a list.",
    "This approach is just shy of the 100 ms budget.",
    "Lazy loading of the images was missing.",
    "The query seemed slow because it lacked an index.",
    "Your code style is inconsistent and your build failed on lint.",
    "You did not consider a man-in-the-middle attack.",
    "You were married to your ORM and never looked at the generated SQL.",
    "Objects in the young generation are collected more often; Young's modulus is irrelevant.",
    "Dear Ms Young, thank you for interviewing with us.",
    "You did not test your code.",
    "Your design does not meet the requirements: it fails on empty input.",
    "The confidence interval you computed was too wide.",
    "Take baby steps: write a failing test first.",
    "The address field was not validated.",
]


@pytest.mark.parametrize("sentence", CLEAN_CASES)
def test_specific_technical_feedback_passes_clean(sentence):
    assert check_text(sentence) == []


# --- spans, Unicode, order ---------------------------------------------------------------------------


def test_spans_index_the_original_text_exactly():
    text = (
        "Résumé review 👍 went well. “We won’t — at this time — keep your CV on file,” she said.\n"
        "You seemed nervous; we found a stronger candidate."
    )
    findings = check_text(text)
    assert [f.text for f in findings] == [
        "at this time",
        "keep your CV on file",
        "nervous",
        "found a stronger candidate",
    ]
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text


def test_curly_apostrophes_match_like_straight_ones():
    assert flagged("It’s not what we’re looking for.") == [(BOILERPLATE, "not what we’re looking for")]
    assert flagged("It's not what we're looking for.") == [(BOILERPLATE, "not what we're looking for")]


def test_text_whose_lower_case_changes_length_keeps_exact_spans():
    # "İ".lower() is two characters: the check must not shift offsets.
    text = "İİİ İstanbul office: CULTURE FIT was discussed, and you were nervous."
    findings = check_text(text)
    assert [(f.category, f.text) for f in findings] == [
        (BOILERPLATE, "CULTURE FIT"),
        (PERSONAL_ATTRIBUTE, "nervous"),
    ]
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text


def test_findings_are_sorted_by_start_and_carry_message_and_suggestion():
    text = "You were nervous. Other candidates had more relevant experience. Your wife called."
    findings = check_text(text)
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    assert all(f.message and f.suggestion for f in findings)
    assert {f.category for f in findings} == {BOILERPLATE, PERSONAL_ATTRIBUTE}


def test_empty_text_has_no_findings():
    assert check_text("") == []


# --- feedback points --------------------------------------------------------------------------------


def test_a_specific_point_has_no_findings():
    assert check_point(SPECIFIC_OBSERVATION, SPECIFIC_SUGGESTION) == {"observation": [], "suggestion": []}


@pytest.mark.parametrize(
    "observation",
    [
        "",
        "   ",
        "Weak.",
        "Not good enough.",
        "Lacked depth.",
        "Weak SQL skills, lacked depth in databases.",
        "n/a",
    ],
)
def test_an_observation_without_concrete_content_is_flagged(observation):
    findings = check_point(observation, SPECIFIC_SUGGESTION)["observation"]
    assert [(f.category, f.start, f.end) for f in findings] == [(NO_OBSERVATION, 0, 0)]
    assert findings[0].message and findings[0].suggestion


@pytest.mark.parametrize(
    "observation",
    [
        "You did not test your code.",
        "Your SQL query did a full table scan.",
        "You wrote the merge step without handling empty lists.",
    ],
)
def test_a_short_observation_of_what_was_done_counts_as_concrete(observation):
    assert check_point(observation, SPECIFIC_SUGGESTION)["observation"] == []


@pytest.mark.parametrize(
    "suggestion",
    ["", "Do better.", "Improve.", "n/a", "N/A", "Practise more.", "Keep learning and gain more experience."],
)
def test_a_suggestion_without_concrete_content_is_flagged(suggestion):
    findings = check_point(SPECIFIC_OBSERVATION, suggestion)["suggestion"]
    assert [(f.category, f.start, f.end) for f in findings] == [(NO_SUGGESTION, 0, 0)]


def test_an_observation_made_only_of_a_personal_label_is_flagged_twice():
    findings = check_point("Seemed nervous.", SPECIFIC_SUGGESTION)["observation"]
    assert [f.category for f in findings] == [NO_OBSERVATION, PERSONAL_ATTRIBUTE]
    assert findings[1].text == "nervous"


def test_an_observation_made_only_of_boilerplate_has_no_concrete_content():
    findings = check_point("Other candidates had more relevant experience.", SPECIFIC_SUGGESTION)
    assert [f.category for f in findings["observation"]] == [NO_OBSERVATION, BOILERPLATE]


def test_point_phrase_findings_have_spans_in_their_own_field():
    suggestion = "Be calmer; you were nervous. Compare a sliding window with a token bucket."
    findings = check_point(SPECIFIC_OBSERVATION, suggestion)["suggestion"]
    assert [(f.category, suggestion[f.start : f.end]) for f in findings] == [(PERSONAL_ATTRIBUTE, "nervous")]


# --- highlight --------------------------------------------------------------------------------------


def test_highlight_escapes_text_and_marks_each_finding_with_a_text_label():
    text = '<script>alert("x")</script> Culture fit & more.\nYou were nervous.'
    html = str(highlight(text, check_text(text)))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<mark class="finding finding-boilerplate" title="' in html
    assert (
        'Culture fit<span class="visually-hidden"> (flagged: boilerplate)</span></mark> &amp; more.\n' in html
    )
    assert 'nervous<span class="visually-hidden"> (flagged: personal attribute)</span></mark>' in html


def test_highlight_merges_overlapping_findings_into_one_mark():
    text = "abc def ghi"
    findings = [
        Finding(BOILERPLATE, 0, 7, "abc def", 'one "quoted"'),
        Finding(PERSONAL_ATTRIBUTE, 4, 11, "def ghi", "two"),
        Finding(NO_OBSERVATION, 0, 0, "", "not a span"),
    ]
    html = str(highlight(text, findings))
    assert html == (
        '<mark class="finding finding-boilerplate finding-personal_attribute" '
        'title="one &quot;quoted&quot; / two">abc def ghi'
        '<span class="visually-hidden"> (flagged: boilerplate, personal attribute)</span></mark>'
    )


def test_highlight_without_findings_is_the_escaped_text():
    assert str(highlight("a < b\nc", [])) == "a &lt; b\nc"


# --- admin phrases (extra rules) -----------------------------------------------------------------------


def test_extra_rules_escape_everything_but_the_star():
    rule = Rule(BOILERPLATE, "(a+)+ b.c", "regex characters are literal", literal=True)
    assert check_text("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", extra_rules=[rule]) == []
    assert check_text("we saw abc here", extra_rules=[rule]) == []
    (finding,) = check_text("we saw (a+)+ b.c here", extra_rules=[rule])
    assert finding.text == "(a+)+ b.c"


def test_extra_rule_star_matches_any_word_ending_on_word_boundaries():
    rule = Rule(PERSONAL_ATTRIBUTE, "old-school*", "dated", "say what was dated", literal=True)
    text = "An old school approach, old-schoolish naming, and bold-school-ness."
    assert [f.text for f in check_text(text, extra_rules=[rule])] == ["old school", "old-schoolish"]


def test_an_extra_rule_of_only_stars_flags_nothing():
    rule = Rule(BOILERPLATE, "**", "nothing", literal=True)
    assert check_text("anything at all", extra_rules=[rule]) == []


@pytest.mark.django_db
def test_admin_phrases_are_honoured_and_inactive_ones_ignored():
    Phrase.objects.create(
        category=Phrase.Category.BOILERPLATE,
        pattern="rock* star*",
        message="Hype, not feedback.",
        suggestion="Name the skill.",
    )
    Phrase.objects.create(
        category=Phrase.Category.PERSONAL_ATTRIBUTE,
        pattern="zodiac sign",
        message="Not job-related.",
        active=False,
    )
    text = "We wanted rockstars or a rock star; your zodiac sign did not matter."
    findings = check_text_with_db(text)
    assert [(f.category, f.text, f.message, f.suggestion) for f in findings] == [
        (BOILERPLATE, "rock star", "Hype, not feedback.", "Name the skill."),
    ]
    assert check_text(text) == []  # the pure check never reads the database
    assert [(r.category, r.pattern, r.literal) for r in rules_from_db()] == [
        (BOILERPLATE, "rock* star*", True)
    ]


@pytest.mark.django_db
def test_an_admin_phrase_with_regex_syntax_cannot_break_the_check():
    Phrase.objects.create(category=Phrase.Category.BOILERPLATE, pattern="[unclosed (", message="m")
    Phrase.objects.create(category=Phrase.Category.BOILERPLATE, pattern="*", message="m")
    assert [f.text for f in check_text_with_db("a [unclosed ( bracket; you were nervous")] == [
        "[unclosed (",
        "nervous",
    ]


# --- speed: compile once ------------------------------------------------------------------------------


def test_bulk_checking_compiles_each_rule_set_once():
    letter = (
        SPECIFIC_OBSERVATION + " " + SPECIFIC_SUGGESTION + " Other candidates had more relevant experience. "
    ) * 9
    letters = [f"Dear candidate {i},\n{letter}"[:2000] for i in range(1000)]
    assert len(letters[0]) == 2000
    check_text(letters[0], extra_rules=[Rule(BOILERPLATE, "rock star", "m", literal=True)])  # warm up
    compiled_before = quality._compile.cache_info()
    builtin_before = quality._builtin_index.cache_info()

    for text in letters:
        # A fresh but equal list each time, as from rules_from_db() per request.
        findings = check_text(text, extra_rules=[Rule(BOILERPLATE, "rock star", "m", literal=True)])
        assert findings and all(f.category == BOILERPLATE for f in findings)

    compiled_after = quality._compile.cache_info()
    builtin_after = quality._builtin_index.cache_info()
    assert compiled_after.misses == compiled_before.misses
    assert compiled_after.hits == compiled_before.hits + 1000
    assert builtin_after.misses == builtin_before.misses
    assert builtin_after.hits >= builtin_before.hits + 1000


# --- the built-in data ----------------------------------------------------------------------------


def test_builtin_phrase_lists_are_versioned_and_well_formed():
    data = json.loads(quality.DATA_FILE.read_text(encoding="utf-8"))
    assert re.fullmatch(r"\d+\.\d+\.\d+", data["version"])
    assert quality.phrases_version() == data["version"]
    ids = [group["id"] for group in data["groups"]]
    assert len(ids) == len(set(ids))
    for group in data["groups"]:
        assert group["category"] in (BOILERPLATE, PERSONAL_ATTRIBUTE)
        assert group["scope"] in ("text", "point")
        assert group["message"] and group["suggestion"]


@pytest.mark.parametrize("rule", quality.builtin_rules(), ids=lambda rule: f"{rule.name}:{rule.pattern[:40]}")
def test_each_builtin_pattern_compiles_is_lower_case_and_indexed(rule):
    regex = rule.regex
    compiled = re.compile(regex)
    assert compiled.groups == 0, "use (?:...): rules are told apart by matching them one by one"
    assert not compiled.fullmatch(""), "a pattern that matches nothing would flag every word"
    # Matching runs on lower-cased text without IGNORECASE: an upper-case letter would never match.
    assert not re.search(r"[A-Z]", re.sub(r"\\.", "", regex))
    # A space followed by a quantifier would quantify the separator, not the previous word.
    assert not re.search(r" [?*+{]", rule.pattern)
    # Every built-in rule is reached through the start index, not scanned on its own.
    assert quality._start_keys(regex, 0) is not None
