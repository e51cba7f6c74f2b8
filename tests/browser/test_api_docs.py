"""A researcher reads the API's documentation in Chromium, then pages through the
findings with the browser's fetch and asks again with the ETag it was given."""

import pytest
from playwright.sync_api import expect

from .test_csp import REPORT_VIOLATIONS

pytestmark = pytest.mark.browser

OPERATIONS = 11  # six lists and five objects (themes are a list only)


@pytest.fixture
def api_settings(settings):
    settings.I4C_API_RATE_LIMIT = 0
    settings.I4C_PUBLIC_STATEMENT_TIMEOUT = 2.0
    settings.PAGE_CACHE_SECONDS = 600


def test_a_researcher_reads_the_docs_and_pages_through_the_findings(
    page, demo_server, api_settings
):
    problems, elsewhere = [], []
    page.expose_function("reportCspViolation", lambda text: problems.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: message.type == "error" and problems.append(f"console: {message.text}"),
    )
    page.on("pageerror", lambda error: problems.append(f"error: {error}"))
    page.on(
        "request",
        lambda request: (
            not request.url.startswith((demo_server.url, "data:")) and elsewhere.append(request.url)
        ),
    )

    page.goto("/api/v1/docs/")
    # Swagger UI has read the schema and lists every operation, by its path.
    expect(page.locator(".opblock")).to_have_count(OPERATIONS)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/findings/{id}/")).to_be_visible()
    expect(page.locator(".info .title")).to_contain_text("The Regional Dialogues: open data")
    page.wait_for_load_state("networkidle")
    assert problems == []
    assert elsewhere == []

    answers = page.evaluate(
        """async () => {
            const first = await fetch("/api/v1/findings/?page_size=2", {cache: "no-store"});
            const page1 = await first.json();
            const second = await fetch(page1.next, {cache: "no-store"});
            const page2 = await second.json();
            const again = await fetch("/api/v1/findings/?page_size=2", {
                cache: "no-store",
                headers: {"If-None-Match": first.headers.get("ETag")},
            });
            return {
                first: first.status,
                ids1: page1.results.map((finding) => finding.id),
                second: second.status,
                ids2: page2.results.map((finding) => finding.id),
                previous: page2.previous,
                again: again.status,
                body: await again.text(),
            };
        }"""
    )
    assert answers["first"] == answers["second"] == 200
    assert len(answers["ids1"]) == len(answers["ids2"]) == 2
    # In id order, each finding once.
    assert answers["ids1"] + answers["ids2"] == sorted(set(answers["ids1"] + answers["ids2"]))
    assert answers["previous"].startswith(f"{demo_server.url}/api/v1/findings/?cursor=")
    assert answers["again"] == 304
    assert answers["body"] == ""
    assert elsewhere == []
