"""The admin's CSV keeps the findings in every content language: exported a column per
language, edited in a spreadsheet, imported back through the admin's pages."""

import csv
import html
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from reversion.models import Version

from findings import export, importer
from findings.models import Finding

from .conftest import make_findings, make_session
from .test_import import DATA, HEADER, admin_export, confirm, messages_of, preview_file

pytestmark = pytest.mark.django_db

# The demo's export as Excel saves it in a Russian Windows ("CSV UTF-8": a byte-order
# mark, CRLF, the date rewritten as 20.09.2024, an empty row at the end), with one
# Russian text and one English text edited. Its ids and versions are those of the
# database it was exported from: ``for_this_database`` puts in this one's.
EDITED_SAMPLE = DATA / "findings-admin-export-edited-russian.csv"
EDITED_RUSSIAN = ("TJ", "problem", "2")
EDITED_ENGLISH = ("KZ", "success", "5")
KEY = ["dialogue", "session", "country_code", "kind", "position"]


@pytest.fixture
def content_languages(settings):
    settings.CONTENT_LANGUAGES = ["en", "ru"]


@pytest.fixture
def demo():
    call_command("load_demo")


def parse(text: str) -> list[dict]:
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    return [dict(zip(rows[0], cells, strict=True)) for cells in rows[1:] if any(cells)]


