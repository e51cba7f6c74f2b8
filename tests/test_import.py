import csv
import datetime
import html
import io
import json
import re
import tracemalloc
from pathlib import Path

import pytest
import reversion
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.db import IntegrityError
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reversion.models import Revision, Version

from dialogues.enums import Status
from dialogues.models import Country, Theme
from findings import export, importer
from findings.admin import IMPORT_SESSION_KEY
from findings.enums import Kind
from findings.models import Finding, ImportPreview

from .conftest import make_dialogue, make_findings, make_session, sign_in_with_second_factor
from .pageforms import form_data

pytestmark = pytest.mark.django_db

HEADER = ",".join(export.HEADER)
# The admin's export: the public columns, then status and the finding's version.
ADMIN_HEADER = ",".join([*export.HEADER, "status", "updated"])


def exported(findings=None, *, with_status=False) -> str:
    """The export of ``findings`` (all by default) as the text an upload decodes to."""
    body = b"".join(
        export.csv_chunks(
            findings if findings is not None else Finding.objects.all(),
            url_base="https://example.org",
            with_status=with_status,
        )
    )
    return importer.decode_upload(body)


def row(
    session,
    *,
    id="",
    country="KZ",
    kind="success",
    position="1",
    text="A text",
    themes="",
    exported=None,
    admin=False,
):
    """A row of the public export; of the admin's with ``admin`` or ``exported`` (a finding
    whose version it carries)."""
    cells = [
        id,
        session.dialogue.slug,
        "2024-09-20",
        session.slug,
        "",
        country,
        kind,
        position,
        text,
        themes,
        "",
    ]
    if exported is not None:
        exported.refresh_from_db()
        cells += ["published", export.version(exported.updated)]
    elif admin:
        cells += ["published", ""]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


def problems(plan) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.message) for p in plan.problems]


def snapshot() -> list[tuple]:
    return [
        (
            f.session_id,
            f.country_id,
            f.kind,
            f.position,
            f.text,
            tuple(t.name for t in f.themes.all()),
        )
        for f in Finding.objects.prefetch_related("themes").order_by(
            "session_id", "kind", "position"
        )
    ]


# --- reading the file --------------------------------------------------------


def test_upload_is_read_with_or_without_byte_order_mark():
    text = HEADER + "\r\nКириллица"
    assert importer.decode_upload(b"\xef\xbb\xbf" + text.encode()) == text
    assert importer.decode_upload(text.encode()) == text


def test_windows_1251_file_is_refused_with_the_way_out():
    with pytest.raises(importer.ImportRefused, match="Windows-1251.*CSV UTF-8"):
        importer.decode_upload((HEADER + "\r\nРегистрация НКО занимает месяцы").encode("cp1251"))


def test_file_in_another_encoding_is_refused_as_not_utf8():
    with pytest.raises(importer.ImportRefused, match="not UTF-8"):
        importer.decode_upload((HEADER + "\r\nCafé crème").encode("latin-1"))


def test_file_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(importer, "MAX_BYTES", 100)
    with pytest.raises(importer.ImportRefused, match="larger than"):
        importer.decode_upload(b"x" * 101)


@pytest.fixture
def content_languages(settings):  # noqa: F811 (Django's settings, not hypothesis's)
    settings.CONTENT_LANGUAGES = ["en", "ru"]


def test_wrong_header_is_the_only_problem_reported(content_languages):
    plan = importer.plan_import("id,dialogue,text\r\n1,a,b\r\n")
    assert problems(plan) == [
        (
            1,
            "",
            "The first row must be the header id,dialogue,dialogue_date,session,country,"
            "country_code,kind,position,text_en,text_ru,themes,url. Instead of text_en,text_ru, "
            "a single column text may give the English text.",
        )
    ]


# --- the preview -------------------------------------------------------------


def test_preview_names_every_problem_by_row_and_column(country):
    session = make_session()
    make_findings(session, country)  # KZ success 1 is taken
    text = (
        HEADER
        + "\r\n"
        + row(session, country="XX", position="2")
        + row(make_session(), kind="barrier", position="2")
        + row(session, position="1")
        + row(session, text="  ", position="3")
        + row(session, themes="Laws; Nowhere", position="4")
        + row(session, position="5")
        + row(session, position="5")
        + row(session, position="0")
    ).replace(f"{session.slug},", "no-such-session,", 1)

    plan = importer.plan_import(text)

    assert problems(plan) == [
        (2, "session", "The dialogue has no session with the slug “no-such-session”."),
        (2, "country_code", "No country has the code “XX”."),
        (3, "kind", "The kind must be “success” or “problem”, not “barrier”."),
        (5, "text", "The text is empty."),
        (6, "themes", "No theme is called “Laws”."),
        (6, "themes", "No theme is called “Nowhere”."),
        (9, "position", "The number must be a whole number from 1 to 32767."),
        (4, "position", f"Number 1 of this list is already finding {Finding.objects.get().pk}."),
        (8, "position", "Number 5 of this list is already on row 7."),
    ]
    assert not plan.is_valid


def test_preview_lists_what_would_be_created_and_changed_without_writing(country):
    session = make_session()
    first, second = make_findings(session, country, count=2)
    text = (
        ADMIN_HEADER
        + "\r\n"
        + row(session, id=str(first.pk), position="1", text="Finding 1", exported=first)
        + row(session, id=str(second.pk), position="2", text="Corrected", exported=second)
        + row(session, country="", kind="problem", position="", exported=first)
    )

    plan = importer.plan_import(text)

    assert plan.is_valid
    assert plan.unchanged == 1
    assert [(r.number, r.pk, r.changes) for r in plan.changed] == [
        (3, second.pk, [importer.Change("text", "Finding 2", "Corrected")])
    ]
    assert [(r.number, r.country, r.position) for r in plan.created] == [(4, None, 1)]
    assert Finding.objects.get(pk=second.pk).text == "Finding 2"
    assert Finding.objects.count() == 2


def test_import_reads_semicolons_as_russian_excel_saves(country):
    session = make_session()
    text = (HEADER + "\r\n" + row(session)).replace(",", ";")

    plan = importer.plan_import(text)

    assert problems(plan) == []
    assert [r.text for r in plan.created] == ["A text"]


