"""The dialogue's report in a browser: reached from the dialogue's page, printed to PDF
as a reader prints it (Chromium's print, A4), in English and in Russian; and a Board
member copying its findings into the notes of an empty session."""

import io
import re

import pytest
from django.utils import translation
from playwright.sync_api import expect
from pypdf import PdfReader

from findings.demo import DIALOGUE, SESSIONS

from .conftest import DIALOGUE_URL
from .test_board_notes import open_notes_page, saved

pytestmark = pytest.mark.browser

REPORT_URL = DIALOGUE_URL + "report/"
# What the site shows around the report, which paper must not carry.
AROUND_THE_REPORT = [
    "Skip to content",
    "I4C Regional Dialogues",
    "Language",
    "Findings as:",
    "Download this report:",
    "Word document (.docx)",
]


def printed_text(page) -> tuple[str, int]:
    pdf = page.pdf(format="A4")
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split()), len(reader.pages)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_printed_report_carries_the_report_and_no_navigation(page, context, demo_server, language):
    if language == "ru":
        context.add_cookies([{"name": "django_language", "value": "ru", "url": demo_server.url}])
    suffix = "_ru" if language == "ru" else ""
    page.goto(DIALOGUE_URL)
    with translation.override(language):
        printable = translation.gettext("printable page")
        around = [translation.gettext(text) for text in AROUND_THE_REPORT]
        menus = [translation.gettext(text) for text in ("Dialogues", "Countries")]
    page.get_by_role("link", name=printable).click()
    page.wait_for_url(f"**{REPORT_URL}")
    expect(page.get_by_role("heading", level=1)).to_have_text(DIALOGUE[f"title{suffix}"])
    # On screen the menus are there...
    expect(page.locator("header.site-header nav")).to_be_visible()

    text, pages = printed_text(page)
    # ...on paper, the report alone, numbered.
    assert DIALOGUE[f"title{suffix}"] in text
    first = SESSIONS[0][f"findings{suffix}"]
    kazakhstan = "Kazakhstan" if language == "en" else "Казахстан"
    assert f"{kazakhstan}: 1) {first['success']['KZ'][0]}; 2) {first['success']['KZ'][1]}" in text
    assert first["problem"]["UZ"][1] in text
    for shown_on_screen_only in around:
        assert shown_on_screen_only not in text
    # The menus' words appear in the report only as words of its own text, never together.
    assert " · ".join(menus) not in text and f"{menus[0]} {menus[1]}" not in text
    assert pages >= 2
    assert re.search(rf"\b1 / {pages}\b", text), text[-200:]


def test_board_member_copies_the_reports_findings_into_an_empty_session(board_page, demo_server):
    from dialogues.models import Session

    page = board_page
    page.goto(REPORT_URL)
    copied = page.locator("#session-1 .findings-text").inner_text()
    empty = Session.objects.get(dialogue__slug=DIALOGUE["slug"], position=2)
    open_notes_page(page, SESSIONS[1]["title"])
    page.get_by_label("Notes").fill(copied)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="19 findings would be added")).to_be_visible()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("ul.messagelist li")).to_have_text(["Added 19 findings from the notes."])
    first = Session.objects.get(dialogue__slug=DIALOGUE["slug"], position=1)
    assert saved(empty) == saved(first)
    assert len(saved(empty)) == 19
