import datetime
import json
import os
import re
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.utils import timezone

from dialogues.enums import Status
from dialogues.models import Country, Theme
from findings.enums import Kind
from findings.export import HEADER
from findings.models import Finding
from opendata import bulk, dictionary

from .conftest import make_dialogue, make_findings, make_session
from .test_project import PRODUCTION, ROOT

pytestmark = pytest.mark.django_db

DEMO = "role-impact-barriers-civil-society-2024"
LATER = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
CC_BY = {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}


@pytest.fixture(autouse=True)
def hosts(settings):
    settings.ALLOWED_HOSTS = ["testserver", "dialogues.example.org"]


@pytest.fixture
def demo():
    call_command("load_demo")


@pytest.fixture
def licence(settings):
    settings.I4C_OPEN_DATA_LICENCE = CC_BY
    return CC_BY


def download(client, **headers):
    response = client.get("/open-data/findings.json", **headers)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    return response, json.loads(body)


# --- the page --------------------------------------------------------------------------


def test_open_data_page_says_what_the_data_is_who_publishes_it_and_its_licence(
    client, demo, licence
):
    text = client.get("/open-data/").text

    assert "<h1>Open data</h1>" in text
    assert "civil-society organisations from Kazakhstan, Kyrgyzstan" in text
    assert "Innovation for Change (I4C) Network, Central Asia &amp; Mongolia Hub. Its Board" in text
    assert (
        '<a href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC BY 4.0</a>' in text
    )
    for link in (
        'href="/findings/export.csv?lang=en" download>English</a>',
        'href="/findings/export.csv?lang=ru" download>Russian</a>',
        'href="/open-data/findings.json" download>',
        'href="/api/v1/">JSON API</a>',
        'href="/api/v1/docs/">documentation</a>',
    ):
        assert link in text


def test_open_data_page_cites_the_dataset_with_the_date_of_the_latest_change(client, demo, licence):
    finding = Finding.objects.first()
    Finding.objects.filter(pk=finding.pk).update(
        updated=datetime.datetime(2031, 5, 4, 22, 0, tzinfo=datetime.UTC)
    )
    # A draft's later change is nobody's business but the Board's.
    draft = make_session(make_dialogue(status=Status.DRAFT))
    (hidden,) = make_findings(draft, Country.objects.get(code="KZ"))
    Finding.objects.filter(pk=hidden.pk).update(
        updated=datetime.datetime(2032, 1, 1, tzinfo=datetime.UTC)
    )

    text = client.get("/open-data/", HTTP_HOST="dialogues.example.org").text

    citation = re.search(r'<p class="citation">(.*?)</p>', text, re.S).group(1)
    # 22:00 UTC is the next day in Bishkek.
    assert " ".join(citation.split()) == (
        "Innovation for Change (I4C) Network, Central Asia &amp; Mongolia Hub. "
        "Regional Dialogues: findings per country [dataset]. Version of 2031-05-05. "
        "http://dialogues.example.org/open-data/"
    )
    assert "The published content last changed on May 5, 2031." in " ".join(text.split())


def test_open_data_page_follows_the_licence_setting(client, settings):
    settings.I4C_OPEN_DATA_LICENCE = {
        "name": "CC BY-SA 4.0",
        "url": "https://creativecommons.org/licenses/by-sa/4.0/",
    }
    text = client.get("/open-data/").text
    assert (
        '<a href="https://creativecommons.org/licenses/by-sa/4.0/" rel="license">'
        "CC BY-SA 4.0</a>" in text
    )
    assert "CC BY 4.0" not in text


def test_open_data_page_is_in_russian_for_a_russian_reader(client, demo, licence):
    client.cookies["django_language"] = "ru"
    text = client.get("/open-data/").text
    assert '<html lang="ru">' in text
    # The site's own words in Russian (the page's new ones follow with the catalogue).
    assert '<li><a href="/dialogues/">Диалоги</a></li>' in text
    assert '<option value="ru" lang="ru" selected>' in text
    assert 'href="/findings/export.csv?lang=ru" download>' in text


def test_every_page_links_the_open_data_page_in_its_footer(client, demo):
    for path in ("/", f"/dialogues/{DEMO}/", "/countries/kz/", "/findings/", "/actions/"):
        footer = client.get(path).text.split('<footer class="site-footer">')[1]
        assert '<a href="/open-data/">Open data</a>' in footer, path


def test_open_data_page_costs_three_queries(
    client, demo, licence, django_assert_num_queries, uncached
):
    # The latest change: dialogues published, findings, actions.
    with django_assert_num_queries(3):
        assert client.get("/open-data/").status_code == 200


