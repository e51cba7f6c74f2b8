import csv
import datetime
import io
import re
import threading

import pytest
from django.core.management import call_command
from django.core.signals import request_finished
from django.db import close_old_connections, connection

from dialogues.enums import Status
from dialogues.models import Country, Theme
from findings import export
from findings.enums import Kind
from findings.models import Finding

from .conftest import make_dialogue, make_findings, make_session

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")


def download(client, query="") -> tuple[bytes, list[list[str]]]:
    response = client.get(f"/findings/export.csv{query}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    response.close()
    return body, parse(body)


def parse(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_export_writes_every_column_of_a_finding(client, country):
    # 20:30 UTC on the 19th is already the 20th in Bishkek.
    start = datetime.datetime(2024, 9, 19, 20, 30, tzinfo=datetime.UTC)
    dialogue = make_dialogue(slug="role-of-civil-society", start=start)
    session = make_session(dialogue, slug="barriers")
    (finding,) = make_findings(session, country, kind=Kind.PROBLEM)
    finding.text = 'Registration takes "months", and\nfees rose'
    finding.save()
    finding.themes.set(
        [Theme.objects.create(name="Laws", slug="laws"), Theme.objects.create(name="Funding")]
    )

    body, rows = download(client)

    assert body.startswith(b"\xef\xbb\xbfid,dialogue,dialogue_date,session,country,")
    assert rows == [
        export.HEADER,
        [
            str(finding.pk),
            "role-of-civil-society",
            "2024-09-20",
            "barriers",
            "Kazakhstan",
            "KZ",
            "problem",
            "1",
            'Registration takes "months", and\nfees rose',
            "Funding; Laws",
            f"http://testserver/dialogues/role-of-civil-society/barriers/#finding-{finding.pk}",
        ],
    ]
    # RFC 4180: quotes doubled, the cell quoted, rows ending in CRLF.
    assert b'"Registration takes ""months"", and\nfees rose"' in body
    assert body.endswith(b"\r\n")


def test_regional_finding_has_empty_country_cells(client):
    (finding,) = make_findings(make_session(), None)

    _, rows = download(client)

    assert rows[1][4:6] == ["", ""]


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+7 700 000", "'+7 700 000"),
        ("-1 for the law", "'-1 for the law"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tindented", "'\tindented"),
        ("\r\nblank first line", "'\r\nblank first line"),
        ("\rcarriage return first", "'\rcarriage return first"),
        ("\nline feed first", "'\nline feed first"),
        ("'quoted'", "''quoted'"),
        ("a = b", "a = b"),
    ],
)
def test_export_defuses_cells_a_spreadsheet_would_run(client, country, text, cell):
    (finding,) = make_findings(make_session(), country)
    Finding.objects.filter(pk=finding.pk).update(text=text)

    _, rows = download(client)

    assert rows[1][8] == cell


def test_public_export_leaves_out_draft_dialogues(client, country, board_client):
    published = make_findings(make_session(), country)
    make_findings(make_session(make_dialogue(status=Status.DRAFT)), country)

    _, rows = download(board_client)

    assert [row[0] for row in rows[1:]] == [str(published[0].pk)]


def test_export_applies_the_filters_of_the_findings_list(client, country):
    session = make_session()
    kyrgyzstan = Country.objects.get(code="KG")
    make_findings(session, country, kind=Kind.SUCCESS, count=2)
    wanted = make_findings(session, kyrgyzstan, kind=Kind.PROBLEM)
    make_findings(session, kyrgyzstan, kind=Kind.SUCCESS)

    response = client.get("/findings/export.csv?country=kg&kind=problem")
    rows = parse(b"".join(response.streaming_content))

    assert [row[0] for row in rows[1:]] == [str(wanted[0].pk)]
    today = datetime.date.today().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="findings-kg-problem-{today}.csv"'
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_export_of_everything_is_named_all(client):
    response = client.get("/findings/export.csv")
    today = datetime.date.today().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="findings-all-{today}.csv"'
    assert parse(b"".join(response.streaming_content)) == [export.HEADER]


def test_export_streams_in_chunks_of_about_64_kib(client, country):
    session = make_session()
    findings = make_findings(session, country, count=500)
    Finding.objects.filter(pk__in=[f.pk for f in findings]).update(text="x" * 400)

    response = client.get("/findings/export.csv")
    chunks = list(response.streaming_content)

    # The header first, for a fast first byte; then 64 KiB chunks, not one per row.
    assert chunks[0].endswith(b"url\r\n")
    assert all(64 * 1024 <= len(chunk) < 70 * 1024 for chunk in chunks[1:-1])
    assert len(chunks) == 2 + sum(len(c) for c in chunks[1:]) // (64 * 1024)
    assert len(parse(b"".join(chunks))) == 501


@pytest.mark.parametrize("count", [1, 500])
def test_export_costs_the_same_queries_for_1_and_500_rows(
    uncached, client, country, django_assert_num_queries, count
):
    session = make_session()
    findings = make_findings(session, country, count=count)
    theme = Theme.objects.create(name="Laws", slug="laws")
    theme.findings.set(findings)

    # SAVEPOINT (the export reads in a transaction), the one SELECT or COPY with
    # the themes, RELEASE SAVEPOINT.
    with django_assert_num_queries(3):
        _, rows = download(client)

    assert len(rows) == count + 1


@on_postgresql
def test_copy_and_orm_write_the_same_bytes(country):
    dialogue = make_dialogue(
        slug="-dash", start=datetime.datetime(2024, 1, 1, 18, 0, tzinfo=datetime.UTC)
    )
    session = make_session(dialogue, slug="s")
    texts = [
        "Plain text",
        'Commas, "quotes" and\r\nCRLF',
        "Lone\rCR",
        "=1+2",
        "'already quoted",
        'Кириллица, «ёлки» и "кавычки"',
        "\ttab first",
        "",
    ]
    findings = make_findings(session, country, count=len(texts))
    findings += make_findings(session, None, kind=Kind.PROBLEM, count=2)
    for finding, text in zip(findings, texts, strict=False):
        Finding.objects.filter(pk=finding.pk).update(text=text)
    findings[0].themes.set(
        [Theme.objects.create(name="=Formula theme", slug="f"), Theme.objects.create(name="Права")]
    )
    findings[1].themes.set(Theme.objects.filter(slug="f"))

    def written(method, with_status):
        return b"".join(
            export.csv_chunks(
                Finding.objects.all(),
                url_base="https://example.org",
                with_status=with_status,
                method=method,
            )
        )

    for with_status in (False, True):
        copied = written("copy", with_status)
        assert copied == written("orm", with_status)
    assert len(parse(copied)) == len(findings) + 1
    assert b"2024-01-02" in copied


@on_postgresql
def test_a_client_leaving_mid_download_leaves_no_thread_or_query(rf, country):
    make_findings(make_session(), country, count=3000)

    response = export.export_findings(rf.get("/findings/export.csv"))
    content = iter(response.streaming_content)
    next(content), next(content)
    assert any(t.name == "findings-csv-copy" for t in threading.enumerate())
    # What the WSGI server does when the client goes away; keep the test's
    # connection (and its transaction) open meanwhile, as the test client does.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)

    assert not any(t.name == "findings-csv-copy" for t in threading.enumerate())
    # The COPY ran on this connection: it answers again, so the COPY has ended.
    assert Finding.objects.count() == 3000


@on_postgresql
def test_leaving_the_orm_path_mid_download_closes_its_server_side_cursor(country):
    make_findings(make_session(), country, count=5000)
    chunks = export.csv_chunks(Finding.objects.all(), url_base="", method="orm")
    next(chunks), next(chunks)

    def open_cursors():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_cursors")
            return cursor.fetchone()[0]

    assert open_cursors() == 1
    chunks.close()
    assert open_cursors() == 0


def test_generate_findings_fills_numbered_lists_that_export(client):
    call_command("generate_findings", findings=300, stdout=io.StringIO())

    assert Finding.objects.count() == 300
    positions = Finding.objects.values_list("session_id", "country_id", "kind", "position")
    assert len(set(positions)) == 300
    _, rows = download(client)
    assert len(rows) == 301
    assert any("\n" in row[8] for row in rows[1:])
    assert any(row[9] for row in rows[1:])
    assert not [row for row in rows[1:] if row[8].startswith(("=", "-", "+", "@"))]


@pytest.mark.django_db
def test_export_refuses_a_filter_that_is_not_valid(client):
    """Dropping the bad filter would hand out a wider selection than was asked for."""
    response = client.get("/findings/export.csv", {"kind": "maybe"})
    assert response.status_code == 400
    assert response.content.decode() == (
        "Kind: Select a valid choice. maybe is not one of the available choices.\n"
    )


def test_export_answers_head_with_the_headers_of_the_file(client):
    """Link checkers and download managers ask with HEAD first."""
    response = client.head("/findings/export.csv?kind=problem")
    today = datetime.date.today().isoformat()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="findings-problem-{today}.csv"'
    )


