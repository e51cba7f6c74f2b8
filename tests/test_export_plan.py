"""The export's query plans: what keeps a million findings' file fast on each database."""

import csv
import io

import pytest
from django.db import connection

from dialogues.models import Theme
from findings import export
from findings.enums import Kind

from .conftest import make_findings, make_session

pytestmark = pytest.mark.django_db


def plan_of(sql: str, params=()) -> str:
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(explain + sql, params)
        return "\n".join(" ".join(str(cell) for cell in row) for row in cursor.fetchall())


@pytest.fixture
def findings_with_themes(country):
    session = make_session()
    findings = make_findings(session, country, count=3)
    findings += make_findings(session, None, kind=Kind.PROBLEM, count=2)
    laws = Theme.objects.create(name="Laws", slug="laws")
    media = Theme.objects.create(name="Media", slug="media")
    laws.findings.set(findings[:3])
    media.findings.set(findings[1:])
    return findings


def test_the_orm_path_reads_the_themes_once_not_once_per_finding(findings_with_themes):
    """A subquery per row read the themes table a million times at a million findings:
    SQLite's export aggregates them once and joins the result."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL reads each finding's links as the row passes: see below")
    sql, params, _ = export.raw_query(export.filtered_findings({}))

    plan = plan_of(sql, params)

    assert "CORRELATED" not in plan  # SQLite's word for a subquery run per row


def test_postgresql_reads_each_findings_theme_links_and_every_name_once(findings_with_themes):
    """On PostgreSQL the export looks up each finding's links by its id as the row
    passes (nothing is aggregated ahead for every finding) and reads the names of
    all the themes once, into an array: not the themes table once per finding."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite aggregates the themes once: see above")
    select = export.copy_sql(export.filtered_findings({}), url_base="")
    select = select.removeprefix("COPY (").removesuffix(") TO STDOUT WITH (FORMAT csv)")

    plan = plan_of(select)

    assert "(finding_id = findings_finding.id)" in plan
    assert "GroupAggregate" not in plan and "HashAggregate" not in plan
    assert plan.count("generate_series") == 1


def test_the_orm_path_writes_each_findings_themes_sorted_by_name(client, findings_with_themes):
    response = client.get("/findings/export.csv")
    body = b"".join(response.streaming_content)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))

    themes = {int(row["id"]): row["themes"] for row in rows}
    assert [themes[finding.pk] for finding in findings_with_themes] == [
        "Laws",
        "Laws; Media",
        "Laws; Media",
        "Media",
        "Media",
    ]