def as_excel_saves(header: list[str], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([cells[column] for column in header] for cells in rows)
    return ("\ufeff" + out.getvalue()).encode()


def for_this_database(sample: bytes, exported: str) -> bytes:
    """The sample with the ids and versions of ``exported`` (the same findings here)."""
    text = sample.decode("utf-8")
    header = next(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    here = {tuple(cells[c] for c in KEY): cells for cells in parse(exported)}
    rows = parse(text)
    assert sorted(here) == sorted(tuple(cells[c] for c in KEY) for cells in rows)
    for cells in rows:
        current = here[tuple(cells[c] for c in KEY)]
        cells["id"], cells["updated"] = current["id"], current["updated"]
    return as_excel_saves(header, rows)


def texts_by_key() -> dict:
    return {
        (f.country.code, f.kind, str(f.position)): (f.text_en, f.text_ru)
        for f in Finding.objects.select_related("country")
    }


def test_demo_exported_edited_in_excel_and_imported_keeps_both_languages(
    board_client, demo, content_languages
):
    before = texts_by_key()
    exported = admin_export(board_client)
    assert exported.startswith("\ufeff") and "\r\n" in exported
    edited = for_this_database(EDITED_SAMPLE.read_bytes(), exported)
    # The sample is this demo's export but for the two texts edited in it.
    sample = {tuple(c[k] for k in KEY[2:]): c for c in parse(edited.decode())}
    differences = sorted(
        (key, column)
        for cells in parse(exported)
        for key in [tuple(cells[k] for k in KEY[2:])]
        for column in ("text_en", "text_ru")
        if sample[key][column] != cells[column]
    )
    assert differences == [(EDITED_ENGLISH, "text_en"), (EDITED_RUSSIAN, "text_ru")]

    preview = preview_file(board_client, "findings.csv", edited)

    plan = preview.context["plan"]
    assert plan.problems == []
    edited_russian = Finding.objects.get(country__code="TJ", kind="problem", position=2)
    edited_english = Finding.objects.get(country__code="KZ", kind="success", position=5)
    assert [(r.pk, r.changes) for r in plan.changed] == [
        (
            edited_english.pk,
            [
                importer.Change(
                    "text_en", "Signing online petitions", "Signing and sharing online petitions"
                )
            ],
        ),
        (
            edited_russian.pk,
            [
                importer.Change(
                    "text_ru",
                    "Дублирование работы международных организаций и НКО",
                    "Дублирование работы международных организаций и НКО; нет координации "
                    "между донорами",
                )
            ],
        ),
    ]
    assert plan.unchanged == 17
    # The preview names each language's column with its text before and after.
    page = html.unescape(preview.content.decode().split('id="import-changed"')[1])
    assert "<td>text_ru</td>" in page and "нет координации между донорами" in page
    assert "<td>text_en</td>" in page and "Signing and sharing online petitions" in page

    done = confirm(board_client, preview)

    assert messages_of(done) == ["Imported: 0 created, 2 changed."]
    expected = {
        **before,
        EDITED_ENGLISH: ("Signing and sharing online petitions", before[EDITED_ENGLISH][1]),
        EDITED_RUSSIAN: (
            before[EDITED_RUSSIAN][0],
            "Дублирование работы международных организаций и НКО; нет координации между донорами",
        ),
    }
    assert texts_by_key() == expected
    # The history records both languages of what the import wrote.
    [version] = Version.objects.get_for_object(edited_russian)[:1]
    assert (version.field_dict["text_en"], version.field_dict["text_ru"]) == expected[
        EDITED_RUSSIAN
    ]


def test_a_file_with_only_the_text_column_changes_english_and_leaves_russian(
    board_client, demo, content_languages
):
    before = texts_by_key()
    rows = parse(admin_export(board_client))
    for cells in rows:
        cells["text"] = cells.pop("text_en")
        del cells["text_ru"]
        if (cells["country_code"], cells["kind"], cells["position"]) == EDITED_ENGLISH:
            cells["text"] = "Signing and sharing online petitions"
    header = [*HEADER.split(","), "status", "updated"]

    preview = preview_file(board_client, "old.csv", as_excel_saves(header, rows))
    assert [c.column for r in preview.context["plan"].changed for c in r.changes] == ["text"]
    done = confirm(board_client, preview)

    assert messages_of(done) == ["Imported: 0 created, 1 changed."]
    russian = before[EDITED_ENGLISH][1]
    assert texts_by_key() == {
        **before,
        EDITED_ENGLISH: ("Signing and sharing online petitions", russian),
    }
    assert russian


def test_an_empty_russian_cell_deletes_the_russian_text_only_where_the_column_is(
    country, content_languages
):
    session = make_session()
    first, second = make_findings(session, country, count=2)
    Finding.objects.filter(pk=first.pk).update(text_ru="Первый")
    Finding.objects.filter(pk=second.pk).update(text_ru="Второй")
    with_column = (
        "id,dialogue,dialogue_date,session,country,country_code,kind,position,text_en,text_ru,"
        "themes,url\r\n"
        f"{first.pk},{session.dialogue.slug},,{session.slug},,KZ,success,1,Finding 1,,,\r\n"
        f"{second.pk},{session.dialogue.slug},,{session.slug},,KZ,success,2,Finding 2,  ,,\r\n"
    )
    without_column = with_column.replace(",text_ru", "").replace("Finding 1,,", "Finding 1,")
    without_column = without_column.replace("Finding 2,  ,", "Finding 2,")

    untouched = importer.plan_import(without_column, overwrite=True)
    assert untouched.problems == [] and untouched.unchanged == 2
    plan = importer.plan_import(with_column, overwrite=True)
    assert plan.problems == []
    assert [(r.pk, r.changes) for r in plan.changed] == [
        (first.pk, [importer.Change("text_ru", "Первый", "")]),
        (second.pk, [importer.Change("text_ru", "Второй", "")]),
    ]
    importer.apply_import(plan)

    assert list(Finding.objects.order_by("position").values_list("text_en", "text_ru")) == [
        ("Finding 1", ""),
        ("Finding 2", ""),
    ]


def test_new_findings_take_their_russian_text_from_the_file(country, content_languages):
    session = make_session()
    text = (
        "id,dialogue,dialogue_date,session,country,country_code,kind,position,text_ru,text_en,"
        "themes,url,status,updated\r\n"
        f",{session.dialogue.slug},,{session.slug},,KZ,success,,Онлайн-петиции,Online petitions,"
        ",,,\r\n"
        f",{session.dialogue.slug},,{session.slug},,KZ,success,,,Court cases,,,,\r\n"
    )

    plan = importer.plan_import(text)
    assert plan.problems == []
    importer.apply_import(plan)

    assert list(Finding.objects.order_by("position").values_list("text_en", "text_ru")) == [
        ("Online petitions", "Онлайн-петиции"),
        ("Court cases", None),
    ]
    [version] = Version.objects.get_for_object(Finding.objects.get(position=1))
    assert version.field_dict["text_ru"] == "Онлайн-петиции"


@pytest.mark.parametrize(
    "texts",
    [
        "text,text_en",  # English twice
        "text_ru",  # no English
        "text_en,text_ru,text_ru",
        "text_en,text_kk",  # not a content language
        "text_en,",
    ],
)
def test_a_header_whose_text_columns_cannot_be_read_is_refused(content_languages, texts):
    header = f"id,dialogue,dialogue_date,session,country,country_code,kind,position,{texts},"
    plan = importer.plan_import(header + "themes,url\r\n")
    assert [(p.row, p.message) for p in plan.problems] == [(1, importer.header_message())]
    assert importer.header_message().startswith(
        "The first row must be the header id,dialogue,dialogue_date,session,country,"
        "country_code,kind,position,text_en,text_ru,themes,url."
    )


def test_the_admin_export_has_a_text_column_per_content_language_of_the_setting(
    board_client, country, settings
):
    make_findings(make_session(), country)
    settings.CONTENT_LANGUAGES = ["en"]
    assert "text_en,themes" in admin_export(board_client).partition("\r\n")[0]
    settings.CONTENT_LANGUAGES = ["en", "ru"]
    assert "text_en,text_ru,themes" in admin_export(board_client).partition("\r\n")[0]


def test_a_russian_edit_in_an_old_file_is_refused_as_stale(
    board_client, country, content_languages
):
    (finding,) = make_findings(make_session(), country)
    Finding.objects.filter(pk=finding.pk).update(text_ru="Вывод")
    rows = parse(admin_export(board_client))
    rows[0]["text_ru"] = "Вывод, исправленный в файле"
    content = as_excel_saves(list(rows[0]), rows)
    # Someone edits the finding after the export.
    finding.refresh_from_db()
    finding.text_en = "Edited meanwhile"
    finding.save()

    refused = preview_file(board_client, "old.csv", content)

    plan = refused.context["plan"]
    assert [(r.pk, [c.column for c in r.changes]) for r in plan.stale] == [
        (finding.pk, ["text_en", "text_ru"])
    ]
    assert 'id="import-confirm"' not in refused.content.decode()


def test_the_preview_says_a_russian_text_will_be_deleted(board_client, country, content_languages):
    (finding,) = make_findings(make_session(), country)
    Finding.objects.filter(pk=finding.pk).update(text_ru="Вывод")
    rows = parse(admin_export(board_client))
    rows[0]["text_ru"] = ""

    preview = preview_file(board_client, "f.csv", as_excel_saves(list(rows[0]), rows))

    changed = preview.content.decode().split('id="import-changed"')[1]
    cells = re.findall(r"<td>(.*?)</td>", changed)
    assert cells[-3:] == ["text_ru", "Вывод", '<em class="import-empty">(empty)</em>']
    confirm(board_client, preview)
    finding.refresh_from_db()
    assert (finding.text_en, finding.text_ru) == ("Finding 1", "")


def test_the_preview_shows_a_new_findings_russian_text_under_its_english(
    board_client, country, content_languages
):
    session = make_session()
    content = (
        "\ufeffid,dialogue,dialogue_date,session,country,country_code,kind,position,text_en,"
        "text_ru,themes,url\r\n"
        f",{session.dialogue.slug},,{session.slug},,KZ,success,,Online petitions,"
        "Онлайн-петиции,,\r\n"
    ).encode()

    preview = preview_file(board_client, "new.csv", content)

    created = preview.content.decode().split('id="import-created"')[1].split("</table>")[0]
    assert 'Online petitions<br><span lang="ru">Онлайн-петиции</span>' in created


def test_russian_texts_are_defused_alike_by_both_writers_and_restored_on_import(
    country, content_languages
):
    session = make_session()
    findings = make_findings(session, country, count=4)
    russian = ["=СУММ(A1)", "'уже с апострофом", "", "Обычный текст, с запятой"]
    for finding, text in zip(findings, russian, strict=True):
        Finding.objects.filter(pk=finding.pk).update(text_ru=text)
    methods = ["orm", "copy"] if connection.vendor == "postgresql" else ["orm"]
    files = {
        method: b"".join(
            export.csv_chunks(
                Finding.objects.all(),
                url_base="https://example.org",
                with_status=True,
                method=method,
            )
        )
        for method in methods
    }
    assert len(set(files.values())) == 1
    cells = [row["text_ru"] for row in parse(files["orm"].decode("utf-8"))]
    assert cells == ["'=СУММ(A1)", "''уже с апострофом", "", "Обычный текст, с запятой"]

    Finding.objects.update(text_ru="Заменено")
    plan = importer.plan_import(importer.decode_upload(files["orm"]))
    assert plan.problems == []
    importer.apply_import(plan)
    assert list(Finding.objects.order_by("position").values_list("text_ru", flat=True)) == russian