def test_open_data_page_is_cached_until_the_content_changes(client, demo, licence, settings):
    settings.PAGE_CACHE_SECONDS = 600
    assert client.get("/open-data/")["X-Page-Cache"] == "miss"
    assert client.get("/open-data/")["X-Page-Cache"] == "hit"
    finding = Finding.objects.first()
    finding.save()
    assert client.get("/open-data/")["X-Page-Cache"] == "miss"
    # It prints its own address: a host with a port is never cached for others.
    assert "X-Page-Cache" not in client.get("/open-data/", HTTP_HOST="dialogues.example.org:8000")


def test_open_data_page_refuses_what_is_not_a_read(client):
    assert client.post("/open-data/").status_code == 405
    assert client.get("/open-data/more/").status_code == 404


# --- the data dictionary ---------------------------------------------------------------


def test_dictionary_describes_every_column_of_the_csv_file_in_order():
    assert dictionary.CSV_COLUMNS.names == HEADER


def test_dictionary_describes_every_field_of_the_contract():
    tables = {table.key: table.names for table in dictionary.API_TABLES}
    assert tables == {
        "dialogues": [
            "id",
            "url",
            "slug",
            "title",
            "series",
            "organiser",
            "summary",
            "start",
            "end",
            "format",
            "countries",
            "published_at",
            "report_url",
            "sessions",
        ],
        "sessions": ["id", "url", "slug", "dialogue", "position", "title", "description", "themes"],
        "findings": [
            "id",
            "url",
            "dialogue",
            "session",
            "country",
            "kind",
            "position",
            "text",
            "themes",
            "updated",
        ],
        "countries": ["id", "code", "url", "name"],
        "themes": ["id", "slug", "url", "name"],
        "actions": [
            "id",
            "url",
            "dialogue",
            "session",
            "title",
            "description",
            "carried_by",
            "countries",
            "due_date",
            "status",
            "problems",
            "updated",
        ],
    }
    for table in [dictionary.CSV_COLUMNS, *dictionary.API_TABLES, dictionary.BULK_TABLE]:
        for field in table.fields:
            assert str(field.meaning) and str(field.type) and field.example, field.name


def test_open_data_page_shows_every_field_of_the_dictionary(client):
    text = client.get("/open-data/").text
    for table in [dictionary.CSV_COLUMNS, *dictionary.API_TABLES, dictionary.BULK_TABLE]:
        rendered = re.search(
            rf'<table class="fields" id="fields-{table.key}">.*?</table>', text, re.S
        )
        names = re.findall(r'<th scope="row"><code>([^<]+)</code></th>', rendered.group(0))
        extra = ["findings"] if table is dictionary.BULK_TABLE else []
        assert names == table.names + extra


def test_dictionary_describes_every_field_of_the_json_file(client, demo):
    _, data = download(client)
    described = {table.key: set(table.names) for table in dictionary.API_TABLES}
    assert set(data) == set(dictionary.BULK_TABLE.names)
    assert set(data["countries"][0]) == described["countries"]
    assert set(data["themes"][0]) == described["themes"]
    dialogue = data["dialogues"][0]
    assert set(dialogue) == described["dialogues"]
    session = dialogue["sessions"][0]
    assert set(session) == described["sessions"] | {"findings"}
    assert set(session["findings"][0]) == described["findings"]


# --- the licence setting ---------------------------------------------------------------


