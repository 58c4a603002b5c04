"""axe-core finds no serious or critical violation on the pages people use most.

Each page is opened in Chromium as its user sees it, with the real
Content-Security-Policy in force, and axe-core (node_modules/axe-core) runs on
it. The candidate's pages, which candidates open from their phones, are also
checked at 375 px wide. Every page is checked before the test fails, so one run
lists every violation.
"""

import pytest

from tests.e2e.helpers import use_session_of
from tests.e2e.scenario import build_world
from tests.support.quality_tools import PHONE_VIEWPORT, axe_check, format_axe, require

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_PAGES = (
    "login",
    "interviewer home",
    "scorecard",
    "decision form",
    "HR letter queue",
    "HR letter editor",
)
CANDIDATE_PAGES = ("candidate page", "reapply form")


@pytest.fixture(autouse=True)
def _axe_installed():
    require("axe")


@pytest.fixture
def world():
    return build_world()


def _check(page, live_server, world, names, *, viewport=None) -> list[str]:
    problems = []
    if viewport:
        page.set_viewport_size(viewport)
    pages = world.pages()
    for name in names:
        user, path = pages[name]
        if user is None:
            page.context.clear_cookies()
        else:
            use_session_of(page, user, live_server)
        response = page.goto(f"{live_server.url}{path}")
        label = f"{name} at {viewport['width']}px" if viewport else name
        if response is None or response.status != 200:
            problems.append(f"{label}: {path} answered {response.status if response else 'nothing'}")
            continue
        violations = axe_check(page)
        if violations:
            problems.append(f"{label} ({path}):\n{format_axe(violations)}")
    return problems


def test_staff_pages_have_no_serious_or_critical_violations(page, live_server, world):
    problems = _check(page, live_server, world, STAFF_PAGES)
    assert not problems, "axe-core:\n\n" + "\n\n".join(problems)


def test_candidate_pages_have_no_serious_or_critical_violations_on_desktop_and_phone(
    page, live_server, world
):
    problems = _check(page, live_server, world, CANDIDATE_PAGES)
    problems += _check(page, live_server, world, CANDIDATE_PAGES, viewport=PHONE_VIEWPORT)
    assert not problems, "axe-core:\n\n" + "\n\n".join(problems)
