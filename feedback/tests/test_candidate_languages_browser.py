"""Chromium through Playwright: the candidate's page in German is clean for axe-core and the Nu
Html Checker with ``lang`` set right, and the language switch turns it into Spanish."""

import pytest
from playwright.sync_api import expect

from feedback.tests.candidate_helpers import url
from feedback.tests.test_candidate_languages import (  # noqa: F401 (fixtures)
    _assert_no_english,
    _compiled_catalogues,
    _english_fragments,
    _journey_letter,
    _visible,
    candidate_msgids,
)
from tests.support.quality_tools import axe_check, format_axe, require, vnu_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_german_page_is_clean_and_switches_to_spanish(page, live_server, candidate_msgids):  # noqa: F811
    require("axe", "vnu")
    letter = _journey_letter("de")
    page.goto(live_server.url + url("letter", letter))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=2, name="Unser Brief")).to_be_visible()
    html = page.content()
    _assert_no_english(_visible(html), _english_fragments(candidate_msgids), "the German page in Chromium")
    violations = axe_check(page)
    assert violations == [], format_axe(violations)
    errors = vnu_check({"letter-de": html})
    assert errors == [], "\n".join(map(str, errors))

    page.get_by_label("Sprache dieser Seite").select_option("es")
    page.get_by_role("button", name="Sprache wechseln").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=2, name="Nuestra carta")).to_be_visible()
    violations = axe_check(page)
    assert violations == [], format_axe(violations)
