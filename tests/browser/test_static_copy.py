"""Someone opens the copy of the site from disk, with no server and no connection: the
pages look as on the site, and its links lead from page to page, in both languages."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from findings.demo import DIALOGUE, SESSIONS

pytestmark = pytest.mark.browser


@pytest.fixture
def copy(db, settings, tmp_path):
    settings.ALLOWED_HOSTS = ["dialogues.example.org"]
    settings.LANGUAGES = [("en", "English"), ("ru", "Russian")]
    call_command("load_demo", stdout=io.StringIO())
    folder = tmp_path / "copy"
    call_command(
        "export_site",
        str(folder),
        "--site-url",
        "https://dialogues.example.org",
        stdout=io.StringIO(),
    )
    return folder


def styled(page) -> None:
    """The site's stylesheet applies: the header has its rule, the body its font."""
    border = page.locator(".site-header").evaluate("e => getComputedStyle(e).borderBottomStyle")
    assert border == "solid"
    margin = page.locator("body").evaluate("e => getComputedStyle(e).marginTop")
    assert margin == "0px"


def test_reader_browses_the_copy_from_disk_and_switches_to_russian(file_page, copy):
    page = file_page
    page.goto((copy / "index.html").as_uri())
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Regional Dialogues")
    styled(page)
    # Search needs the live site: the copy says where every finding is instead.
    expect(page.locator(".static-note")).to_contain_text("Every finding is in the CSV file.")

    page.get_by_role("link", name=DIALOGUE["title"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DIALOGUE["title"])
    styled(page)

    page.get_by_role("link", name=SESSIONS[0]["title"]).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SESSIONS[0]["title"])
    assert page.url.endswith(
        "/en/dialogues/role-impact-barriers-civil-society-2024/citizen-participation/index.html"
    )

    page.get_by_role("navigation", name="Language").get_by_role("link", name="Русский").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SESSIONS[0]["title_ru"])
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    styled(page)

    page.get_by_role("navigation", name="Основная навигация").get_by_role(
        "link", name="Страны"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Страны")
    page.get_by_role("link", name="Казахстан").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Казахстан")
    assert page.url.endswith("/ru/countries/kz/index.html")
    styled(page)
