"""The page cache for anonymous readers (i4c/pagecache.py)."""

import gzip
import socket
import threading
import time
import uuid

import pytest
from django.test import Client

from dialogues.enums import Status
from dialogues.models import Country, Dialogue, Theme
from findings.enums import Kind
from findings.models import Finding

from .conftest import make_dialogue, make_findings, make_session
from .test_admin import fill_row, page_form, session_url

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/5"


def redis_is_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(params=["database", "redis"])
def page_store(request, settings):
    """Both places for the pages: each process's memory, and Redis when it runs here."""
    if request.param == "redis":
        if not redis_is_up():
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": f"i4c-test-{uuid.uuid4().hex}",
                "OPTIONS": settings.REDIS_OPTIONS,
            }
        }
    return request.param


def test_an_edit_is_visible_on_the_very_next_request(client, country, page_store):
    session = make_session(title="Civic space")
    (finding,) = make_findings(session, country)
    url = session.get_absolute_url()
    first = client.get(url)
    again = client.get(url)
    assert (first["X-Page-Cache"], again["X-Page-Cache"]) == ("miss", "hit")
    assert again.content == first.content
    assert "Finding 1" in again.text

    finding.text = "Registration takes six months"
    finding.save()
    after = client.get(url)
    assert after["X-Page-Cache"] == "miss"
    assert "Registration takes six months" in after.text
    assert "Finding 1" not in after.text


def rename_dialogue(dialogue):
    dialogue.title = "Renamed dialogue"
    dialogue.save()


def add_session(dialogue):
    dialogue.sessions.create(title="Youth councils", slug="youth", position=9)


def rename_country(dialogue):
    kazakhstan = Country.objects.get(code="KZ")
    kazakhstan.name = "Qazaqstan"
    kazakhstan.save()


def rename_theme(dialogue):
    laws = Theme.objects.get(slug="laws")
    laws.name = "Media freedom"
    laws.save()


def add_participating_country(dialogue):
    dialogue.countries.add(Country.objects.get(code="TM"))


def add_finding(dialogue):
    Finding.objects.create(
        session=dialogue.sessions.get(),
        country=Country.objects.get(code="TJ"),
        kind=Kind.PROBLEM,
        position=1,
        text="New problem",
    )


def delete_finding(dialogue):
    Finding.objects.get(text="Finding 1").delete()


def tag_finding(dialogue):
    Finding.objects.get(text="Finding 1").themes.add(Theme.objects.get(slug="funding"))


@pytest.mark.parametrize(
    "change, url, before, after",
    [
        (rename_dialogue, "/", "Civic space in 2025", "Renamed dialogue"),
        (add_session, "{d}", "Session", "Youth councils"),
        (rename_country, "/countries/", "Kazakhstan", "Qazaqstan"),
        (rename_theme, "/findings/", "Laws", "Media freedom"),
        (add_participating_country, "{d}", "Kazakhstan", "Turkmenistan"),
        (add_finding, "/countries/tj/", "Tajikistan", "New problem"),
        (delete_finding, "/findings/", "1 finding", "0 findings"),
        (tag_finding, "/findings/", "Laws", "Funding"),
    ],
)
def test_every_kind_of_change_reaches_the_cached_pages(
    client, country, page_store, change, url, before, after
):
    dialogue = make_dialogue(title="Civic space in 2025")
    dialogue.countries.add(country, Country.objects.get(code="TJ"))
    (finding,) = make_findings(make_session(dialogue), country)
    finding.themes.add(Theme.objects.create(name="Laws", slug="laws"))
    Theme.objects.create(name="Funding", slug="funding")
    url = url.format(d=dialogue.get_absolute_url())
    assert before in client.get(url).text
    cached = client.get(url)
    assert cached["X-Page-Cache"] == "hit"
    assert after not in cached.text

    change(dialogue)
    assert after in client.get(url).text


