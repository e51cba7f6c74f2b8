"""What a cached page is filed under: what the page reads, nothing else (i4c/pagecache.py)."""

import ast
from pathlib import Path

import pytest
from django.test import Client

from .conftest import make_findings, make_session

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cached(settings):
    settings.PAGE_CACHE_SECONDS = 600
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]


def test_parameters_a_page_does_not_read_share_its_entry(client, country, cached):
    session = make_findings(make_session(title="Civic space"), country)[0].session
    home = client.get("/")
    assert home["X-Page-Cache"] == "miss"
    for url in ("/?page=2", "/?utm_source=mail", "/?page=2&utm_source=mail"):
        again = client.get(url)
        assert again["X-Page-Cache"] == "hit"
        assert again.content == home.content

    url = session.get_absolute_url()
    page = client.get(url)
    searched = client.get(f"{url}?q=registration")
    assert (page["X-Page-Cache"], searched["X-Page-Cache"]) == ("miss", "hit")
    assert "Finding 1" in searched.text


def test_each_page_of_the_findings_is_its_own_entry(client, country, cached):
    make_findings(make_session(), country, count=60)
    first = client.get("/findings/")
    second = client.get("/findings/?page=2")
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "miss")
    assert "Finding 51" in second.text
    assert "Finding 51" not in first.text
    again = client.get("/findings/?utm_source=mail&page=2")
    assert again["X-Page-Cache"] == "hit"
    assert again.content == second.content
    assert client.get("/findings/?page=1")["X-Page-Cache"] == "miss"


def test_the_order_of_the_parameters_does_not_matter(client, country, cached):
    make_findings(make_session(), country)
    first = client.get("/findings/?kind=success&country=KZ&page=1")
    again = client.get("/findings/?page=1&utm_source=x&country=KZ&kind=success")
    assert (first["X-Page-Cache"], again["X-Page-Cache"]) == ("miss", "hit")
    assert again.content == first.content


def test_ports_in_the_host_do_not_multiply_entries(client, country, cached):
    make_findings(make_session(), country)
    first = client.get("/countries/", headers={"host": "127.0.0.1"})
    assert first["X-Page-Cache"] == "miss"
    for port in (1, 80, 8000, 65535, 99999):
        again = client.get("/countries/", headers={"host": f"127.0.0.1:{port}"})
        assert again["X-Page-Cache"] == "hit"
        assert again.content == first.content
    assert client.get("/countries/", headers={"host": "testserver"})["X-Page-Cache"] == "miss"


def test_a_page_with_absolute_addresses_never_shows_another_readers_port(client, cached):
    plain = [client.get("/robots.txt", headers={"host": "127.0.0.1"}) for _ in range(2)]
    assert [r["X-Page-Cache"] for r in plain] == ["miss", "hit"]
    assert "Sitemap: http://127.0.0.1/sitemap.xml" in plain[1].text
    for port in (1, 8000):
        ported = client.get("/robots.txt", headers={"host": f"127.0.0.1:{port}"})
        assert "X-Page-Cache" not in ported
        assert f"Sitemap: http://127.0.0.1:{port}/sitemap.xml" in ported.text
    assert "X-Page-Cache" not in client.get("/feed/", headers={"host": "127.0.0.1:1"})
    assert client.get("/sitemap.xml", headers={"host": "127.0.0.1"})["X-Page-Cache"] == "miss"


def test_a_page_sees_only_the_parameters_it_reads(board_client, country, cached):
    """Cached or not: the links of a page never repeat a parameter its key leaves out."""
    make_findings(make_session(), country, count=60)
    url = "/findings/?utm_source=mail&kind=success&campaign=%3Cb%3E"
    for client in (Client(), board_client):
        page = client.get(url)
        assert "Finding 1" in page.text
        assert "utm_source" not in page.text
        assert "campaign" not in page.text
        assert 'name="next" type="hidden" value="/findings/?kind=success"' in page.text
        assert 'href="?kind=success&amp;page=2"' in page.text
    assert "X-Page-Cache" not in board_client.get(url)


def test_a_view_without_a_declaration_is_never_cached_and_keeps_its_parameters(client, cached):
    export = client.get("/findings/export.csv?kind=problem&utm_source=mail")
    assert "X-Page-Cache" not in export
    assert "findings-problem-" in export["Content-Disposition"]
    assert "X-Page-Cache" not in client.get("/findings/export.csv?kind=problem")


def test_the_page_cache_imports_none_of_the_apps():
    tree = ast.parse((ROOT / "i4c" / "pagecache.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
    assert "django" in imported  # the walk did read the imports
    assert imported & {"dialogues", "findings"} == set()


def test_the_actions_and_the_report_are_cached_under_the_parameters_they_read(
    client, country, cached
):
    session = make_findings(make_session(), country)[0].session
    pages = {
        "/actions/": "status=done",
        f"/dialogues/{session.dialogue.slug}/report/": "style=list",
    }
    for url, parameter in pages.items():
        plain = client.get(url)
        chosen = client.get(f"{url}?{parameter}")
        assert (plain["X-Page-Cache"], chosen["X-Page-Cache"]) == ("miss", "miss")
        assert chosen.content != plain.content
        again = client.get(f"{url}?utm_source=mail&{parameter}")
        assert again["X-Page-Cache"] == "hit"
        assert again.content == chosen.content