def test_import_swaps_two_numbers_of_one_list(country):
    session = make_session()
    first, second = make_findings(session, country, count=2)
    text = (
        HEADER
        + "\r\n"
        + row(session, id=str(first.pk), position="2", text="Finding 1")
        + row(session, id=str(second.pk), position="1", text="Finding 2")
    )

    # Hand-made rows do not say when they were exported: overwrite.
    importer.apply_import(importer.plan_import(text, overwrite=True))

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.position, second.position) == (2, 1)


def test_import_swaps_numbers_while_a_list_uses_its_highest_numbers(country):
    session = make_session()
    first, second = make_findings(session, country, count=2)
    Finding.objects.create(
        session=session, country=country, kind="success", position=32767, text="Last"
    )
    Finding.objects.create(
        session=session, country=country, kind="success", position=32766, text="Last but one"
    )
    text = (
        HEADER
        + "\r\n"
        + row(session, id=str(first.pk), position="2", text="Finding 1")
        + row(session, id=str(second.pk), position="1", text="Finding 2")
    )

    importer.apply_import(importer.plan_import(text, overwrite=True))

    assert sorted(Finding.objects.values_list("position", "text")) == [
        (1, "Finding 2"),
        (2, "Finding 1"),
        (32766, "Last but one"),
        (32767, "Last"),
    ]


def test_import_moves_findings_to_the_highest_numbers_and_swaps_them(country):
    session = make_session()
    findings = make_findings(session, country, count=3)
    text = HEADER + "\r\n"
    for finding, position in zip(findings, ["32767", "32766", "31767"], strict=True):
        text += row(session, id=str(finding.pk), position=position, text=finding.text)
    importer.apply_import(importer.plan_import(text, overwrite=True))
    text = text.replace(",32767,", ",1,").replace(",32766,", ",32767,")

    plan = importer.plan_import(text, overwrite=True)
    importer.apply_import(plan)

    assert problems(plan) == []
    assert list(Finding.objects.order_by("pk").values_list("position", flat=True)) == [
        1,
        32767,
        31767,
    ]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            {"id": "²"},
            (2, "id", "The id must be a whole number up to 9223372036854775807, or empty."),
        ),
        (
            {"id": str(2**63)},
            (2, "id", "The id must be a whole number up to 9223372036854775807, or empty."),
        ),
        ({"position": "²"}, (2, "position", "The number must be a whole number from 1 to 32767.")),
        (
            {"position": "32768"},
            (2, "position", "The number must be a whole number from 1 to 32767."),
        ),
        ({"position": "٣"}, (2, "position", "The number must be a whole number from 1 to 32767.")),
    ],
)
def test_odd_numbers_are_problems_of_their_column(country, cells, expected):
    session = make_session()
    plan = importer.plan_import(HEADER + "\r\n" + row(session, **cells))
    assert problems(plan) == [expected]


def test_a_cell_longer_than_csv_default_limit_is_read(country):
    session = make_session()
    text = "Долгий текст, " * 12000  # 168,000 characters

    plan = importer.plan_import(
        HEADER + "\r\n" + row(session) + row(session, position="2", text=text)
    )

    assert problems(plan) == []
    assert [len(r.text) for r in plan.created] == [6, len(text)]


@pytest.mark.parametrize("line_end", ["\r\n", "\n", "\r"])
def test_every_line_end_is_read_and_line_breaks_in_cells_are_kept(country, line_end):
    session = make_session()
    text = (HEADER + "\r\n" + row(session, text="Two\r\nlines\rand\nmore")).replace(
        "\r\n", line_end
    )
    text = text.replace("Two" + line_end, "Two\r\n")  # inside the quoted cell

    plan = importer.plan_import(text + row(session, position="2", text="Last").rstrip())

    assert problems(plan) == []
    assert [r.text for r in plan.created] == ["Two\r\nlines\rand\nmore", "Last"]


def test_a_quotation_mark_never_closed_is_a_problem_of_its_row(country):
    session = make_session()
    text = HEADER + "\r\n" + row(session) + row(session, position="2").replace("A text", '"A text')
    text += ("x" * 1000 + "\r\n") * 200  # the rest of the file, read into that one cell

    plan = importer.plan_import(text)

    assert problems(plan) == [
        (
            3,
            "",
            "This row cannot be read: a quotation mark is never closed, or a closing one is "
            "followed by more text in the same cell.",
        )
    ]


def test_a_nul_character_is_refused_when_the_file_is_read():
    with pytest.raises(importer.ImportRefused, match="NUL character"):
        importer.decode_upload((HEADER + "\r\n1,a\x00b").encode())


def test_admin_preview_of_odd_input_lists_problems_not_an_error(board_client, country):
    session = make_session()
    text = HEADER + "\r\n" + row(session, id=str(2**64), position="²")

    response = upload(board_client, text)

    assert response.status_code == 200
    assert [(p.row, p.column) for p in response.context["plan"].problems] == [
        (2, "id"),
        (2, "position"),
    ]


# --- the admin ---------------------------------------------------------------


def upload(client, text: str):
    return client.post(
        "/admin/findings/finding/import/",
        {"file": SimpleUploadedFile("findings.csv", ("\ufeff" + text).encode())},
    )


def test_admin_import_applies_only_after_confirmation(board_client, board_member, country):
    session = make_session()
    text = HEADER + "\r\n" + row(session, text="New finding") + row(session, position="2")

    preview = upload(board_client, text)

    assert preview.status_code == 200
    assert [r.text for r in preview.context["plan"].created] == ["New finding", "A text"]
    assert b'name="confirm"' in preview.content
    assert Finding.objects.count() == 0

    done = board_client.post(
        "/admin/findings/finding/import/",
        {"confirm": "1", "digest": preview.context["digest"]},
    )

    assert done.status_code == 302
    assert sorted(Finding.objects.values_list("position", "text")) == [
        (1, "New finding"),
        (2, "A text"),
    ]
    # One revision in the change history, by the Board member: it can be undone.
    (revision,) = Revision.objects.all()
    assert (revision.user, revision.comment) == (board_member, "Import findings from CSV")
    assert revision.version_set.count() == 2


