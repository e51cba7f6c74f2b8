"""Real-browser tests: Debian's Chromium, driven by Playwright, against the live server.

One browser for the whole run (starting Chromium is the slow part); each test gets a
fresh context, so cookies such as the chosen language never leak between tests.
"""

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

DIALOGUE_URL = "/dialogues/role-impact-barriers-civil-society-2024/"
SESSION_URL = DIALOGUE_URL + "citizen-participation/"
PAGES = {
    "home": "/",
    "dialogues": "/dialogues/",
    "dialogue": DIALOGUE_URL,
    "session": SESSION_URL,
    "report": DIALOGUE_URL + "report/",
    "report as lists": DIALOGUE_URL + "report/?style=list",
    "countries": "/countries/",
    "country": "/countries/kz/",
    "findings": "/findings/",
    "filtered findings": "/findings/?country=tj&kind=problem",
    "bad filter": "/findings/?kind=maybe",
    "actions": "/actions/",
    "bad actions filter": "/actions/?status=maybe",
    "open data": "/open-data/",
    "not found": "/no-such-page/",
}


@pytest.fixture(scope="package")
def browser(django_db_setup):
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
            "(apt-get install -y chromium; .ci/run installs it)."
        )
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Django keeps one set of connections for a thread and another for code running in
    # an event loop, and Playwright leaves its loop running in this thread. From here on
    # the tests see new connection objects, which lack the snapshot of the migrated
    # database (the hub's countries, the Board group) that was taken when the test
    # database was created: hand it over, so the serialized rollback can restore it.
    snapshots = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    # Playwright's sync API keeps an event loop running in the test thread, and Django
    # then refuses ORM calls from that thread (SynchronousOnlyOperation). The browser
    # tests load the demo data from that thread, which is safe: nothing else runs on the
    # loop. Allowed while this package's tests run, and only then.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        for alias, snapshot in snapshots.items():
            connections[alias]._test_serialized_contents = snapshot
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # Close them while the loop still runs, or PostgreSQL cannot drop the test database.
        connections.close_all()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def demo_server(live_server, transactional_db, django_db_serialized_rollback, settings):
    """The live server with the demo dialogue in its database.

    The live server reads committed data, so these tests run in transactional mode,
    which empties the tables after each test; the serialized rollback brings back what
    the migrations created (the hub's countries, the Board group) before the next one.
    """
    from findings.demo import load_demo

    # The live server serves static files from the source folders by their plain names,
    # as runserver does; the hashed names of production exist only in collectstatic's
    # output, which WhiteNoise serves and the live server's static handler does not.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    load_demo()
    return live_server


@pytest.fixture
def context(browser, demo_server):
    context = browser.new_context(base_url=demo_server.url, locale="en-GB")
    yield context
    context.close()


@pytest.fixture
def page(context):
    """A tab that fails the test if a stylesheet, script or image does not load: a page
    without its stylesheet would pass the layout and contrast checks for the wrong reason."""
    page = context.new_page()
    broken = []
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and response.request.resource_type != "document"
            and broken.append(f"{response.status} {response.url}")
        ),
    )
    # A request the page itself abandons (it navigated on) is not a resource that failed.
    page.on(
        "requestfailed",
        lambda request: (
            request.failure != "net::ERR_ABORTED" and broken.append(f"failed {request.url}")
        ),
    )
    yield page
    if broken:
        pytest.fail("Resources of the page did not load: " + ", ".join(broken))


@pytest.fixture
def russian(context, demo_server):
    """The language cookie that Django's language switcher sets, set directly."""
    context.add_cookies([{"name": "django_language", "value": "ru", "url": demo_server.url}])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.failed and call.when == "call" and page is not None and not page.is_closed():
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", item.nodeid)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        report.sections.append(("screenshot", str(path)))
    return report


BOARD_USERNAME = "aigerim"
BOARD_PASSWORD = "a long passphrase 42"  # noqa: S105


@pytest.fixture
def board_member_account(demo_server, settings):
    """A Board member with an enrolled authenticator app; two-factor sign-in is on."""
    from django.contrib.auth.models import Group, User
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.I4C_REQUIRE_2FA = True
    user = User.objects.create_user(
        BOARD_USERNAME, "aigerim@example.org", BOARD_PASSWORD, is_staff=True
    )
    user.groups.add(Group.objects.get(name="Board"))
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    return user, device


@pytest.fixture
def board_page(page, board_member_account):
    """A tab signed in to the admin as a Board member does it: user name and password on
    the sign-in page, then the current code of the authenticator app."""
    from django_otp.oath import totp

    _, device = board_member_account
    page.goto("/admin/")
    page.get_by_label("Username").fill(BOARD_USERNAME)
    page.get_by_label("Password").fill(BOARD_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    page.get_by_role("textbox").fill(code)
    page.get_by_role("button").filter(has_text=re.compile("Verify|Confirm|Sign in", re.I)).click()
    page.wait_for_url(re.compile(r"/admin/$"))
    return page


@pytest.fixture
def file_page(browser):
    """A tab for pages read from disk (file://), with no server behind them: fails the test
    if a stylesheet, image or anything else the pages ask for does not load, or if they
    ask for anything but files."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    broken = []
    page.on(
        "request",
        lambda request: (
            not request.url.startswith("file://") and broken.append(f"asked {request.url}")
        ),
    )
    page.on(
        "requestfailed",
        lambda request: (
            request.failure != "net::ERR_ABORTED" and broken.append(f"failed {request.url}")
        ),
    )
    yield page
    context.close()
    if broken:
        pytest.fail("Requests of the pages failed: " + ", ".join(broken))


def _autocomplete(term: str | None = None):
    """Whether a response answers the admin's search-as-you-type menu (for ``term``)."""

    def answers(response) -> bool:
        url = urlsplit(response.url)
        asked = parse_qs(url.query).get("term", [""])[0]
        return url.path.endswith("/autocomplete/") and (term is None or asked == term)

    return answers


def choose(page, field: str, search: str, option: str):
    """Pick ``option`` in the admin's search-as-you-type menu of ``field``, once the menu
    shows what matches ``search``, as a person waits for it.

    Each request the menu sends is waited for: one still running when the form is sent
    would share the live server's one connection to the in-memory SQLite database with
    the form's, and break it (seen as "no such savepoint").
    """
    with page.expect_response(_autocomplete()):
        page.locator(f"#id_{field} + .select2").click()
    with page.expect_response(_autocomplete(search)):
        page.locator(".select2-container--open .select2-search__field").fill(search)
    page.locator(".select2-results__option", has_text=option).click()