def test_drafts_are_never_served_from_the_cache_to_the_public(board_client, country, page_store):
    client = Client()
    draft = make_dialogue(title="Dialogue in preparation", status=Status.DRAFT)
    make_findings(make_session(draft), country)
    url = draft.get_absolute_url()
    preview = board_client.get(url)
    assert preview.status_code == 200
    assert "Only the Board can see this preview" in preview.text
    assert client.get(url).status_code == 404
    assert "Dialogue in preparation" not in client.get("/").text

    draft.status = Status.PUBLISHED
    draft.save()
    assert "Dialogue in preparation" in client.get(url).text
    assert "Dialogue in preparation" in client.get("/").text
    assert client.get("/")["X-Page-Cache"] == "hit"

    draft.status = Status.DRAFT
    draft.save()
    assert client.get(url).status_code == 404
    assert "Dialogue in preparation" not in client.get("/").text


def test_the_board_never_reads_or_fills_the_cache(board_client, country):
    client = Client()
    dialogue = make_dialogue(title="Civic space in 2025")
    make_findings(make_session(dialogue), country)
    url = dialogue.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    # A change that sends no signal leaves the anonymous copy stale: the Board
    # still sees the dialogue as it is, because its requests bypass the cache.
    Dialogue.objects.filter(pk=dialogue.pk).update(status=Status.DRAFT)
    staff = board_client.get(url)
    assert "X-Page-Cache" not in staff
    assert "Only the Board can see this preview" in staff.text
    assert "Only the Board can see this preview" not in client.get(url).text


def test_the_language_is_part_of_the_key(client, country):
    make_findings(make_session(), country)
    english = client.get("/countries/")
    russian = client.get("/countries/", headers={"accept-language": "ru"})
    assert "Kazakhstan" in english.text
    assert "Казахстан" in russian.text
    chosen = Client()
    chosen.cookies["django_language"] = "ru"
    assert "Казахстан" in chosen.get("/countries/").text
    assert "Kazakhstan" in client.get("/countries/").text


def test_public_pages_hold_no_csrf_token_and_set_no_cookie(client, country):
    make_findings(make_session(), country)
    response = client.get("/")
    assert "csrfmiddlewaretoken" not in response.text
    assert response.cookies == {}
    assert response["X-Page-Cache"] == "miss"


def test_the_language_switcher_works_without_a_token():
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/i18n/setlang/", {"language": "ru", "next": "/countries/"})
    assert response.status_code == 302
    assert response["Location"] == "/countries/"
    assert response.cookies["django_language"].value == "ru"
    assert "Страны" in strict.get("/countries/").text