def test_admin_import_with_a_problem_imports_nothing(board_client, country):
    session = make_session()
    text = HEADER + "\r\n" + row(session) + row(session, kind="", position="2")

    preview = upload(board_client, text)

    assert problems(preview.context["plan"]) == [
        (3, "kind", "The kind must be “success” or “problem”, not “”.")
    ]
    assert b'name="confirm"' not in preview.content
    # Confirming that very file anyway (a crafted form) still writes nothing.
    board_client.post(
        "/admin/findings/finding/import/", {"confirm": "1", "digest": preview.context["digest"]}
    )
    assert Finding.objects.count() == 0


def test_admin_import_refuses_windows_1251_with_a_message(board_client, country):
    response = board_client.post(
        "/admin/findings/finding/import/",
        {"file": SimpleUploadedFile("f.csv", (HEADER + "\r\nПроблема").encode("cp1251"))},
    )
    assert "Windows-1251" in response.context["form"].errors["file"][0]


def test_admin_exports_selection_and_filters_with_drafts_and_status(
    board_client, country, content_languages
):
    draft = make_findings(make_session(make_dialogue(status=Status.DRAFT)), country)[0]
    published = make_findings(make_session(), Country.objects.get(code="KG"))[0]

    selected = board_client.post(
        "/admin/findings/finding/",
        {"action": "export_selected", "_selected_action": [draft.pk]},
    )
    rows = list(csv.reader(io.StringIO(b"".join(selected.streaming_content).decode("utf-8-sig"))))
    draft.refresh_from_db()
    assert rows[0] == [
        *["id", "dialogue", "dialogue_date", "session", "country", "country_code", "kind"],
        *["position", "text_en", "text_ru", "themes", "url", "status", "updated"],
    ]
    version = draft.updated.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    assert [(r[0], r[-2], r[-1]) for r in rows[1:]] == [(str(draft.pk), "draft", version)]

    filtered = board_client.get(
        f"/admin/findings/finding/export.csv?country__id__exact={country.pk}"
    )
    rows = list(csv.reader(io.StringIO(b"".join(filtered.streaming_content).decode("utf-8-sig"))))
    assert [(r[0], r[-2]) for r in rows[1:]] == [(str(draft.pk), "draft")]

    everything = board_client.get("/admin/findings/finding/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(everything.streaming_content).decode("utf-8-sig"))))
    assert sorted(r[0] for r in rows[1:]) == sorted([str(draft.pk), str(published.pk)])


# --- the round trip ----------------------------------------------------------


def test_export_then_import_into_an_empty_database_gives_the_same_findings(country):
    laws, money = (
        Theme.objects.create(name="Laws", slug="laws"),
        Theme.objects.create(name="Money", slug="money"),
    )
    session = make_session(make_dialogue(status=Status.DRAFT))
    findings = make_findings(session, country, count=3)
    findings += make_findings(session, None, kind=Kind.PROBLEM, count=2)
    findings += make_findings(make_session(), Country.objects.get(code="MN"), count=2)
    findings[0].themes.set([laws, money])
    findings[4].themes.set([money])
    Finding.objects.filter(pk=findings[1].pk).update(text='=cmd|" /C calc"!A0, "quoted"\r\nnext')
    before = snapshot()
    text = exported(with_status=True)

    Finding.objects.all().delete()
    plan = importer.plan_import(text)
    importer.apply_import(plan)

    assert problems(plan) == []
    assert len(plan.created) == 7
    assert snapshot() == before


# OWASP's list of cell starts a spreadsheet runs as a formula (CSV injection),
# with the line breaks the README names; stated here, not read from the code.
DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n")
ANY_TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.one_of(
        ANY_TEXT,
        # Every dangerous start, with any text after it.
        st.tuples(st.sampled_from(DANGEROUS), ANY_TEXT).map("".join),
    ).filter(str.strip)
)
def test_no_cell_starts_a_formula_and_import_restores_any_text(country, text):
    finding = (
        Finding.objects.filter(text__startswith="Finding").first()
        or make_findings(make_session(), country)[0]
    )
    Finding.objects.filter(pk=finding.pk).update(text=text)

    csv_text = exported(Finding.objects.filter(pk=finding.pk), with_status=True)
    cells = [cell for r in csv.reader(io.StringIO(csv_text, newline="")) for cell in r]
    assert not [cell for cell in cells if cell.startswith(DANGEROUS)]

    Finding.objects.filter(pk=finding.pk).update(text="Finding replaced")
    plan = importer.plan_import(csv_text)
    assert problems(plan) == []
    importer.apply_import(plan)
    assert Finding.objects.get(pk=finding.pk).text == text
    Finding.objects.filter(pk=finding.pk).update(text="Finding again")


def test_changelist_links_to_export_with_its_filters_and_to_import(board_client, country):
    response = board_client.get(f"/admin/findings/finding/?country__id__exact={country.pk}&q=law")
    content = response.content.decode()
    assert (
        f'href="/admin/findings/finding/export.csv?country__id__exact={country.pk}&amp;q=law"'
        in content
    )
    assert 'href="/admin/findings/finding/import/"' in content
    assert 'href="/admin/findings/finding/recover/"' in content


def test_admin_import_refuses_a_file_over_the_size_limit(board_client, monkeypatch):
    monkeypatch.setattr(importer, "MAX_BYTES", 1024 * 1024)
    response = board_client.post(
        "/admin/findings/finding/import/",
        {"file": SimpleUploadedFile("big.csv", b"x" * (1024 * 1024 + 1))},
    )
    assert response.context["form"].errors["file"] == [
        "The file is larger than 1 MB. Split it and import the parts one by one."
    ]


def test_admin_import_page_states_the_header_it_expects(board_client, content_languages):
    response = board_client.get("/admin/findings/finding/import/")
    assert response.status_code == 200
    assert (
        "The first row must be the header id,dialogue,dialogue_date,session,country,"
        "country_code,kind,position,text_en,text_ru,themes,url."
    ) in response.content.decode()
    assert (
        "An empty cell in another language’s column (text_ru) deletes that text; to leave "
        "a language’s texts as they are, delete its whole column. A file with a single text "
        "column, as older exports wrote it, gives the English text only."
    ) in html.unescape(response.content.decode())
    assert 'type="file" name="file"' in response.content.decode()


