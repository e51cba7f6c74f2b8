"""What the page cache stores and when it stays out of the way (i4c/pagecache.py)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from findings import importer

from .conftest import make_findings, make_session
from .test_backup import call_backup
from .test_import import HEADER, row

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return b"".join(
        response.streaming_content if response.streaming else [response.content]
    ).decode()


@pytest.mark.urls("tests.urls_pagecache")
def test_a_plain_answer_is_stored(client):
    first = client.get("/rules/plain/")
    again = client.get("/rules/plain/")
    assert (first["X-Page-Cache"], again["X-Page-Cache"]) == ("miss", "hit")
    assert text(again) == text(first)


@pytest.mark.urls("tests.urls_pagecache")
@pytest.mark.parametrize(
    "rule",
    [
        "cookie",
        "vary-user-agent",
        "private",
        "no-store",
        "no-cache",
        "created",
        "not-found",
        "streaming",
    ],
)
def test_an_answer_that_breaks_a_rule_is_never_stored(client, rule):
    first = client.get(f"/rules/{rule}/")
    again = client.get(f"/rules/{rule}/")
    assert "X-Page-Cache" not in again
    assert text(again) != text(first)


def test_a_head_request_reads_the_cache_but_never_fills_it(client, country):
    make_findings(make_session(), country)
    head = client.head("/countries/")
    assert head.status_code == 200
    assert "X-Page-Cache" not in head
    assert client.get("/countries/")["X-Page-Cache"] == "miss"
    head = client.head("/countries/")
    assert head["X-Page-Cache"] == "hit"
    assert head.content == b""


def test_a_request_with_a_session_cookie_neither_reads_nor_fills_the_cache(client, country):
    make_findings(make_session(), country)
    anonymous = Client()
    anonymous.get("/countries/")
    assert anonymous.get("/countries/")["X-Page-Cache"] == "hit"

    client.cookies["sessionid"] = "a-session-that-does-not-exist"
    first = client.get("/countries/kz/")
    again = client.get("/countries/")
    assert "Finding 1" in first.text
    assert ("X-Page-Cache" in first, "X-Page-Cache" in again) == (False, False)
    assert anonymous.get("/countries/kz/")["X-Page-Cache"] == "miss"


def test_a_csv_import_reaches_the_cached_pages(client, country):
    session = make_session()
    (finding,) = make_findings(session, country)
    url = session.get_absolute_url()
    client.get(url)
    assert "Finding 1" in client.get(url).text

    csv = HEADER + "\r\n" + row(session, id=str(finding.pk), text="Imported text")
    importer.apply_import(importer.plan_import(csv, overwrite=True))

    after = client.get(url)
    assert after["X-Page-Cache"] == "miss"
    assert "Imported text" in after.text
    assert "Finding 1" not in after.text


def test_a_restore_reaches_the_cached_pages(client, country, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("dumpdata/loaddata backups are for SQLite; pg_restore runs outside")
    session = make_session()
    (finding,) = make_findings(session, country)
    path = call_backup(tmp_path)
    finding.text = "Changed after the backup"
    finding.save()
    url = session.get_absolute_url()
    client.get(url)
    assert "Changed after the backup" in client.get(url).text

    call_command("restore", str(path), "--noinput")

    after = client.get(url)
    assert after["X-Page-Cache"] == "miss"
    assert "Finding 1" in after.text
