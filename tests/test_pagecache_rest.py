"""A Redis that hangs costs one request, not every one (i4c/pagecache.py, REDIS_RETRY_SECONDS)."""

import socket
import threading
import time

import pytest
from django.db import connection

from .conftest import make_findings, make_session

pytestmark = pytest.mark.django_db


class SilentRedis:
    """A port that accepts connections and reads what it is sent, and never answers."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = []
        self.received = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection = self.server.accept()[0]
            except OSError:
                return
            with self.lock:
                self.connections.append(connection)
            threading.Thread(target=self._read, args=(connection,), daemon=True).start()

    def _read(self, connection):
        while True:
            try:
                data = connection.recv(65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.received += len(data)

    def touches(self) -> tuple[int, int]:
        """(connections accepted, bytes received) once what was sent has arrived."""
        time.sleep(0.1)
        with self.lock:
            return len(self.connections), self.received

    def close(self):
        self.server.close()
        with self.lock:
            for connection in self.connections:
                connection.close()


@pytest.fixture
def silent_redis():
    redis = SilentRedis()
    yield redis
    redis.close()


def use_as_the_cache(settings, redis: SilentRedis):
    settings.PAGE_CACHE_SECONDS = 600
    settings.REDIS_RETRY_SECONDS = 1
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis.port}/5",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }


def warnings_of_the_cache(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "i4c.pagecache" and r.levelno >= 30]


def test_after_a_failure_redis_is_left_alone_for_a_while_then_tried_again(
    client, settings, country, silent_redis, caplog
):
    session = make_session(title="Civic space")
    (finding,) = make_findings(session, country)
    url = session.get_absolute_url()
    use_as_the_cache(settings, silent_redis)
    caplog.set_level("INFO", logger="i4c.pagecache")
    assert silent_redis.touches() == (0, 0)

    first = client.get(url)
    assert "Finding 1" in first.text
    assert "X-Page-Cache" not in first
    connections, received = silent_redis.touches()
    assert connections >= 1
    assert received > 0
    assert warnings_of_the_cache(caplog) == [
        "Page cache: reading a page failed; pages are served uncached for the next 1 s"
    ]

    # Within the window: pages, and an edit, without a word to the silent Redis.
    for page in (url, "/", "/countries/kz/", url):
        response = client.get(page)
        assert response.status_code == 200
        assert "X-Page-Cache" not in response
    finding.text = "Registration takes six months"
    finding.save()
    assert "Registration takes six months" in client.get(url).text
    assert silent_redis.touches() == (connections, received)
    assert len(warnings_of_the_cache(caplog)) == 1

    # After the window: tried again (and left alone again, with one more warning).
    time.sleep(1.1)
    assert "Registration takes six months" in client.get(url).text
    assert silent_redis.touches() > (connections, received)
    assert len(warnings_of_the_cache(caplog)) == 2
    after = silent_redis.touches()
    client.get(url)
    assert silent_redis.touches() == after


def test_the_site_works_without_redis(client, country, settings):
    """No REDIS_URL: pages in each process's memory, nothing asked of any Redis."""
    settings.PAGE_CACHE_SECONDS = 600
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    make_findings(make_session(), country)
    assert [client.get("/countries/kz/")["X-Page-Cache"] for _ in range(2)] == ["miss", "hit"]


def test_an_error_that_is_not_the_caches_leaves_the_cache_in_use(client, settings, country):
    """A failing query is the page's error (500), not a reason to stop caching."""
    settings.PAGE_CACHE_SECONDS = 600
    make_findings(make_session(), country)
    client.raise_request_exception = False
    with connection.execute_wrapper(lambda *args: 1 / 0):
        assert client.get("/countries/").status_code == 500
    assert [client.get("/countries/")["X-Page-Cache"] for _ in range(2)] == ["miss", "hit"]


def test_the_search_rate_limit_leaves_a_failed_redis_alone_too(
    client, settings, country, silent_redis, caplog
):
    make_findings(make_session(), country)
    use_as_the_cache(settings, silent_redis)
    settings.PAGE_CACHE_SECONDS = 0  # only the rate limit asks the cache
    settings.I4C_SEARCH_RATE_LIMIT = 10
    first = client.get("/findings/?q=finding")
    assert first.status_code == 200
    assert 'name="q" value="finding"' in first.text
    touched = silent_redis.touches()
    assert touched[0] >= 1
    for word in ("finding", "registration", "courts"):
        assert client.get(f"/findings/?q={word}").status_code == 200
    assert silent_redis.touches() == touched
    assert warnings_of_the_cache(caplog) == [
        "Page cache: counting searches failed; pages are served uncached for the next 1 s"
    ]