def test_admin_import_is_403_without_the_add_and_change_permissions(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_finding"))
    sign_in_with_second_factor(client, viewer)
    assert client.get("/admin/findings/finding/import/").status_code == 403
    assert client.get("/admin/findings/finding/export.csv").status_code == 200


def test_admin_export_file_is_named_after_the_changelist_filters(board_client, country):
    today = datetime.date.today().isoformat()

    filtered = board_client.get(
        f"/admin/findings/finding/export.csv?kind__exact=problem&country__id__exact={country.pk}"
        "&q=Законы law"
    )
    everything = board_client.get("/admin/findings/finding/export.csv")

    assert filtered["Content-Disposition"] == (
        f'attachment; filename="findings-kind-problem-country-{country.pk}-q-law-{today}.csv"'
    )
    assert everything["Content-Disposition"] == f'attachment; filename="findings-all-{today}.csv"'


@pytest.mark.parametrize(
    "query",
    [
        "country__id__exact=abc",
        "no_such_field=1",
        "session__id__exact=99999999999999999999999",
        "session__id__exact=-99999999999999999999999",
        "session__dialogue__id__exact=%C2%B2",
        "country__id__exact=1.5",
        "themes__id__exact=99999999999999999999999",
        "session__id__regex=(",
        "text__regex=(",
        "session__no_such_lookup=1",
    ],
)
def test_admin_export_with_a_bad_filter_is_refused_with_a_message(board_client, country, query):
    # Two of each: the admin leaves out a filter with a single choice.
    laws = Theme.objects.create(name="Laws", slug="laws")
    Theme.objects.create(name="Money", slug="money")
    make_findings(make_session(), country)[0].themes.set([laws])
    make_findings(make_session(), Country.objects.get(code="KG"))

    response = board_client.get(f"/admin/findings/finding/export.csv?{query}")

    # Refused before the first byte: not a download that breaks off.
    assert not response.streaming
    assert response.status_code == 400
    assert response.content.decode() == (
        "These filters are not valid. Open the findings list and choose again.\n"
    )


def test_import_link_is_shown_only_to_those_who_may_import(client, django_user_model):
    adder = django_user_model.objects.create_user("adder", is_staff=True)
    adder.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_finding", "add_finding"])
    )
    sign_in_with_second_factor(client, adder)

    changelist = client.get("/admin/findings/finding/").content.decode()

    assert "Export these findings as CSV" in changelist
    assert 'href="/admin/findings/finding/import/"' not in changelist
    assert client.get("/admin/findings/finding/import/").status_code == 403


# --- what the import keeps, and how much it takes ------------------------------


def test_preview_with_problems_keeps_nothing_in_the_session(board_client, country):
    session = make_session()

    upload(board_client, HEADER + "\r\n" + row(session))
    assert IMPORT_SESSION_KEY in board_client.session
    upload(board_client, HEADER + "\r\n" + row(session, kind="barrier"))

    # The earlier file's preview is replaced, and the new one cannot be confirmed.
    assert IMPORT_SESSION_KEY not in board_client.session


def test_confirmed_import_leaves_nothing_in_the_session(board_client, country):
    preview = upload(board_client, HEADER + "\r\n" + row(make_session()))
    assert preview.context["digest"]

    board_client.post(
        "/admin/findings/finding/import/", {"confirm": "1", "digest": preview.context["digest"]}
    )

    assert Finding.objects.count() == 1
    assert IMPORT_SESSION_KEY not in board_client.session


def test_confirming_with_another_files_digest_is_refused(board_client, country):
    upload(board_client, HEADER + "\r\n" + row(make_session()))

    response = board_client.post(
        "/admin/findings/finding/import/", {"confirm": "1", "digest": "0" * 64}, follow=True
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Upload the file again: the preview has expired."
    ]
    assert Finding.objects.count() == 0


def test_a_large_preview_keeps_the_session_small_and_can_be_confirmed(board_client, country):
    session = make_session()
    long_text = "A finding long enough to make the file large. " * 2000
    rows = [row(session, position=str(n), text=long_text) for n in range(1, 11)]
    preview = upload(board_client, HEADER + "\r\n" + "".join(rows))
    assert len(preview.context["plan"].created) == 10

    stored = Session.objects.get(pk=board_client.session.session_key)
    assert len(stored.session_data) < 10_000
    assert board_client.session[IMPORT_SESSION_KEY] == preview.context["digest"]

    board_client.post(
        "/admin/findings/finding/import/", {"confirm": "1", "digest": preview.context["digest"]}
    )

    assert Finding.objects.count() == 10
    assert list(ImportPreview.objects.all()) == []


def test_a_preview_older_than_an_hour_is_refused(board_client, country):
    preview = upload(board_client, HEADER + "\r\n" + row(make_session()))
    ImportPreview.objects.update(created=timezone.now() - datetime.timedelta(minutes=61))

    response = board_client.post(
        "/admin/findings/finding/import/",
        {"confirm": "1", "digest": preview.context["digest"]},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Upload the file again: the preview has expired."
    ]
    assert Finding.objects.count() == 0
    assert list(ImportPreview.objects.all()) == []


def test_a_new_preview_replaces_the_last_and_forgets_stale_ones(
    board_client, board_member, country, django_user_model
):
    other = django_user_model.objects.create_user("other")
    ImportPreview.objects.create(user=other, digest="1" * 64, text="stale")
    ImportPreview.objects.update(created=timezone.now() - datetime.timedelta(hours=2))
    ImportPreview.objects.create(user=other, digest="2" * 64, text="recent")
    session = make_session()
    upload(board_client, HEADER + "\r\n" + row(session))
    second = upload(board_client, HEADER + "\r\n" + row(session, text="Second file"))

    assert sorted(ImportPreview.objects.values_list("user__username", "digest")) == [
        ("aigerim", second.context["digest"]),
        ("other", "2" * 64),
    ]


@pytest.fixture
def stored_bytes(monkeypatch):
    """What Django's handlers were given to store, in memory or in a temporary file."""
    stored = {"memory": 0, "disk": 0, "temporary files": 0}

    def counting(handler_class, where):
        receive = handler_class.receive_data_chunk

        def receive_data_chunk(self, raw_data, start):
            if where == "memory" and not self.activated:
                return receive(self, raw_data, start)
            stored[where] += len(raw_data)
            return receive(self, raw_data, start)

        monkeypatch.setattr(handler_class, "receive_data_chunk", receive_data_chunk)

    counting(MemoryFileUploadHandler, "memory")
    counting(TemporaryFileUploadHandler, "disk")
    new_file = TemporaryFileUploadHandler.new_file

    def counting_new_file(self, *args, **kwargs):
        stored["temporary files"] += 1
        return new_file(self, *args, **kwargs)

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", counting_new_file)
    return stored