def test_export_lists_findings_in_the_order_of_the_findings_page(client, country):
    older = make_dialogue(start=datetime.datetime(2023, 5, 1, 9, 0, tzinfo=datetime.UTC))
    newer = make_dialogue(start=datetime.datetime(2024, 5, 1, 9, 0, tzinfo=datetime.UTC))
    kyrgyzstan = Country.objects.get(code="KG")
    for dialogue in (older, newer):
        second, first = make_session(dialogue, position=2), make_session(dialogue, position=1)
        for session in (second, first):
            make_findings(session, None, count=2)
            make_findings(session, country, kind=Kind.PROBLEM)
            make_findings(session, kyrgyzstan, count=2)
            make_findings(session, country)
    page = client.get("/findings/").content.decode()

    _, rows = download(client)

    shown = [int(pk) for pk in re.findall(r'href="[^"]*#finding-(\d+)"', page)]
    assert len(shown) == 24
    assert [int(r[0]) for r in rows[1:]] == shown
    # Newest dialogue first; in a session: countries by name, regional last; successes first.
    assert [(r[1], r[3], r[5], r[6]) for r in rows[1:7]] == [
        (newer.slug, rows[1][3], "KZ", "success"),
        (newer.slug, rows[1][3], "KZ", "problem"),
        (newer.slug, rows[1][3], "KG", "success"),
        (newer.slug, rows[1][3], "KG", "success"),
        (newer.slug, rows[1][3], "", "success"),
        (newer.slug, rows[1][3], "", "success"),
    ]


@on_postgresql
def test_copy_reads_the_themes_once_not_once_per_finding(country):
    """At a million findings a subquery per row cost 1,000,000 loops: the plan has none."""
    session = make_session()
    findings = make_findings(session, country, count=3)
    Theme.objects.create(name="Laws", slug="laws").findings.set(findings)
    sql = export.copy_sql(export.filtered_findings({}), url_base="")
    select = sql.removeprefix("COPY (").removesuffix(") TO STDOUT WITH (FORMAT csv)")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + select)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "SubPlan" not in plan
