"""What a participant does in a real browser: read a session, in English and in Russian."""

import pytest
from playwright.sync_api import expect

from findings.demo import DIALOGUE, SESSIONS
from findings.enums import Kind

from .conftest import SESSION_URL

pytestmark = pytest.mark.browser

FIRST_SESSION = SESSIONS[0]


def numbered_items(page, selector):
    """[(number, text)] of an <ol>, the numbers as the browser renders them (li.value)."""
    return page.locator(selector).evaluate_all(
        "items => items.map(li => [li.value, li.textContent.trim()])"
    )


def test_participant_reads_a_session_and_switches_it_to_russian(page):
    page.goto("/")
    page.get_by_role("link", name=DIALOGUE["title"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DIALOGUE["title"])

    page.get_by_role("link", name=FIRST_SESSION["title"]).click()
    page.wait_for_url(f"**{SESSION_URL}")
    session_url = page.url

    kazakhstan = "#country-kz"
    expect(page.locator(f"{kazakhstan} h2")).to_have_text("Kazakhstan")
    successes = numbered_items(page, f"{kazakhstan} .column.successes ol > li")
    problems = numbered_items(page, f"{kazakhstan} .column.problems ol > li")
    assert [number for number, _ in successes] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert [text for _, text in successes] == FIRST_SESSION["findings"][Kind.SUCCESS]["KZ"]
    assert problems == [
        [1, "Lack of unity and partnership"],
        [2, "Competitiveness in finding money and receiving it"],
    ]

    page.select_option("#language-select", "ru")
    with page.expect_navigation():
        page.get_by_role("button", name="Change").click()

    assert page.url == session_url
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator(f"{kazakhstan} h2")).to_have_text("Казахстан")
    expect(page.locator(f"{kazakhstan} .column.successes h3")).to_have_text("Успехи (9)")
    expect(page.locator(f"{kazakhstan} .column.problems h3")).to_have_text("Проблемы (2)")
    # The same findings under the same numbers, in their Russian version.
    assert numbered_items(page, f"{kazakhstan} .column.successes ol > li") == [
        [number, text]
        for number, text in enumerate(FIRST_SESSION["findings_ru"][Kind.SUCCESS]["KZ"], start=1)
    ]
    expect(page.locator("#language-select")).to_have_value("ru")
