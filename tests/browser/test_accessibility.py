"""The public pages in a real browser: axe-core finds nothing, phones need no sideways
scrolling, and a keyboard user can skip straight to the content."""

import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .conftest import PAGES

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}


@pytest.fixture(scope="module")
def axe():
    return Axe()


def describe(violations):
    """One line per violation and element, so a failing assertion says what to fix."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {json.dumps(node['target'])}: {node['failureSummary']}")
    return "\n".join(lines)


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_page_has_no_axe_violations_in_english(page, axe, path):
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    violations = axe.run(page).response["violations"]
    assert violations == [], describe(violations)


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_page_has_no_axe_violations_in_russian(page, russian, axe, path):
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    violations = axe.run(page).response["violations"]
    assert violations == [], describe(violations)


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_page_fits_a_375px_phone_without_sideways_scrolling(page, path):
    page.set_viewport_size(PHONE)
    page.goto(path)
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, viewport: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["viewport"], widths


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_first_tab_reaches_the_skip_link_which_moves_focus_to_main(page, path):
    page.goto(path)
    page.keyboard.press("Tab")
    skip_link = page.locator("a.skip-link")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
