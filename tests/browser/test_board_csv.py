"""A Board member exports the findings, edits the file and imports it, through the real pages."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def export_from_the_findings_list(page) -> str:
    page.goto("/admin/findings/finding/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export these findings as CSV").click()
    assert re.fullmatch(r"findings-all-\d{4}-\d\d-\d\d\.csv", download.value.suggested_filename)
    return Path(download.value.path()).read_text(encoding="utf-8-sig")


def with_text(exported: str, row: int, text: str) -> bytes:
    """The file with the text of one row changed, saved as Excel's "CSV UTF-8" does."""
    rows = list(csv.reader(io.StringIO(exported, newline="")))
    rows[row][rows[0].index("text_en")] = text
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


def upload(page, content: bytes, *, overwrite: bool = False):
    page.goto("/admin/findings/finding/")
    page.get_by_role("link", name="Import findings from CSV").click()
    page.get_by_label("CSV file").set_input_files(
        {"name": "findings.csv", "mimeType": "text/csv", "buffer": content}
    )
    if overwrite:
        page.get_by_label("Overwrite changes made since the export").check()
    page.get_by_role("button", name="Preview the import").click()


def test_board_member_exports_edits_and_imports_then_meets_a_stale_file(board_page):
    from findings.models import Finding

    page = board_page
    exported = export_from_the_findings_list(page)
    rows = list(csv.reader(io.StringIO(exported, newline="")))
    assert rows[0][-2:] == ["status", "updated"]
    finding = Finding.objects.get(pk=rows[1][0])
    before = finding.text

    upload(page, with_text(exported, 1, "Edited in the spreadsheet"))

    changed = page.locator("#import-changed")
    expect(changed.locator("tr", has_text="text_en")).to_contain_text(before)
    expect(changed.locator("tr", has_text="text_en")).to_contain_text("Edited in the spreadsheet")
    page.get_by_role("button", name="Import these findings").click()
    expect(page.locator("ul.messagelist")).to_have_text("Imported: 0 created, 1 changed.")
    finding.refresh_from_db()
    assert finding.text == "Edited in the spreadsheet"

    # A second export; then someone changes that finding before this file comes back.
    old_file = with_text(export_from_the_findings_list(page), 1, "From the old file")
    finding.text = "Changed on another page"
    finding.save()

    upload(page, old_file)

    stale = page.locator("#import-stale")
    expect(stale).to_contain_text("Changed on another page")
    expect(stale).to_contain_text("From the old file")
    expect(stale).to_contain_text("export again and make your edits in the new file")
    expect(page.get_by_role("button", name="Import these findings")).to_have_count(0)
    finding.refresh_from_db()
    assert finding.text == "Changed on another page"

    upload(page, old_file, overwrite=True)
    page.get_by_role("button", name="Import these findings").click()

    expect(page.locator("ul.messagelist")).to_have_text("Imported: 0 created, 1 changed.")
    finding.refresh_from_db()
    assert finding.text == "From the old file"