def read_licence(**env):
    """The licence setting as a fresh interpreter reads it from exactly ``env``."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "I4C_"))
    }
    return subprocess.run(
        [sys.executable, "-c", "import i4c.settings as s; print(s.I4C_OPEN_DATA_LICENCE)"],
        cwd=ROOT,
        env={**clean, **PRODUCTION, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_licence_setting_reads_a_name_and_an_address():
    assert read_licence().stdout.strip() == str(CC_BY)
    custom = read_licence(
        I4C_OPEN_DATA_LICENCE="ODC-By 1.0 https://opendatacommons.org/licenses/by/1-0/"
    )
    assert custom.stdout.strip() == str(
        {"name": "ODC-By 1.0", "url": "https://opendatacommons.org/licenses/by/1-0/"}
    )
    wrong = read_licence(I4C_OPEN_DATA_LICENCE="CC BY 4.0")
    assert wrong.returncode != 0
    assert (
        "ImproperlyConfigured: I4C_OPEN_DATA_LICENCE must be the licence's name followed by "
        "the address of its text" in wrong.stderr
    )


# --- the JSON file ---------------------------------------------------------------------


def test_json_file_holds_every_published_dialogue_with_its_sessions_and_findings(
    client, demo, licence
):
    response, data = download(client, HTTP_HOST="dialogues.example.org")

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="i4c-regional-dialogues-findings.json"'
    )
    assert data["title"] == {
        "en": "Regional Dialogues: findings per country",
        "ru": "Региональные диалоги: выводы по странам",
    }
    assert data["licence"] == CC_BY
    assert data["url"] == "http://dialogues.example.org/open-data/"
    assert [c["code"] for c in data["countries"]] == ["KG", "KZ", "TJ", "UZ"]
    assert data["countries"][1] == {
        "id": Country.objects.get(code="KZ").pk,
        "code": "KZ",
        "url": "http://dialogues.example.org/countries/kz/",
        "name": {"en": "Kazakhstan", "ru": "Казахстан"},
    }
    (dialogue,) = data["dialogues"]
    assert dialogue["slug"] == DEMO
    assert dialogue["url"] == f"http://dialogues.example.org/dialogues/{DEMO}/"
    assert dialogue["report_url"] == f"http://dialogues.example.org/dialogues/{DEMO}/report/"
    assert dialogue["title"]["ru"].startswith("Роль, влияние и барьеры")
    assert dialogue["start"] == "2024-09-20T16:00:00+06:00"
    assert dialogue["format"] == "online"
    assert dialogue["countries"] == ["KG", "KZ", "TJ", "UZ"]
    assert [s["position"] for s in dialogue["sessions"]] == [1, 2]
    session = dialogue["sessions"][0]
    assert session["dialogue"] == dialogue["id"]
    findings = [f for s in dialogue["sessions"] for f in s["findings"]]
    assert len(findings) == Finding.objects.count() == 19
    first = session["findings"][0]
    stored = Finding.objects.get(pk=first["id"])
    assert first == {
        "id": stored.pk,
        "url": f"{session['url']}#finding-{stored.pk}",
        "dialogue": dialogue["id"],
        "session": session["id"],
        "country": stored.country.code,
        "kind": stored.kind,
        "position": stored.position,
        "text": {"en": stored.text_en, "ru": stored.text_ru},
        "themes": sorted(stored.themes.values_list("slug", flat=True)),
        "updated": timezone.localtime(stored.updated).isoformat(),
    }
    # Each list in its order: country, successes before problems, by number.
    order = [
        (f["country"] or "~", f["kind"] != "success", f["position"]) for f in session["findings"]
    ]
    assert order == sorted(order)


def test_json_file_never_holds_a_draft(client, demo, country):
    draft = make_dialogue(title="Secret draft", slug="secret-draft", status=Status.DRAFT)
    session = make_session(draft, title="Secret session", slug="secret-session")
    make_findings(session, country, count=2)
    draft.countries.add(Country.objects.get(code="MN"))
    Theme.objects.create(name="Secret theme", slug="secret-theme").sessions.add(session)

    response = client.get("/open-data/findings.json")
    body = b"".join(response.streaming_content).decode()

    for secret in ("secret", "Secret", '"MN"'):
        assert secret not in body
    data = json.loads(body)
    assert [d["slug"] for d in data["dialogues"]] == [DEMO]


@pytest.mark.parametrize("findings", [1, 40])
def test_json_file_costs_the_same_queries_for_one_finding_or_many(
    client, country, findings, django_assert_num_queries
):
    theme = Theme.objects.create(name="Laws", slug="laws")
    for _ in range(2):
        dialogue = make_dialogue()
        dialogue.countries.add(country)
        session = make_session(dialogue)
        session.themes.add(theme)
        for finding in make_findings(session, country, count=findings):
            finding.themes.add(theme)
        make_session(dialogue)  # a session without findings
    # The content version (ETag), the latest change (3), countries, themes, dialogues with
    # their countries (2), sessions with their themes (2), findings with their themes (2),
    # and the savepoint of the file's transaction and its release (2).
    with django_assert_num_queries(14):
        response = client.get("/open-data/findings.json")
        data = json.loads(b"".join(response.streaming_content))
    assert [len(s["findings"]) for d in data["dialogues"] for s in d["sessions"]] == [
        findings,
        0,
        findings,
        0,
    ]


def test_json_file_reads_findings_a_chunk_at_a_time_in_order(client, country, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 3)
    monkeypatch.setattr(bulk, "CHUNK_BYTES", 100)
    older = make_dialogue(start=datetime.datetime(2023, 1, 1, tzinfo=datetime.UTC), end=LATER)
    newer = make_dialogue(start=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC), end=LATER)
    sessions = [make_session(older), make_session(newer), make_session(newer)]
    for session in sessions:
        make_findings(session, country, Kind.PROBLEM, count=2)
        make_findings(session, None, Kind.SUCCESS, count=2)
        make_findings(session, country, Kind.SUCCESS, count=2)

    response = client.get("/open-data/findings.json")
    chunks = list(response.streaming_content)
    data = json.loads(b"".join(chunks))

    assert len(chunks) > 3
    assert [d["id"] for d in data["dialogues"]] == [newer.pk, older.pk]
    got = [
        (s["id"], [(f["country"], f["kind"], f["position"]) for f in s["findings"]])
        for d in data["dialogues"]
        for s in d["sessions"]
    ]
    lists = [
        ("KZ", "success", 1),
        ("KZ", "success", 2),
        ("KZ", "problem", 1),
        ("KZ", "problem", 2),
        (None, "success", 1),
        (None, "success", 2),
    ]
    assert got == [(sessions[1].pk, lists), (sessions[2].pk, lists), (sessions[0].pk, lists)]


def test_json_file_answers_not_modified_while_the_content_is_the_same(client, demo, country):
    first = client.get("/open-data/findings.json")
    etag = first["ETag"]
    assert json.loads(b"".join(first.streaming_content))["dialogues"]

    again = client.get("/open-data/findings.json", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert not b"".join(again.streaming_content if again.streaming else [again.content])

    Finding.objects.first().save()
    changed = client.get("/open-data/findings.json", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert json.loads(b"".join(changed.streaming_content))["dialogues"]


def test_head_of_the_json_file_sends_no_body_and_reads_only_the_content_version(
    client, demo, django_assert_num_queries
):
    with django_assert_num_queries(1):
        response = client.head("/open-data/findings.json")
        assert b"".join(response.streaming_content) == b""
    assert response.status_code == 200
    assert response["ETag"]


def test_json_file_refuses_what_is_not_a_read_and_addresses_that_do_not_exist(client):
    assert client.post("/open-data/findings.json").status_code == 405
    assert client.get("/open-data/findings.xml").status_code == 404
    assert client.get("/open-data/findings.json/").status_code == 404
    assert client.get("/open-data/findings.json", HTTP_HOST="bad host").status_code == 400


@pytest.mark.parametrize("table", dictionary.API_TABLES, ids=lambda table: table.key)
def test_dictionary_names_exactly_the_fields_the_api_answers_with(client, demo, table):
    """Once the JSON API is installed (/api/v1/), its objects have the fields described."""
    from actions.models import Action
    from dialogues.models import Dialogue

    Action.objects.create(
        dialogue=Dialogue.objects.get(slug=DEMO), title="Training", carried_by="I4C Board"
    )
    response = client.get(f"/api/v1/{table.key}/")
    if response.status_code == 404:
        pytest.skip("the JSON API is not installed here")
    results = response.json()["results"]
    assert results
    assert set(results[0]) == set(table.names)


def test_no_other_app_imports_open_data():
    """The open data reads every app; none reads it, so it can change without them."""
    import ast

    imported = set()
    for app in ("i4c", "dialogues", "findings", "actions", "reports"):
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module:
                    imported.add(node.module.split(".")[0])
                elif isinstance(node, ast.Import):
                    imported.update(alias.name.split(".")[0] for alias in node.names)
    assert "findings" in imported  # the walk did read the imports
    assert "opendata" not in imported


def test_json_file_holds_each_object_as_the_api_gives_it(client, demo, licence):
    """The file and the API build their objects apart (the file streams plain rows):
    the same dialogue, session and finding must come out the same."""
    _, data = download(client)
    dialogue = data["dialogues"][0]
    session = dialogue["sessions"][0]
    finding = session["findings"][0]

    def api(path):
        response = client.get(path)
        assert response.status_code == 200
        return response.json()

    assert api(f"/api/v1/dialogues/{dialogue['id']}/") == {
        **dialogue,
        "sessions": [
            {key: s[key] for key in ("id", "url", "slug", "position", "title")}
            for s in dialogue["sessions"]
        ],
    }
    assert api(f"/api/v1/sessions/{session['id']}/") == {
        key: value for key, value in session.items() if key != "findings"
    }
    assert api(f"/api/v1/findings/{finding['id']}/") == finding
