"""HEAD gets the headers GET would get, and no body (i4c/middleware.py).

Django's test client drops the body of a HEAD answer itself, as a server
would, so these tests call the site as a WSGI server does (the way gunicorn
calls it: the answer's body is read to its end), and through gunicorn.
"""

import contextlib
import io
import os
import socket
import subprocess
import time
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from .conftest import make_findings, make_session
from .test_pagecache_workers import GUNICORN, ROOT, free_port, manage

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def inside_the_test_transaction():
    """A server's request closes the database connection; the test's transaction needs it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def serve(method: str, path: str, query: str = "") -> tuple[str, dict, bytes]:
    """(status, headers, body bytes) of one request, as a WSGI server sends them."""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query}
    environ["wsgi.input"] = io.BytesIO()
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    with inside_the_test_transaction():
        result = WSGIHandler()(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            result.close()
    return answer["status"], answer["headers"], body


@pytest.fixture
def site(settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.PAGE_CACHE_SECONDS = 600


def test_head_of_the_export_runs_no_query_and_sends_no_body(
    site, country, django_assert_num_queries
):
    make_findings(make_session(), country, count=3)
    # The export: its query (COPY on PostgreSQL), in a savepoint of the test's transaction.
    with CaptureQueriesContext(connection) as export:
        status, get_headers, body = serve("GET", "/findings/export.csv", "kind=success")
    assert len(export) >= 2
    assert status == "200 OK"
    assert body.startswith(b"\xef\xbb\xbfid,") and b"Finding 3" in body

    with django_assert_num_queries(0):
        status, head_headers, body = serve("HEAD", "/findings/export.csv", "kind=success")
    assert status == "200 OK"
    assert body == b""
    for header in ("Content-Type", "Content-Disposition"):
        assert head_headers[header] == get_headers[header]
    assert head_headers["Content-Disposition"].startswith('attachment; filename="findings-success-')


def test_head_of_a_page_sends_the_headers_of_get_and_no_body(site, country):
    make_findings(make_session(), country)
    status, get_headers, page = serve("GET", "/countries/kz/")
    assert status == "200 OK"
    assert "Finding 1" in page.decode()
    status, head_headers, body = serve("HEAD", "/countries/kz/")
    assert status == "200 OK"
    assert body == b""
    assert head_headers["X-Page-Cache"] == "hit"
    assert head_headers["Content-Length"] == get_headers["Content-Length"] == str(len(page))
    assert head_headers["Content-Type"] == get_headers["Content-Type"]
    assert head_headers["Content-Security-Policy"] == get_headers["Content-Security-Policy"]


def test_head_of_a_missing_page_sends_no_body(site):
    status, headers, body = serve("HEAD", "/dialogues/no-such-dialogue/")
    assert status == "404 Not Found"
    assert body == b""
    assert int(headers["Content-Length"]) > 0


def raw(port: int, request: bytes) -> bytes:
    """Everything the server sends back, up to the end of the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
        connection.sendall(request)
        received = b""
        while data := connection.recv(65536):
            received += data
    return received


@pytest.fixture
def gunicorn(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        DJANGO_SECRET_KEY="tests-only-not-a-secret",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
    )
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [str(GUNICORN), "i4c.wsgi:application", "--workers=1", f"--bind=127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                raw(port, b"GET /robots.txt HTTP/1.0\r\n\r\n")
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("path", ["/findings/export.csv", "/findings/", "/countries/kz/"])
def test_gunicorn_sends_no_body_for_head(gunicorn, path):
    def ask(method):
        request = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        head, _, body = raw(gunicorn, request.encode()).partition(b"\r\n\r\n")
        return head.decode("latin-1"), body

    get_head, get_body = ask("GET")
    head_head, head_body = ask("HEAD")
    assert get_head.startswith("HTTP/1.1 200 ")
    assert head_head.startswith("HTTP/1.1 200 ")
    assert len(get_body) > 1000
    assert head_body == b""
    for header in ("Content-Type", "Content-Disposition"):
        assert (header in get_head) == (header in head_head)
        for line in get_head.splitlines():
            if line.startswith(f"{header}:"):
                assert line in head_head.splitlines()