TOO_LARGE = "The file is larger than 1 MB. Split it and import the parts one by one."


# Files over 64 KiB go to a temporary file.
@override_settings(I4C_MAX_UPLOAD_BYTES=1024 * 1024, FILE_UPLOAD_MAX_MEMORY_SIZE=64 * 1024)
def test_upload_over_the_limit_is_refused_before_anything_is_stored(board_client, stored_bytes):

    response = board_client.post(
        "/admin/findings/finding/import/",
        {"file": SimpleUploadedFile("big.csv", b"x" * (3 * 1024 * 1024))},
    )

    assert response.context["form"].errors["file"] == [TOO_LARGE]
    assert stored_bytes == {"memory": 0, "disk": 0, "temporary files": 0}


@override_settings(I4C_MAX_UPLOAD_BYTES=1024 * 1024, FILE_UPLOAD_MAX_MEMORY_SIZE=64 * 1024)
def test_upload_just_over_the_limit_is_stopped_at_the_limit(board_client, stored_bytes):
    # Within the room the handler leaves for the form's other fields: the
    # declared length lets it start, the count of bytes stops it.

    response = board_client.post(
        "/admin/findings/finding/import/",
        {"file": SimpleUploadedFile("big.csv", b"x" * (1024 * 1024 + 1000))},
    )

    assert response.context["form"].errors["file"] == [TOO_LARGE]
    assert stored_bytes["memory"] == 0
    assert 0 < stored_bytes["disk"] <= 1024 * 1024


@override_settings(I4C_MAX_UPLOAD_BYTES=1024 * 1024)
def test_upload_at_the_limit_is_read(board_client, country):
    text = HEADER + "\r\n" + row(make_session(), text="x" * (1024 * 1024 - 200))
    assert len(("\ufeff" + text).encode()) <= 1024 * 1024

    response = upload(board_client, text)

    assert response.context["form"].errors == {}
    assert [len(r.text) for r in response.context["plan"].created] == [1024 * 1024 - 200]


# --- through the admin's own pages -------------------------------------------

DATA = Path(__file__).parent / "data"
IMPORT_URL = "/admin/findings/finding/import/"


def preview_file(client, name: str, content: bytes, *, overwrite: bool = False):
    """Upload a file through the import page's own form, as a browser sends it."""
    data = form_data(client.get(IMPORT_URL).content, "import-upload")
    data["file"] = SimpleUploadedFile(name, content, content_type="text/csv")
    if overwrite:
        data["overwrite"] = "on"
    return client.post(IMPORT_URL, data)


def confirm(client, preview):
    """Press "Import these findings" on the preview."""
    data = form_data(preview.content, "import-confirm")
    data["confirm"] = "Import these findings"
    return client.post(IMPORT_URL, data, follow=True)


def admin_export(client, query="") -> str:
    response = client.get(f"/admin/findings/finding/export.csv{query}")
    return b"".join(response.streaming_content).decode("utf-8")


def edited(csv_text: str, pk: int, column: str, value: str) -> bytes:
    """The file with one cell changed, as a spreadsheet saves it (BOM, CRLF)."""
    rows = list(csv.reader(io.StringIO(csv_text.removeprefix("\ufeff"), newline="")))
    index = rows[0].index(column)
    for cells in rows[1:]:
        if cells[0] == str(pk):
            cells[index] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def import_dialogue(db):
    """The dialogue and session the files in tests/data name."""
    dialogue = make_dialogue(slug="csv-import-2024", status=Status.DRAFT)
    Theme.objects.create(name="Laws", slug="laws")
    Theme.objects.create(name="Money", slug="money")
    return make_session(dialogue, slug="civic-space")


def test_excel_csv_utf8_file_is_imported_through_the_pages(board_client, import_dialogue):
    content = (DATA / "findings-excel-csv-utf8.csv").read_bytes()
    assert content.startswith(b"\xef\xbb\xbf") and b"\r\n" in content

    preview = preview_file(board_client, "findings.csv", content)
    assert problems(preview.context["plan"]) == []
    done = confirm(board_client, preview)

    assert messages_of(done) == ["Imported: 4 created, 0 changed."]
    found = Finding.objects.filter(session=import_dialogue).prefetch_related("themes")
    assert sorted(
        (
            (
                f.country and f.country.code,
                f.kind,
                f.position,
                f.text,
                [t.name for t in f.themes.all()],
            )
            for f in found.select_related("country")
        ),
        key=str,
    ) == sorted(
        [
            ("KZ", "success", 1, "Registration of NGOs takes weeks, not months", ["Laws"]),
            (
                "KG",
                "problem",
                1,
                "Представители общественных организаций не знают своих прав и полномочий,\n"
                "не информированы о законодательных аспектах своей деятельности",
                [],
            ),
            (
                None,
                "problem",
                1,
                '=Funding from abroad is labelled "foreign agent" money',
                ["Laws", "Money"],
            ),
            ("MN", "success", 7, 'Quotes "as typed" survive', []),
        ],
        key=str,
    )


def test_libreoffice_file_with_semicolons_is_imported_through_the_pages(
    board_client, import_dialogue
):
    content = (DATA / "findings-libreoffice-semicolons.csv").read_bytes()
    assert content.split(b"\n")[0].count(b";") == 12

    preview = preview_file(board_client, "findings.csv", content)
    assert problems(preview.context["plan"]) == []
    done = confirm(board_client, preview)

    assert messages_of(done) == ["Imported: 2 created, 0 changed."]
    assert sorted(
        Finding.objects.filter(session=import_dialogue).values_list("country__code", "text")
    ) == [
        ("TJ", "Дублирование работы международных организаций и НКО;\nнет координации"),
        ("UZ", "Mahalla committees; local councils and NGOs meet monthly"),
    ]


