"""A Board member pastes a rapporteur's notes into a session, as a person does it:
through the sessions list, the session's page, the notes page, Preview, then Save."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parents[1] / "data"
DEMO_SESSION = "Citizen Participation in Decision Making and Democracy"


def notes(name: str) -> str:
    return (DATA / name).read_bytes().decode("utf-8-sig")


@pytest.fixture
def empty_session(demo_server):
    """A new session of the demo dialogue, without findings yet."""
    from dialogues.models import Dialogue, Session
    from findings.demo import DIALOGUE

    dialogue = Dialogue.objects.get(slug=DIALOGUE["slug"])
    return Session.objects.create(
        dialogue=dialogue, position=3, title="Open space on civic space", slug="open-space"
    )


def open_notes_page(page, session_title: str):
    """From the admin's home page to the session's "Add findings from notes"."""
    page.goto("/admin/")
    page.locator("tr.model-session").get_by_role("link", name="Sessions").click()
    page.get_by_role("link", name=re.compile("^" + re.escape(session_title))).click()
    page.get_by_role("link", name="Add findings from notes").click()
    expect(page.get_by_role("heading", name="Add findings from notes")).to_be_visible()


def preview_rows(page) -> list[list[str]]:
    rows = page.locator("#notes-preview tbody tr")
    return [row.locator("td").all_inner_texts() for row in rows.all()]


def saved(session) -> list[tuple[str, str, int, str]]:
    from findings.models import Finding

    return list(
        Finding.objects.filter(session=session)
        .order_by("-kind", "country__name", "position")
        .values_list("country__code", "kind", "position", "text")
    )


def test_notes_wrapped_as_from_a_pdf_are_previewed_then_saved(board_page, empty_session):
    page = board_page
    open_notes_page(page, empty_session.title)
    expect(page.get_by_role("button", name="Save")).to_have_count(0)

    page.get_by_label("Notes").fill(notes("notes_seed_wrapped_as_from_pdf.txt"))
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", name="19 findings would be added")).to_be_visible()
    rows = preview_rows(page)
    assert len(rows) == 19
    assert rows[0] == [
        "5–6",
        "Kazakhstan",
        "Success",
        "1",
        "Compliance with standards of public participation in decision-making processes",
        "",
    ]
    assert rows[15] == [
        "18–19",
        "Tajikistan",
        "Problem",
        "1",
        "Representatives of public organizations do not know their rights and powers, are not "
        "informed about the legislative aspects of their activities",
        "",
    ]
    assert rows[16] == [
        "19–20",
        "Tajikistan",
        "Problem",
        "2",
        "Duplication of the work of international organizations and NGOs",
        "",
    ]
    expect(page.locator("#notes-problems")).to_have_count(0)

    page.get_by_role("button", name="Save").click()
    expect(page.locator("ul.messagelist li")).to_have_text(["Added 19 findings from the notes."])
    assert page.url.endswith(f"/admin/dialogues/session/{empty_session.pk}/change/")
    found = saved(empty_session)
    assert len(found) == 19
    assert found[:2] == [
        (
            "KZ",
            "success",
            1,
            "Compliance with standards of public participation in decision-making processes",
        ),
        ("KZ", "success", 2, "Involvement of young people in decision-making processes"),
    ]
    assert ("UZ", "problem", 2, "Government agencies are afraid to work with NGOs") in found


def test_notes_pasted_again_are_flagged_and_skipped(board_page, demo_server):
    from dialogues.models import Session
    from findings.models import Finding

    session = Session.objects.get(slug="citizen-participation")
    before = saved(session)
    page = board_page
    open_notes_page(page, DEMO_SESSION)
    page.get_by_label("Notes").fill(notes("notes_seed_wrapped_as_from_pdf.txt"))
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", name="0 findings would be added")).to_be_visible()
    expect(page.locator("#notes-duplicates")).to_have_text(
        "19 items are already in their lists: they are skipped unless you tick “Add them anyway”."
    )
    rows = preview_rows(page)
    assert [row[3] for row in rows] == ["—"] * 19
    assert [row[5] for row in rows][:3] == ["As number 1", "As number 2", "As number 3"]
    expect(page.get_by_label("Add them anyway")).not_to_be_checked()

    page.get_by_role("button", name="Save").click()
    expect(page.locator("ul.messagelist li")).to_have_text(
        ["Added 0 findings from the notes. Skipped 19 items already in their lists."]
    )
    assert saved(session) == before
    assert Finding.objects.filter(session=session).count() == 19


def test_save_is_offered_only_for_the_notes_previewed(board_page, empty_session):
    page = board_page
    open_notes_page(page, empty_session.title)
    save = page.get_by_role("button", name="Save")
    expect(save).to_have_count(0)
    expect(page.locator("#notes-save-help")).to_have_text(
        "Save appears once a preview of the notes shows findings and no problem."
    )

    notes_field = page.get_by_label("Notes")
    notes_field.fill("Kazakhstan: 1) Lack of unity\nMongolia – 1) Free media")
    page.get_by_role("button", name="Preview").click()
    expect(save).to_be_enabled()
    expect(page.locator("#notes-preview-again")).to_be_hidden()

    notes_field.press("Control+End")
    notes_field.type("; 2) Open data")
    expect(save).to_be_disabled()
    expect(page.locator("#notes-preview-again")).to_have_text(
        "The notes changed since the preview: press Preview to see them again before saving."
    )

    # A browser that ignores the disabled button: the server refuses the save.
    with page.expect_navigation():
        page.evaluate(
            "const save = document.querySelector('input[name=_save]');"
            "save.disabled = false; save.click();"
        )
    expect(page.locator("#notes-not-previewed")).to_be_visible()
    assert saved(empty_session) == []
    assert [row[4] for row in preview_rows(page)] == ["Lack of unity", "Free media", "Open data"]

    page.get_by_role("button", name="Save").click()
    expect(page.locator("ul.messagelist li")).to_have_text(["Added 3 findings from the notes."])
    assert saved(empty_session) == [
        ("KZ", "success", 1, "Lack of unity"),
        ("MN", "success", 1, "Free media"),
        ("MN", "success", 2, "Open data"),
    ]


def test_a_country_outside_the_dialogue_is_named_and_may_be_added(board_page, empty_session):
    page = board_page
    open_notes_page(page, empty_session.title)
    page.get_by_label("Notes").fill(notes("notes_word_numbered_cyrillic_crlf.txt"))
    page.get_by_role("button", name="Preview").click()

    expect(page.locator("#notes-countries")).to_have_text(
        "Mongolia is not among the dialogue's participating countries "
        "(Kazakhstan, Kyrgyzstan, Tajikistan, Uzbekistan)."
    )
    assert len(preview_rows(page)) == 11
    page.get_by_label("Add Mongolia to the dialogue's participating countries").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("ul.messagelist li")).to_have_text(
        [
            "Added 11 findings from the notes. "
            "Added Mongolia to the dialogue's participating countries."
        ]
    )
    codes = empty_session.dialogue.countries.order_by("code").values_list("code", flat=True)
    assert list(codes) == ["KG", "KZ", "MN", "TJ", "UZ"]
