"""A Board member finds the findings of a dialogue that still lack a Russian text."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DUPLICATION = "Duplication of the work of international organizations and NGOs"


def test_board_member_follows_the_dialogues_untranslated_count_to_the_finding(board_page, settings):
    settings.CONTENT_LANGUAGES = ["en", "ru"]
    page = board_page
    # The Russian text of one finding is deleted on its own page.
    page.goto("/admin/findings/finding/")
    page.get_by_role("link", name=DUPLICATION).click()
    page.get_by_label("Text [ru]").fill("")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("ul.messagelist")).to_contain_text("was changed successfully")

    page.goto("/admin/dialogues/dialogue/")
    page.get_by_role(
        "link", name="Role, impact of and barriers for the civil society in Central Asia"
    ).click()
    count = page.locator(".field-untranslated_findings")
    expect(count).to_contain_text("Findings without translation:")
    expect(count.get_by_role("link")).to_have_text("1 finding has no Russian text")
    count.get_by_role("link").click()

    expect(page.locator("#changelist-filter .selected", has_text="Missing Russian")).to_be_visible()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("th, td").nth(1)).to_have_text(DUPLICATION)
    expect(page.locator("#changelist-filter")).to_contain_text("Missing English")
