"""A Board member records what the network agreed to do about two of the demo's problems;
a participant then finds it on every page that speaks of them."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .conftest import DIALOGUE_URL, SESSION_URL, choose
from .test_accessibility import PHONE, describe

pytestmark = pytest.mark.browser

TITLE = "Map the rules on public participation in each country"
FIRST = "Lack of unity and partnership"
SECOND = "Competitiveness in finding money and receiving it"
NOTE = "Terms of reference agreed with the Board."


def record_the_action(page):
    page.goto("/admin/")
    page.get_by_role("link", name="Follow-up actions", exact=True).last.click()
    page.get_by_role("link", name=re.compile("Add follow-up action")).click()
    choose(page, "dialogue", "barriers", "Role, impact of and barriers")
    page.get_by_label("Action [en]:").fill(TITLE)
    page.get_by_label("Carried by [en]:").fill("I4C Board")
    page.get_by_label("Due date:").fill("2025-03-01")
    choose(page, "problems", "unity", FIRST)
    choose(page, "problems", "Competitiveness", SECOND)
    page.locator("#id_updates-0-date").fill("2024-10-15")
    page.locator("#id_updates-0-note_en").fill(NOTE)
    page.locator("#id_updates-0-status").select_option(label="In progress")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")


def test_board_records_an_action_and_a_participant_sees_it_next_to_the_problems(
    board_page, browser, demo_server
):
    record_the_action(board_page)

    reader = browser.new_context(base_url=demo_server.url, locale="en-GB")
    page = reader.new_page()
    axe = Axe()

    page.goto(DIALOGUE_URL)
    section = page.locator("section.follow-up")
    expect(section.get_by_role("heading", level=3)).to_have_text([TITLE])
    expect(section.locator(".status")).to_have_text("In progress")
    expect(section.locator(".latest-update")).to_contain_text(NOTE)

    page.get_by_role("link", name="Actions", exact=True).click()
    expect(page.get_by_role("heading", level=3)).to_have_text([TITLE])
    expect(page.locator(".status-counts")).to_contain_text("In progress 1")
    assert axe.run(page).response["violations"] == []

    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".timeline")).to_contain_text(NOTE)
    problems = page.locator(".findings .finding-text")
    expect(problems).to_have_text([FIRST, SECOND])
    violations = axe.run(page).response["violations"]
    assert violations == [], describe(violations)
    page.set_viewport_size(PHONE)
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths

    # From the problem to its session page, where the action stands next to it.
    page.locator(".findings .meta a").first.click()
    expect(page).to_have_url(re.compile(re.escape(SESSION_URL) + r"#finding-\d+$"))
    problem = page.locator("#country-kz .problems li").filter(has_text=FIRST)
    expect(problem.locator(".addressed")).to_have_text(f"Being addressed: {TITLE} In progress")
    page.goto(SESSION_URL)
    violations = axe.run(page).response["violations"]
    assert violations == [], describe(violations)
    reader.close()
