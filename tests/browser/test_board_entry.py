"""A Board member's everyday work in the admin, through the real pages: add a dialogue with
its sessions, save, restore an earlier version, renumber findings, publish."""

import re

import pytest
from playwright.sync_api import expect

from dialogues.enums import Status
from dialogues.models import Dialogue, Session
from findings.demo import DIALOGUE as DEMO
from findings.enums import Kind
from findings.models import Finding

from .conftest import DIALOGUE_URL

pytestmark = pytest.mark.browser

MESSAGES = ".messagelist li"
CHANGED = "changed successfully"
ADD_COUNTRIES = "Add the findings' countries to the dialogue's participating countries"


@pytest.fixture
def bishkek(settings):
    settings.TIME_ZONE = "Asia/Bishkek"


def open_demo_dialogue(page):
    demo = Dialogue.objects.get(slug=DEMO["slug"])
    page.goto(f"/admin/dialogues/dialogue/{demo.pk}/change/")
    return demo


def open_demo_session(page):
    session = Session.objects.get(slug="citizen-participation")
    page.goto(f"/admin/dialogues/session/{session.pk}/change/")
    return session


def finding_row(page, text):
    """The row of the session's findings table that holds ``text``."""
    return page.locator("#findings-group tr.form-row").filter(
        has=page.locator("textarea", has_text=text)
    )


def first_blank_finding_row(page) -> int:
    return int(page.locator('input[name="findings-INITIAL_FORMS"]').input_value())


def kazakhstan_successes():
    session = Session.objects.get(slug="citizen-participation")
    return list(
        Finding.objects.filter(session=session, country__code="KZ", kind=Kind.SUCCESS)
        .order_by("position")
        .values_list("position", "text")
    )


def test_a_dialogue_is_added_with_two_sessions(board_page, bishkek):
    page = board_page
    page.goto("/admin/dialogues/dialogue/add/")
    page.get_by_label("Title [en]:").fill("Civic space 2025")
    page.locator("#id_start_0").fill("2025-03-14")
    page.locator("#id_start_1").fill("15:00")
    page.locator("#id_end_0").fill("2025-03-14")
    page.locator("#id_end_1").fill("17:30")
    page.locator("#id_sessions-0-title_en").fill("Digital advocacy")
    page.get_by_role("button", name=re.compile("^Add another session$", re.I)).click()
    page.locator("#id_sessions-1-title_en").fill("Enabling environment")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(MESSAGES)).to_have_text(
        ["The dialogue “Civic space 2025” was added successfully."]
    )
    dialogue = Dialogue.objects.get(title="Civic space 2025")
    assert list(dialogue.sessions.values_list("position", "title", "slug")) == [
        (1, "Digital advocacy", "digital-advocacy"),
        (2, "Enabling environment", "enabling-environment"),
    ]
    assert (dialogue.slug, dialogue.status) == ("civic-space-2025", Status.DRAFT)
    assert dialogue.start.isoformat() == "2025-03-14T09:00:00+00:00"


def test_an_unchanged_demo_dialogue_is_saved(board_page):
    page = board_page
    demo = open_demo_dialogue(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(MESSAGES)).to_have_text(
        [f"The dialogue “{demo.title}” was changed successfully."]
    )
    assert list(demo.sessions.values_list("position", flat=True)) == [1, 2]


def test_a_session_is_added_to_the_demo_after_the_last_one(board_page):
    page = board_page
    demo = open_demo_dialogue(page)
    expect(page.locator("#id_sessions-2-position")).to_have_value("")
    page.locator("#id_sessions-2-title_en").fill("Follow-up actions")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(MESSAGES)).to_have_text(
        [f"The dialogue “{demo.title}” was changed successfully."]
    )
    assert list(demo.sessions.values_list("position", "slug")).pop() == (3, "follow-up-actions")


def test_a_dialogues_earlier_title_is_restored_from_its_history(board_page):
    page = board_page
    demo = open_demo_dialogue(page)
    page.get_by_role("button", name="Save and continue editing").click()  # a first version
    page.get_by_label("Title [en]:").fill("A title typed by mistake")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(MESSAGES)).to_contain_text(["was changed successfully"])

    page.get_by_role("link", name="History").click()
    # The newest first: the mistake, then the version saved before it.
    page.locator("#change-history tbody tr th a").nth(1).click()
    expect(page.get_by_label("Title [en]:")).to_have_value(DEMO["title"])
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(MESSAGES)).to_contain_text([CHANGED])
    demo.refresh_from_db()
    assert demo.title == DEMO["title"]


