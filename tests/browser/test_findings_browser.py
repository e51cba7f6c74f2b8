"""The findings browser: every finding of the record, filtered by country and kind."""

import csv
import io
from pathlib import Path

import pytest

from findings.demo import SESSIONS
from findings.enums import Kind

pytestmark = pytest.mark.browser


def test_tajikistans_problems_are_exactly_its_two_findings(page):
    page.goto("/findings/?country=tj&kind=problem")
    findings = page.locator(".finding").all_inner_texts()
    expected = SESSIONS[0]["findings"][Kind.PROBLEM]["TJ"]
    assert len(findings) == 2, findings
    # A finding's card may show its country and session too: look for the text in it.
    assert [sum(text in finding for finding in findings) for text in expected] == [1, 1], findings


def test_the_csv_link_downloads_exactly_the_findings_shown(page):
    page.goto("/findings/?country=tj&kind=problem")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these findings as CSV").click()
    body = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:9] == [
        "id",
        "dialogue",
        "dialogue_date",
        "session",
        "country",
        "country_code",
        "kind",
        "position",
        "text",
    ]
    assert [(row[5], row[6], row[7], row[8]) for row in rows[1:]] == [
        ("TJ", "problem", str(number), text)
        for number, text in enumerate(SESSIONS[0]["findings"][Kind.PROBLEM]["TJ"], start=1)
    ]
    assert download.value.suggested_filename.startswith("findings-tj-problem-")


def test_a_reader_filters_with_the_form(page):
    page.goto("/findings/")
    page.get_by_label("Country").select_option(label="Tajikistan")
    page.get_by_label("Kind").select_option(label="Problem")
    page.get_by_role("button", name="Show findings").click()
    page.wait_for_url("**/findings/?*")
    assert "country=TJ" in page.url and "kind=problem" in page.url
    assert page.locator(".finding").count() == 2
    assert page.get_by_role("status").inner_text().startswith("2 findings")


def test_a_reader_chooses_a_dialogue_then_one_of_its_sessions(page):
    page.goto("/findings/")
    sessions = page.get_by_label("Session")
    assert sessions.locator("option").all_inner_texts() == ["All sessions"]
    assert page.get_by_text("Choose a dialogue to choose one of its sessions.").is_visible()
    page.get_by_label("Dialogue").select_option(index=1)
    page.get_by_role("button", name="Show findings").click()
    page.wait_for_url("**/findings/?*")
    offered = sessions.locator("option").all_inner_texts()
    assert len(offered) == 1 + len(SESSIONS), offered
    sessions.select_option(index=2)
    page.get_by_role("button", name="Show findings").click()
    page.wait_for_url("**session=*")
    texts = page.locator(".finding-text").all_inner_texts()
    second = SESSIONS[1]["findings"]
    expected = [text for kind in second.values() for texts in kind.values() for text in texts]
    assert sorted(texts) == sorted(expected)
