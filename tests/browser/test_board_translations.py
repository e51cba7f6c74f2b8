"""A Board member adds the Russian texts of a session's findings from the rapporteur's
Russian notes: the session's page, "Add translations from notes", Preview, Save; a
reader of the public Russian page then reads them."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import SESSION_URL

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parents[1] / "data"
DEMO_SESSION = "Citizen Participation in Decision Making and Democracy"


@pytest.fixture
def demo_without_russian(demo_server, settings):
    """The demo's first session, its findings' Russian texts removed."""
    from dialogues.models import Session
    from findings.models import Finding

    settings.CONTENT_LANGUAGES = ["en", "ru"]
    session = Session.objects.get(slug="citizen-participation")
    Finding.objects.filter(session=session).update(text_ru=None)
    return session


def russian_texts() -> list[str]:
    """The demo's first session's Russian texts, in the order of its public page."""
    from findings.demo import SESSIONS
    from findings.enums import Kind

    findings = SESSIONS[0]["findings_ru"]
    return [
        text
        for code in ("KZ", "TJ", "UZ")
        for kind in (Kind.SUCCESS, Kind.PROBLEM)
        for text in findings[kind][code]
    ]


def test_russian_notes_are_previewed_in_pairs_saved_and_read_on_the_russian_page(
    board_page, browser, demo_server, demo_without_russian
):
    # A reader of the Russian page before: the findings are in English, marked so.
    reader = browser.new_context(base_url=demo_server.url, locale="ru-RU")
    reader.add_cookies([{"name": "django_language", "value": "ru", "url": demo_server.url}])
    public = reader.new_page()
    public.goto(SESSION_URL)
    expect(public.get_by_text("Compliance with standards of public participation")).to_be_visible()

    page = board_page
    page.goto("/admin/")
    page.locator("tr.model-session").get_by_role("link", name="Sessions").click()
    page.get_by_role("link", name=re.compile("^" + re.escape(DEMO_SESSION))).click()
    page.get_by_role("link", name="Add translations from notes").click()
    expect(page.get_by_role("heading", name="Add translations from notes")).to_be_visible()
    expect(page.get_by_label("Language")).to_have_value("ru")

    notes = (DATA / "notes_demo_session1_ru.txt").read_text(encoding="utf-8")
    page.get_by_label("Notes").fill(notes)
    page.get_by_role("button", name="Preview").click()

    expect(
        page.get_by_role("heading", name="19 findings would get their Russian text")
    ).to_be_visible()
    expect(page.locator("#notes-problems")).to_have_count(0)
    rows = page.locator("#translations-preview tbody tr")
    expect(rows).to_have_count(19)
    assert rows.first.locator("td").all_inner_texts() == [
        "Kazakhstan, successes",
        "1",
        "Compliance with standards of public participation in decision-making processes",
        "4",
        "Соблюдение стандартов участия общественности в процессах принятия решений",
        "Added",
    ]
    assert rows.last.locator("td").all_inner_texts() == [
        "Uzbekistan, problems",
        "2",
        "Government agencies are afraid to work with NGOs",
        "21–22",
        "Государственные органы боятся работать с НКО",
        "Added",
    ]
    # Side by side: the finding's text and its translation start on the same line.
    existing = rows.first.locator("td").nth(2).bounding_box()
    translation = rows.first.locator("td").nth(4).bounding_box()
    assert translation["x"] > existing["x"] + existing["width"] - 1
    assert translation["y"] == existing["y"]

    # Save sends what was previewed: ticking the box needs a new preview first.
    save = page.get_by_role("button", name="Save")
    replace = page.get_by_label("Replace existing translations")
    replace.check()
    expect(save).to_be_disabled()
    expect(page.locator("#notes-preview-again")).to_be_visible()
    replace.uncheck()
    expect(save).to_be_enabled()

    save.click()
    expect(page.locator("ul.messagelist li")).to_have_text(
        ["Added 19 translations into Russian from the notes."]
    )
    assert page.url.endswith(f"/admin/dialogues/session/{demo_without_russian.pk}/change/")

    public.goto(SESSION_URL)
    findings = public.locator("main li[id^=finding-]")
    expect(findings).to_have_text(russian_texts())
    expect(public.locator("main .language-mark")).to_have_count(0)
    reader.close()