def test_a_row_changed_since_the_export_is_refused_until_overwrite_is_ticked(board_client, country):
    session = make_session()
    first, second = make_findings(session, country, count=2)
    exported_file = admin_export(board_client)
    # Another Board member edits the first finding after the export.
    change_url = f"/admin/findings/finding/{first.pk}/change/"
    data = form_data(board_client.get(change_url).content, "finding_form")
    data["text_en"] = "Edited meanwhile"
    assert board_client.post(change_url, data).status_code == 302
    first.refresh_from_db()
    # The old file: the second finding edited, the first as it was at the export.
    content = edited(exported_file, second.pk, "text_en", "Edited in the file")

    refused = preview_file(board_client, "old.csv", content)

    plan = refused.context["plan"]
    assert [(r.number, r.pk, r.changes) for r in plan.stale] == [
        (2, first.pk, [importer.Change("text_en", "Edited meanwhile", "Finding 1")])
    ]
    assert [r.pk for r in plan.changed] == [second.pk]
    page = refused.content.decode()
    assert "export again and make your edits in the new file" in page
    assert 'id="import-confirm"' not in page

    overwritten = preview_file(board_client, "old.csv", content, overwrite=True)
    assert [r.pk for r in overwritten.context["plan"].changed] == [first.pk, second.pk]
    done = confirm(board_client, overwritten)

    assert messages_of(done) == ["Imported: 0 created, 2 changed."]
    assert list(Finding.objects.order_by("position").values_list("text", flat=True)) == [
        "Finding 1",
        "Edited in the file",
    ]


def test_a_fresh_export_edited_and_imported_needs_no_tick(board_client, country):
    (finding,) = make_findings(make_session(), country)
    content = edited(admin_export(board_client), finding.pk, "text_en", "Corrected")

    preview = preview_file(board_client, "fresh.csv", content)
    done = confirm(board_client, preview)

    assert messages_of(done) == ["Imported: 0 created, 1 changed."]
    finding.refresh_from_db()
    assert finding.text == "Corrected"


def test_a_file_without_versions_changes_findings_only_with_the_tick(board_client, country):
    session = make_session()
    (finding,) = make_findings(session, country)
    text = HEADER + "\r\n" + row(session, id=str(finding.pk), text="From a hand-made file")
    text += row(session, position="2", text="New")

    refused = preview_file(board_client, "public.csv", text.encode())

    plan = refused.context["plan"]
    assert [(r.pk, r.changes) for r in plan.stale] == [
        (finding.pk, [importer.Change("text", "Finding 1", "From a hand-made file")])
    ]
    assert plan.stale[0].note.startswith("The file does not say when it was exported")
    assert 'id="import-confirm"' not in refused.content.decode()

    done = confirm(
        board_client, preview_file(board_client, "public.csv", text.encode(), overwrite=True)
    )

    assert messages_of(done) == ["Imported: 1 created, 1 changed."]


def test_a_file_without_versions_adds_findings_without_the_tick(board_client, country):
    text = HEADER + "\r\n" + row(make_session(), text="New")

    done = confirm(board_client, preview_file(board_client, "public.csv", text.encode()))

    assert messages_of(done) == ["Imported: 1 created, 0 changed."]


def test_the_tick_cannot_be_added_when_confirming(board_client, country):
    session = make_session()
    (finding,) = make_findings(session, country)
    text = HEADER + "\r\n" + row(session, text="New", position="2")
    preview = preview_file(board_client, "public.csv", text.encode())
    Finding.objects.filter(pk=finding.pk).update(text="Changed")
    data = form_data(preview.content, "import-confirm")

    done = board_client.post(
        IMPORT_URL, {**data, "overwrite": "1", "confirm": "Import these findings"}, follow=True
    )

    assert messages_of(done) == ["Upload the file again: the preview has expired."]
    assert Finding.objects.count() == 1


def test_preview_shows_before_and_after_of_every_changed_cell(board_client, country):
    Theme.objects.create(name="Laws", slug="laws")
    session, other = make_session(), make_session()
    (finding,) = make_findings(session, country)
    exported_file = admin_export(board_client)
    content = exported_file
    for column, value in [
        ("session", other.slug),
        ("country_code", "KG"),
        ("kind", "problem"),
        ("position", "4"),
        ("text_en", "New text"),
        ("themes", "Laws"),
    ]:
        content = edited(content, finding.pk, column, value).decode("utf-8")
    content = content.replace(f",{session.dialogue.slug},", f",{other.dialogue.slug},")

    preview = preview_file(board_client, "f.csv", content.encode())

    (planned,) = preview.context["plan"].changed
    assert planned.changes == [
        importer.Change(
            "session",
            f"{session.dialogue.slug} / {session.slug}",
            f"{other.dialogue.slug} / {other.slug}",
        ),
        importer.Change("country_code", "KZ", "KG"),
        importer.Change("kind", "success", "problem"),
        importer.Change("position", "1", "4"),
        importer.Change("text_en", "Finding 1", "New text"),
        importer.Change("themes", "", "Laws"),
    ]
    cell = r"<td>((?:<em[^>]*>)?[^<]*(?:</em>)?)</td>"
    cells = re.findall(
        rf"<td>(\w+)</td>\s*{cell}\s*{cell}",
        preview.content.decode().split('id="import-changed"')[1],
    )
    # An empty value is said, not left as a blank cell.
    empty = '<em class="import-empty">(empty)</em>'
    assert cells == [
        (c.column, html.escape(c.before) or empty, html.escape(c.after) or empty)
        for c in planned.changes
    ]


def test_an_updated_cell_that_is_not_a_time_is_a_problem(country):
    session = make_session()
    (finding,) = make_findings(session, country)
    text = ADMIN_HEADER + "\r\n" + row(session, id=str(finding.pk), text="New", exported=finding)
    text = text.replace("+00:00", "")

    plan = importer.plan_import(text)

    assert [(p.row, p.column) for p in plan.problems] == [(2, "updated")]
    assert plan.problems[0].message.startswith("“")


# --- many rows, many problems ------------------------------------------------


