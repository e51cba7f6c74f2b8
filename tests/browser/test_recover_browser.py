"""A Board member deletes a finding, another takes its number, and the first comes back."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import choose

pytestmark = pytest.mark.browser

LOST = "Lack of unity and partnership"  # Kazakhstan's problem number 1 in the demo's first session
SESSION = (
    "Citizen Participation in Decision Making and Democracy, Transparency and Good "
    "Governance, Digital Advocacy in Central Asia and Mongolia"
)


def test_a_deleted_finding_whose_number_was_taken_is_recovered_at_the_end_of_its_list(
    board_page,
):
    page = board_page
    # Delete it: open it from the findings list, Delete, confirm.
    page.goto("/admin/findings/finding/")
    page.get_by_role("searchbox").fill(LOST)
    page.get_by_role("searchbox").press("Enter")
    page.get_by_role("link", name=LOST).click()
    page.get_by_role("link", name="Delete", exact=True).click()
    page.get_by_role("button", name=re.compile("Yes, I.m sure")).click()
    expect(page.locator(".messagelist")).to_have_text(
        f"The finding “{LOST}” was deleted successfully."
    )

    # Someone adds another finding as Kazakhstan's problem number 1.
    page.get_by_role("link", name="Add finding").click()
    choose(page, "session", "Citizen", SESSION[:40])
    choose(page, "country", "Kaz", "Kazakhstan")
    page.get_by_label("Kind").select_option(label="Problem")
    page.get_by_label("Number").fill("1")
    page.get_by_label("Text [en]").fill("Little trust between organisations")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # Bring the first one back.
    page.get_by_role("link", name="Recover deleted findings").click()
    table = page.locator("#deleted-findings")
    row = table.locator("tr", has_text=LOST)
    deleted_at, by, dialogue = re.compile(r"\d"), "aigerim", re.compile("^Role, impact")
    cells = [deleted_at, by, dialogue, SESSION, "Kazakhstan", "Problem", "1"]
    expect(row.locator("td")).to_have_text(cells)
    row.get_by_role("link", name=LOST).click()
    expect(page.locator(".recover-note")).to_have_text(
        "Number 1 of Kazakhstan problems has been taken since this finding was deleted: "
        "saving recovers it as number 3, at the end of its list."
    )
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_have_text(
        f"The finding was recovered as number 3 of Kazakhstan problems in “{SESSION}”, "
        "since number 1 is taken now."
    )
    listed = page.locator("#result_list tbody tr", has_text=LOST)
    expect(listed).to_have_count(1)
    expect(listed.locator("td.field-position")).to_have_text("3")
    page.get_by_role("link", name="Recover deleted findings").click()
    expect(page.get_by_text("There are no deleted findings to recover.")).to_be_visible()