def test_two_findings_swap_numbers_and_one_moves_to_the_top(board_page):
    page = board_page
    open_demo_session(page)
    before = kazakhstan_successes()
    eighth, ninth = before[7][1], before[8][1]
    finding_row(page, eighth).locator('input[name$="-position"]').fill("9")
    finding_row(page, ninth).locator('input[name$="-position"]').fill("8")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(MESSAGES)).to_contain_text(["was changed successfully"])
    assert kazakhstan_successes() == [*before[:7], (8, ninth), (9, eighth)]

    finding_row(page, eighth).locator('input[name$="-position"]').fill("1")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(MESSAGES).first).to_have_text(
        "Numbered again in the new order: Kazakhstan, successes."
    )
    expected = [eighth] + [text for _, text in before[:7]] + [ninth]
    assert kazakhstan_successes() == list(enumerate(expected, start=1))


def test_a_finding_of_a_country_outside_the_dialogue_is_warned_about_then_added(board_page):
    page = board_page
    open_demo_session(page)
    row = first_blank_finding_row(page)
    page.locator(f"#id_findings-{row}-country").select_option(label="Mongolia")
    page.locator(f"#id_findings-{row}-kind").select_option(label="Problem")
    page.locator(f"#id_findings-{row}-text_en").fill("Few independent media")
    page.get_by_role("button", name="Save and continue editing").click()

    warning = page.locator(".messagelist li.warning")
    expect(warning).to_contain_text("Findings are saved for Mongolia, which is not among")
    assert Finding.objects.filter(text="Few independent media", country__code="MN").exists()

    page.get_by_label(
        "Add the findings' countries to the dialogue's participating countries"
    ).check()
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist li.success").first).to_have_text(
        f"Added to the participating countries of “{DEMO['title']}”: Mongolia."
    )
    demo = Dialogue.objects.get(slug=DEMO["slug"])
    assert sorted(demo.countries.values_list("code", flat=True)) == ["KG", "KZ", "MN", "TJ", "UZ"]


def select_and_run(page, title, action):
    page.goto("/admin/dialogues/dialogue/")
    page.get_by_role("row").filter(has_text=title).get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label=action)
    page.get_by_role("button", name="Go").click()


def public_status(browser, demo_server) -> int:
    """What a reader who is not signed in gets for the demo dialogue's page."""
    context = browser.new_context(base_url=demo_server.url)
    try:
        return context.new_page().goto(DIALOGUE_URL).status
    finally:
        context.close()


def test_a_dialogue_returns_to_draft_and_is_published_again(board_page, browser, demo_server):
    page = board_page
    select_and_run(page, DEMO["title"], "Return the selected dialogues to draft")
    expect(page.locator(MESSAGES)).to_have_text(["1 dialogue returned to draft."])
    assert public_status(browser, demo_server) == 404

    select_and_run(page, DEMO["title"], "Publish the selected dialogues")
    expect(page.locator(MESSAGES)).to_have_text(["1 dialogue published."])
    assert public_status(browser, demo_server) == 200


@pytest.fixture
def utc_laptop(board_page):
    """The Board member's laptop: a 1366 x 768 window, its clock on UTC."""
    board_page.set_viewport_size({"width": 1366, "height": 768})
    cdp = board_page.context.new_cdp_session(board_page)
    cdp.send("Emulation.setTimezoneOverride", {"timezoneId": "UTC"})
    return board_page


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_session_page_fits_a_laptops_window(utc_laptop):
    page = utc_laptop
    open_demo_session(page)
    assert page_width(page) <= 1366
    # The country menus are plain menus, without the related-object icons.
    expect(page.locator("#findings-group .related-widget-wrapper-link")).to_have_count(0)


def test_the_findings_list_shows_every_column_and_its_buttons_apart(utc_laptop):
    page = utc_laptop
    page.goto("/admin/findings/finding/")
    assert page_width(page) <= 1366
    results = page.locator("#changelist-form .results").bounding_box()
    dialogue = page.locator("#result_list th.column-dialogue").bounding_box()
    assert dialogue["x"] + dialogue["width"] <= results["x"] + results["width"]
    columns = page.locator("#result_list thead th")
    widths = {
        name: box["width"]
        for name, box in zip(
            columns.all_inner_texts(),
            [column.bounding_box() for column in columns.all()],
            strict=True,
        )
    }
    assert max(widths, key=widths.get) == "TEXT", widths
    # Room for a line of several words, not a word per line.
    assert widths["TEXT"] >= 250, widths
    title = page.get_by_role("heading", name="Select finding to change").bounding_box()
    export = page.get_by_role("link", name="Export these findings as CSV").bounding_box()
    assert title["y"] + title["height"] <= export["y"]


def test_the_dates_say_their_zone_without_the_clock_note(utc_laptop, bishkek):
    page = utc_laptop
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "UTC"
    open_demo_dialogue(page)
    notes = page.locator(".timezonewarning")
    expect(notes.first).to_have_text(re.compile("hours behind server time"))
    for note in notes.all():
        expect(note).to_be_hidden()
    expect(page.locator(".field-start div.help:not(.timezonewarning)")).to_have_text(
        "Bishkek time (UTC+06:00), as the public pages show it."
    )
