"""The strict Content-Security-Policy in a real browser: no page, public or admin, breaks a
rule of it (Chromium reports every violation as an event and in the console), and what the
admin does with JavaScript still works, since all of it comes from /static/."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from dialogues.models import Dialogue, Session

from .conftest import DIALOGUE_URL, SESSION_URL

pytestmark = pytest.mark.browser

PASSWORD = "a long passphrase 42"

# Reports every violation to the test, on every page the tab opens, before any script runs.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `in ${event.sourceFile || event.documentURI}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def violations(page):
    """Violations seen by the tab: the events, and the console's messages about the policy."""
    seen = []
    page.expose_function("reportCspViolation", lambda text: seen.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            ("Content Security Policy" in message.text or "Content-Security-Policy" in message.text)
            and seen.append(f"console {message.type}: {message.text}")
        ),
    )
    return seen


def settle(page):
    """Violation events are dispatched as tasks: let the page finish before looking."""
    page.wait_for_load_state("load")
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 50))")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/dialogues/",
        DIALOGUE_URL,
        SESSION_URL,
        "/countries/",
        "/countries/kz/",
        "/findings/?country=kz&kind=success",
        "/dialogues/no-such-dialogue/",
    ],
)
def test_public_page_breaks_no_rule_of_the_policy(page, violations, path):
    response = page.goto(path)
    assert "style-src 'self'" in response.headers["content-security-policy"].split("; ")
    settle(page)
    # The stylesheet applies: it comes from /static/, which the policy allows.
    display = page.evaluate("getComputedStyle(document.querySelector('.site-header')).display")
    assert display != "inline"
    assert violations == []


@pytest.fixture
def admin_page(page, violations, settings):
    """A superuser signed in through the admin's login form.

    The second sign-in step is off here: these tests watch the admin's pages for the
    policy; tests/test_signin.py covers the two steps.
    """
    settings.I4C_REQUIRE_2FA = False
    User.objects.create_superuser("aida", "aida@example.org", PASSWORD)
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("aida")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    return page


def test_admin_pages_break_no_rule_and_their_scripts_work(admin_page, violations):
    page = admin_page
    dialogue = Dialogue.objects.get(slug=DIALOGUE_URL.split("/")[2])
    session = Session.objects.get(dialogue=dialogue, slug=SESSION_URL.split("/")[3])

    # The dialogue: its inline sessions ("Add another") and the countries' autocomplete,
    # both the admin's own scripts.
    page.goto(f"/admin/dialogues/dialogue/{dialogue.pk}/change/")
    sessions = page.locator("#sessions-group tbody tr.form-row:not(.empty-form)")
    before = sessions.count()
    page.locator("#sessions-group .add-row a").click()
    expect(sessions).to_have_count(before + 1)
    page.locator(
        "#sessions-group .select2-selection, .field-countries .select2-selection"
    ).first.click()
    page.locator(".select2-search__field").fill("Mong")
    expect(page.locator(".select2-results__option")).to_have_text(["Mongolia"])
    page.keyboard.press("Escape")
    settle(page)

    # The session with its findings inline: "Add another Finding" adds a row.
    page.goto(f"/admin/dialogues/session/{session.pk}/change/")
    findings = page.locator("#findings-group tbody tr.form-row:not(.empty-form)")
    before = findings.count()
    page.get_by_role("button", name="Add another Finding").click()
    expect(findings).to_have_count(before + 1)
    settle(page)

    # Lists with their filters and actions, django-reversion's pages, our own pages.
    for path in [
        "/admin/",
        "/admin/dialogues/dialogue/",
        "/admin/findings/finding/?kind__exact=problem",
        f"/admin/dialogues/dialogue/{dialogue.pk}/history/",
        "/admin/findings/finding/recover/",
        f"/admin/dialogues/session/{session.pk}/notes/",
        f"/admin/dialogues/session/{session.pk}/translations/",
        "/admin/findings/finding/import/",
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        settle(page)

    assert violations == []


def test_an_inline_style_or_script_would_be_blocked_and_reported(page, violations):
    """The watch above would see a mistake: markup with inline style and script is refused."""
    page.goto("/")
    page.evaluate(
        """() => {
          document.body.insertAdjacentHTML("beforeend", '<p id="red" style="color: red">x</p>');
          const script = document.createElement("script");
          script.textContent = "document.body.dataset.ran = 'yes'";
          document.body.append(script);
        }"""
    )
    settle(page)
    assert page.evaluate("getComputedStyle(document.getElementById('red')).color") != (
        "rgb(255, 0, 0)"
    )
    assert page.evaluate("document.body.dataset.ran") is None
    assert sorted(v.split(" ")[0] for v in violations if not v.startswith("console")) == [
        "script-src-elem",
        "style-src-attr",
    ]
    assert any(v.startswith("console error:") for v in violations), violations