def test_the_switcher_never_redirects_to_another_site():
    response = Client(enforce_csrf_checks=True).post(
        "/i18n/setlang/", {"language": "ru", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_the_admin_is_never_cached(client, board_member):
    first = client.get("/admin/login/")
    second = client.get("/admin/login/")
    assert "X-Page-Cache" not in first
    assert "X-Page-Cache" not in second
    assert "csrfmiddlewaretoken" in second.text


def test_an_unknown_host_gets_400_without_a_cache_warning(client, caplog):
    client.raise_request_exception = False
    with caplog.at_level("WARNING"):
        response = client.get("/countries/", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert [r.getMessage() for r in caplog.records if r.name == "i4c.pagecache"] == []


def redis_cache(settings, location, prefix):
    """The cache as the settings build it for ``REDIS_URL=location``."""
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
            "OPTIONS": settings.REDIS_OPTIONS,
        }
    }


@pytest.fixture
def silent_listener():
    """A port that accepts connections and never answers, like a hung Redis."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1]
    server.close()
    for connection in accepted:
        connection.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_redis_that_never_answers_costs_a_reader_under_two_seconds(
    client, settings, country, silent_listener
):
    make_findings(make_session(title="Civic space"), country)
    settings.CACHES = redis_cache(settings, f"redis://127.0.0.1:{silent_listener}/5", "silent")
    started = time.monotonic()
    response = client.get("/countries/kz/")
    assert time.monotonic() - started < 2
    assert "Finding 1" in response.text
    assert "X-Page-Cache" not in response


def test_an_admin_edit_succeeds_while_redis_is_down_and_shows_once_it_is_back(
    board_client, settings, country
):
    """Redis missed the edit's notice: readers may get the previous page until
    Redis's copy of the version expires (PAGE_CACHE_VERSION_SECONDS), not longer."""
    if not redis_is_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    reader = Client()
    session = make_session(title="Civic space")
    url = session.get_absolute_url()
    prefix = f"i4c-test-{uuid.uuid4().hex}"
    settings.CACHES = redis_cache(settings, REDIS_URL, prefix)
    reader.get(url)
    assert reader.get(url)["X-Page-Cache"] == "hit"

    settings.CACHES = redis_cache(settings, f"redis://127.0.0.1:{closed_port()}/5", prefix)
    data = page_form(board_client, session_url(session), "session_form")
    fill_row(data, "findings", 0, country=country.pk, kind=Kind.PROBLEM, text_en="Court fees")
    response = board_client.post(session_url(session), data)
    assert response.status_code == 302
    assert list(session.findings.values_list("text", flat=True)) == ["Court fees"]
    assert "Court fees" in reader.get(url).text

    # Redis answers again, still holding the page (and the version copy) from before.
    settings.CACHES = redis_cache(settings, REDIS_URL, prefix)
    time.sleep(settings.PAGE_CACHE_VERSION_SECONDS + 0.2)
    assert "Court fees" in reader.get(url).text


def test_the_filters_and_the_page_number_are_cached_in_any_order(client, country):
    make_findings(make_session(), country)
    first = client.get("/findings/?kind=success&country=KZ&page=1")
    again = client.get("/findings/?page=1&country=KZ&kind=success")
    other = client.get("/findings/?kind=problem&country=KZ&page=1")
    assert (first["X-Page-Cache"], again["X-Page-Cache"]) == ("miss", "hit")
    assert again.content == first.content
    assert other["X-Page-Cache"] == "miss"
    assert "Finding 1" not in other.text


def test_a_cached_page_carries_the_same_security_headers(client, country):
    make_findings(make_session(), country)
    miss = client.get("/countries/")
    hit = client.get("/countries/")
    assert hit["X-Page-Cache"] == "hit"
    assert hit["Content-Security-Policy"] == miss["Content-Security-Policy"]
    assert hit["Content-Security-Policy"].count("default-src") == 1
    assert (hit["X-Frame-Options"], miss["X-Frame-Options"]) == ("DENY", "DENY")


def test_with_redis_a_cached_page_costs_no_query(
    client, settings, country, django_assert_num_queries
):
    """The version comes from Redis's copy: a hit asks nothing of the database."""
    if not redis_is_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings.CACHES = redis_cache(settings, REDIS_URL, f"i4c-test-{uuid.uuid4().hex}")
    make_findings(make_session(), country)
    assert client.get("/findings/")["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        assert client.get("/findings/")["X-Page-Cache"] == "hit"


def test_without_redis_a_cached_page_costs_one_query(client, country, django_assert_num_queries):
    """Pages in each process's memory: the version is read from the database."""
    make_findings(make_session(), country)
    client.get("/findings/")
    # the content version
    with django_assert_num_queries(1):
        assert client.get("/findings/")["X-Page-Cache"] == "hit"


def test_public_pages_are_compressed_for_browsers_that_accept_it(client, country):
    make_findings(make_session(), country, count=40)
    plain = client.get("/findings/")
    packed = client.get("/findings/", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    # Each form has its own entry, and is served from it.
    again = client.get("/findings/", HTTP_ACCEPT_ENCODING="gzip")
    assert (plain["X-Page-Cache"], packed["X-Page-Cache"], again["X-Page-Cache"]) == (
        "miss",
        "miss",
        "hit",
    )
    assert again["Content-Encoding"] == "gzip"
    assert client.get("/findings/")["X-Page-Cache"] == "hit"


def test_the_admin_and_the_csv_export_are_never_compressed(board_client, client, country):
    make_findings(make_session(), country, count=40)
    admin = board_client.get("/admin/findings/finding/", HTTP_ACCEPT_ENCODING="gzip")
    assert admin.status_code == 200
    assert "Content-Encoding" not in admin
    export = client.get("/findings/export.csv", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in export
    assert b"".join(export.streaming_content).startswith(b"\xef\xbb\xbfid,")