def test_a_million_bad_lines_stop_after_1000_problems_in_little_memory():
    text = HEADER + "\r\n" + "a\r\n" * 1_000_000
    assert len(text.encode()) < 10 * 1024 * 1024

    tracemalloc.start()
    try:
        plan = importer.plan_import(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < 50 * 1024 * 1024
    assert (plan.problem_count, len(plan.problems), plan.more_problems) == (1000, 200, 800)
    assert plan.stopped_at_row == 1002
    assert plan.problems[0] == importer.Problem(2, "", "This row has 1 cells; the header has 11.")


def test_a_file_naming_a_new_session_on_every_row_is_read_in_little_memory(db):
    # 300,000 different dialogue and session names, more than SQLite takes as the
    # parameters of one query, in a file under the upload limit.
    rows = "".join(f",d{n},,s{n},,,success,1,x,,\r\n" for n in range(300_000))
    text = HEADER + "\r\n" + rows
    assert len(text.encode()) < 10 * 1024 * 1024

    tracemalloc.start()
    try:
        plan = importer.plan_import(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < 50 * 1024 * 1024
    assert plan.problems[0] == importer.Problem(2, "dialogue", "No dialogue has the slug “d0”.")
    assert plan.problem_count == 1000


def test_a_preview_with_many_problems_shows_the_first_200_and_counts_the_rest(board_client):
    text = HEADER + "\r\n" + "a\r\n" * 1_000_000

    response = preview_file(board_client, "bad.csv", text.encode())

    page = response.content.decode()
    assert len(response.content) < 200_000
    assert page.count("This row has 1 cells; the header has 11.") == 200
    assert "1000 problems: nothing has been imported." in page
    assert "… and 800 more problems." in page
    assert (
        "Reading stopped after 1000 problems, at row 1002: the rest of the file was not read."
        in page
    )


def test_a_large_plan_shows_200_rows_of_each_list(board_client, country):
    session = make_session()
    text = HEADER + "\r\n" + "".join(row(session, position="", text=f"F{n}") for n in range(450))

    response = preview_file(board_client, "many.csv", text.encode())

    page = response.content.decode()
    assert len(response.context["plan"].created) == 450
    assert page.split('id="import-created"')[1].count("<tr>") == 201  # with the header row
    assert "… and 250 more findings to create." in page


# --- applying: in bulk, with history, all or nothing -------------------------


@pytest.mark.parametrize("count", [2, 40])
def test_applying_costs_the_same_queries_for_2_and_40_rows(
    country, django_assert_num_queries, count
):
    laws = Theme.objects.create(name="Laws", slug="laws")
    session = make_session()
    existing = make_findings(session, country, kind=Kind.PROBLEM, count=count)
    for finding in existing:
        finding.themes.set([laws])
    text = ADMIN_HEADER + "\r\n"
    for finding in existing:
        text += row(
            session,
            id=str(finding.pk),
            kind="problem",
            position=str(finding.position),
            text="Changed",
            exported=finding,
        )
    text += "".join(
        row(session, position="", themes="Laws", text="New", admin=True) for _ in range(count)
    )
    plan = importer.plan_import(text)
    assert (len(plan.changed), len(plan.created)) == (count, count)

    # SAVEPOINT, the revision; changes: UPDATE, the themes DELETE (the themes stay
    # the same: no INSERT), the versions' INSERT; new: INSERT, themes INSERT, versions
    # INSERT; the content version's UPDATE; RELEASE SAVEPOINT. (The plan has read the
    # findings' content type, and no number needs parking.)
    with django_assert_num_queries(10):
        importer.apply_import(plan)

    assert Version.objects.count() == 2 * count


def imported_through_the_admin(client, text: str):
    return confirm(client, preview_file(client, "f.csv", text.encode()))


def test_imported_finding_history_shows_the_import_and_reverting_to_it_works(board_client, country):
    session = make_session()
    imported_through_the_admin(board_client, HEADER + "\r\n" + row(session, text="Imported"))
    finding = Finding.objects.get()
    change_url = f"/admin/findings/finding/{finding.pk}/change/"
    data = form_data(board_client.get(change_url).content, "finding_form")
    data["text_en"] = "Edited later"
    board_client.post(change_url, data)

    history = board_client.get(f"/admin/findings/finding/{finding.pk}/history/")

    versions = history.context["action_list"]
    assert [v["revision"].comment for v in versions] == [
        "Import findings from CSV",
        "Changed Text [en].",
    ]
    assert "Import findings from CSV" in history.content.decode()
    revert_url = versions[0]["url"]
    form_page = board_client.get(revert_url)
    assert form_page.status_code == 200
    reverted = board_client.post(revert_url, form_data(form_page.content, "finding_form"))
    assert reverted.status_code == 302
    finding.refresh_from_db()
    assert finding.text == "Imported"


def test_import_versions_are_what_reversion_itself_would_store(country):
    laws, money = (
        Theme.objects.create(name="Laws", slug="laws"),
        Theme.objects.create(name="Money", slug="money"),
    )
    session = make_session()
    (changed,) = make_findings(session, country)
    changed.themes.set([laws])
    text = (
        ADMIN_HEADER
        + "\r\n"
        + row(
            session,
            id=str(changed.pk),
            text="=Changed " + "long " * 30,
            themes="Money; Laws",
            exported=changed,
        )
    )
    # Decomposed, as some keyboards type it: the history shows it composed.
    new_text = "Новая cafe\u0301"
    text += row(session, country="", position="", text=new_text, themes="Money", admin=True)
    importer.apply_import(importer.plan_import(text))
    ours = {v.object_id: v for v in Version.objects.all()}

    with reversion.create_revision():
        for finding in Finding.objects.all():
            reversion.add_to_revision(finding)
    theirs = Version.objects.exclude(pk__in=[v.pk for v in ours.values()])

    assert len(ours) == theirs.count() == 2
    for version in theirs:
        mine = ours[version.object_id]
        assert (mine.content_type, mine.db, mine.format, mine.object_repr) == (
            version.content_type,
            version.db,
            version.format,
            version.object_repr,
        )
        assert json.loads(mine.serialized_data) == json.loads(version.serialized_data)
    assert money.pk in json.loads(ours[str(changed.pk)].serialized_data)[0]["fields"]["themes"]


def test_a_finding_deleted_since_the_export_comes_back_only_with_the_tick(board_client, country):
    from .adminpages import confirm_deletion

    session = make_session()
    add_url = "/admin/findings/finding/add/"
    data = form_data(board_client.get(add_url).content, "finding_form")
    data.update(session=str(session.pk), country=str(country.pk), kind="success")
    data["text_en"] = "Online petitions"
    assert board_client.post(add_url, data).status_code == 302
    finding = Finding.objects.get()
    exported_file = admin_export(board_client)
    # Another Board member deletes it after the export.
    confirm_deletion(board_client, f"/admin/findings/finding/{finding.pk}/delete/")
    assert not Finding.objects.exists()

    refused = preview_file(board_client, "old.csv", exported_file.encode())

    assert problems(refused.context["plan"]) == [
        (
            2,
            "id",
            f"Finding {finding.pk} has been deleted here. Export again, or tick “Overwrite "
            "changes made since the export” to add it back with a new id.",
        )
    ]
    overwritten = preview_file(board_client, "old.csv", exported_file.encode(), overwrite=True)
    assert messages_of(confirm(board_client, overwritten)) == ["Imported: 1 created, 0 changed."]
    assert list(Finding.objects.values_list("text", flat=True)) == ["Online petitions"]


def test_a_deleted_imported_finding_can_be_recovered_from_its_version(country):
    session = make_session()
    importer.apply_import(importer.plan_import(HEADER + "\r\n" + row(session, text="Gone")))
    finding = Finding.objects.get()
    pk = finding.pk
    finding.delete()

    (deleted,) = Version.objects.get_deleted(Finding)
    deleted.revert()

    assert Finding.objects.get(pk=pk).text == "Gone"


# Outside a test transaction: what the import commits is seen as committed.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_write_refused_partway_leaves_nothing_saved(country, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    session = make_session()
    (existing,) = make_findings(session, country)
    text = (
        ADMIN_HEADER + "\r\n" + row(session, id=str(existing.pk), text="Changed", exported=existing)
    )
    text += "".join(row(session, position=str(n), text=f"New {n}", admin=True) for n in range(2, 8))
    plan = importer.plan_import(text)
    assert plan.is_valid
    # Between the preview and the writing, someone takes number 5 of that list:
    # the database refuses the second batch of new findings, after the first was written.
    Finding.objects.create(session=session, country=country, kind="success", position=5, text="X")
    before = snapshot()

    with pytest.raises(IntegrityError):
        importer.apply_import(plan)

    assert snapshot() == before
    assert (Revision.objects.count(), Version.objects.count()) == (0, 0)


def test_a_number_taken_while_the_import_writes_is_explained_and_nothing_is_imported(
    board_client, import_dialogue, monkeypatch
):
    content = (DATA / "findings-excel-csv-utf8.csv").read_bytes()
    preview = preview_file(board_client, "findings.csv", content)
    assert problems(preview.context["plan"]) == []
    apply_import = importer.apply_import

    def a_colleague_first(plan, **kwargs):
        # Another Board member saves number 1 of a list the file adds to, after the
        # confirmation has checked the numbers and before the import writes them.
        first = next(row for row in plan.created if row.position)
        Finding.objects.create(
            session_id=first.session_id,
            country_id=first.country_id,
            kind=first.kind,
            position=first.position,
            text="Theirs",
        )
        return apply_import(plan, **kwargs)

    monkeypatch.setattr(importer, "apply_import", a_colleague_first)
    done = confirm(board_client, preview)

    assert messages_of(done) == [
        "Someone else saved a finding with a number this file uses at the same moment, "
        "so nothing was imported. Upload the file again."
    ]
    # The colleague's finding stays; none of the file's.
    texts = Finding.objects.filter(session=import_dialogue).values_list("text", flat=True)
    assert list(texts) == ["Theirs"]


# --- the upload limit as configured ------------------------------------------


def test_the_real_10_mb_limit_refuses_a_file_just_over_it(board_client, settings):
    settings.I4C_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 2.5 * 1024 * 1024

    response = preview_file(board_client, "big.csv", b"x" * (10 * 1024 * 1024 + 1))

    assert response.context["form"].errors["file"] == [
        "The file is larger than 10 MB. Split it and import the parts one by one."
    ]


def test_the_real_10_mb_limit_reads_a_file_just_under_it(board_client, settings, country):
    settings.I4C_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 2.5 * 1024 * 1024
    text = HEADER + "\r\n" + row(make_session(), text="x" * (10 * 1024 * 1024 - 200))
    content = ("\ufeff" + text).encode()
    assert 10 * 1024 * 1024 - 100 < len(content) <= 10 * 1024 * 1024

    response = preview_file(board_client, "big.csv", content)

    assert response.context["form"].errors == {}
    assert [len(r.text) for r in response.context["plan"].created] == [10 * 1024 * 1024 - 200]


def test_import_changes_regional_findings_and_moves_one_to_regional(country):
    session = make_session()
    (regional,) = make_findings(session, None, kind=Kind.PROBLEM)
    (national,) = make_findings(session, country, kind=Kind.PROBLEM)
    text = ADMIN_HEADER + "\r\n"
    text += row(
        session,
        id=str(regional.pk),
        country="",
        kind="problem",
        text="Regional, edited",
        exported=regional,
    )
    text += row(
        session,
        id=str(national.pk),
        country="",
        kind="problem",
        position="",
        text="Now regional",
        exported=national,
    )

    importer.apply_import(importer.plan_import(text))

    assert sorted(Finding.objects.values_list("country", "kind", "position", "text")) == [
        (None, "problem", 1, "Regional, edited"),
        (None, "problem", 2, "Now regional"),
    ]


# --- findings without an English text -----------------------------------------


def test_round_trip_of_a_finding_without_english_text_keeps_it_without(country, settings):
    """A finding entered from Russian notes: the admin's export shows its Russian text in
    the text cell; importing the file back writes no Russian into the English column."""
    from findings.notes import save_findings

    settings.CONTENT_LANGUAGES = ["en", "ru"]
    session = make_session()
    save_findings(session=session, text="KZ: 1) Страх; 2) Суды", default_kind=Kind.SUCCESS,
                  language="ru")  # fmt: skip
    theme = Theme.objects.create(name="Courts", slug="courts")
    text = exported(with_status=True)
    assert "Страх" in text

    plan = importer.plan_import(text)
    assert problems(plan) == []
    assert (len(plan.changed), plan.unchanged) == (0, 2)

    # Another cell of the row changed: its texts stay as they are.
    lines = text.splitlines()
    lines[2] = lines[2].replace(",Суды,,", ",Суды,Courts,")
    plan = importer.plan_import("\r\n".join(lines) + "\r\n")
    assert problems(plan) == []
    assert [[(c.column, c.before, c.after) for c in r.changes] for r in plan.changed] == [
        [("themes", "", "Courts")]
    ]
    importer.apply_import(plan)
    assert list(
        Finding.objects.order_by("position").values_list("text_en", "text_ru", "themes")
    ) == [(None, "Страх", None), (None, "Суды", theme.pk)]
