"""A reader searches the findings: the words found are highlighted; too many searches, refused."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def limits(settings):
    settings.PAGE_CACHE_SECONDS = 0
    settings.I4C_CLIENT_IP_HEADER = ""
    settings.I4C_SEARCH_MAX_RESULTS = 1000
    settings.I4C_PUBLIC_STATEMENT_TIMEOUT = 2.0
    return settings


def search(page, words):
    page.goto("/findings/")
    page.get_by_label("Search").fill(words)
    page.get_by_role("button", name="Show findings").click()
    page.wait_for_url("**/findings/?*")


def test_a_reader_finds_a_finding_by_part_of_a_word_with_it_highlighted(page, limits):
    limits.I4C_SEARCH_RATE_LIMIT = 0
    search(page, "caricatur")
    findings = page.locator(".finding")
    expect(findings).to_have_count(1)
    expect(findings.first).to_contain_text("Releasing caricatures of officials")
    expect(findings.first.locator("mark")).to_have_text(re.compile("^caricatur", re.I))


def test_a_reader_who_searches_too_often_is_told_to_wait(page, limits):
    limits.I4C_SEARCH_RATE_LIMIT = 1
    search(page, "caricatures")
    expect(page.locator(".finding")).to_have_count(1)
    search(page, "officials")
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many searches")
    expect(
        page.get_by_text(re.compile(r"Please wait \d+ seconds?, then search again"))
    ).to_be_visible()
