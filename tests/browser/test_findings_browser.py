"""The findings browser: every finding of the record, filtered by country and kind."""

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
