"""Production: the health check, the hardened settings, the reverse proxy, the policy."""

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError, connection

ROOT = Path(__file__).resolve().parent.parent
HOST = "dialogues.example.org"


def production_env(**extra):
    """The environment of a production server behind a TLS proxy, on top of ours minus
    every Django setting (so a developer's own exports cannot change the answer)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="i4c.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DATABASE_URL=os.environ.get("DATABASE_URL", "sqlite:///unused.sqlite3"),
        DJANGO_PROXY_SSL_HEADER="X-Forwarded-Proto",
        DJANGO_SSL_REDIRECT="true",
    )
    env.update(extra)
    return env


def run(args, env):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def read_settings(names, env):
    code = "import json, i4c.settings as s; print(json.dumps([getattr(s, n) for n in %r]))"
    result = run(["-c", code % (names,)], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# /healthz


@pytest.mark.django_db
def test_healthz_answers_ok_with_one_query_and_is_never_cached(client, django_assert_num_queries):
    # SELECT 1, and nothing for sessions or users
    with django_assert_num_queries(1) as captured:
        response = client.get("/healthz")
    assert captured.captured_queries[0]["sql"] == "SELECT 1"
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"].split(", ")


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_does_not(client):
    refused = OperationalError("connection refused")
    with mock.patch.object(connection, "cursor", side_effect=refused):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert "no-store" in response["Cache-Control"].split(", ")


def test_healthz_answers_503_when_the_database_server_is_down():
    """A real connection attempt, to a port where no database listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    env = production_env(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port}/i4c",
        DJANGO_ALLOWED_HOSTS="testserver",
    )
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    )
    result = run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '503 {"status": "unavailable"}'


# gunicorn, as `make serve` starts it


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url, **headers):
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn with the project's gunicorn.conf.py and the production settings, serving
    the static files that `make test` collected. Its database has no tables: the health
    check needs none, and nothing else is asked of it here."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        pytest.fail("No collected static files: `make static` (run by `make test`) builds them.")
    port = free_port()
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SSL_REDIRECT="false",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
    )
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                fetch(url + "/healthz")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                time.sleep(0.1)
        yield url, json.loads(manifest.read_text())["paths"]
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stderr.close()


def test_gunicorn_serves_the_health_check_and_hashed_static_files_for_a_year(gunicorn):
    url, hashed = gunicorn
    status, headers, body = fetch(url + "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})

    css = "/static/" + hashed["css/site.css"]
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", css)
    status, headers, body = fetch(url + css, **{"Accept-Encoding": "gzip"})
    assert status == 200
    # WhiteNoise's "forever" is ten years: the name changes when the file does.
    assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert headers["Content-Encoding"] == "gzip"
    assert body[:2] == b"\x1f\x8b"

    status, headers, body = fetch(url + "/static/css/site.css")
    assert (status, headers["Cache-Control"]) == (200, "max-age=60, public")


# Settings


def test_check_deploy_passes_with_the_production_environment():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (1 silenced)."


def test_production_defaults_are_the_secure_ones():
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "CSRF_TRUSTED_ORIGINS",
    ]
    assert read_settings(names, production_env()) == [
        False,
        True,
        True,
        365 * 24 * 60 * 60,
        True,
        False,
        ["HTTP_X_FORWARDED_PROTO", "https"],
        True,
        [],
    ]
    plain_http = production_env(
        DJANGO_SECURE_COOKIES="false",
        DJANGO_SSL_REDIRECT="false",
        DJANGO_PROXY_SSL_HEADER="",
        DJANGO_HSTS_SECONDS="0",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://dialogues.example.org, http://127.0.0.1:8000",
    )
    assert read_settings(names, plain_http) == [
        False,
        False,
        False,
        0,
        True,
        False,
        None,
        False,
        ["https://dialogues.example.org", "http://127.0.0.1:8000"],
    ]


def test_kept_database_connections_are_checked_before_reuse():
    code = "import i4c.settings as s; d = s.DATABASES['default']; "
    code += "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    assert run(["-c", code], production_env()).stdout.split() == ["0", "True"]
    kept = production_env(DJANGO_CONN_MAX_AGE="60")
    assert run(["-c", code], kept).stdout.split() == ["60", "True"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_HSTS_SECONDS", "a year", "DJANGO_HSTS_SECONDS must be a whole number of 0"),
        ("DJANGO_CONN_MAX_AGE", "-1", "DJANGO_CONN_MAX_AGE must be a whole number of 0"),
        ("DJANGO_SECURE_COOKIES", "sometimes", "DJANGO_SECURE_COOKIES must be true or false"),
        ("DJANGO_PROXY_SSL_HEADER", "X-Forwarded-Proto: https", "must be a header name"),
        ("DJANGO_CSRF_TRUSTED_ORIGINS", "dialogues.example.org", "must list origins such as"),
    ],
)
def test_settings_refuse_a_bad_value(name, value, message):
    result = run(["-c", "import i4c.settings"], production_env(**{name: value}))
    assert result.returncode != 0
    assert message in result.stderr


# Behind the TLS proxy


@pytest.fixture
def behind_tls_proxy(settings):
    """The settings production derives from its environment (see production_env)."""
    settings.ALLOWED_HOSTS = [HOST]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    return settings


@pytest.mark.django_db
def test_admin_login_through_the_tls_proxy_sets_a_secure_session(behind_tls_proxy):
    from django.test import Client
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    aida = User.objects.create_superuser("aida", "aida@example.org", "a long passphrase 42")
    device = TOTPDevice.objects.create(user=aida, name="Phone", confirmed=True)
    # The proxy speaks plain HTTP to the app and says the visitor used HTTPS.
    browser = Client(enforce_csrf_checks=True, HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
    login_page = browser.get("/admin/login/")
    assert login_page.status_code == 200
    assert login_page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert browser.cookies["csrftoken"]["secure"] is True
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)

    response = browser.post(
        "/admin/login/?next=/admin/",
        {"username": "aida", "password": "a long passphrase 42", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN=f"https://{HOST}",
        HTTP_REFERER=f"https://{HOST}/admin/login/",
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert browser.cookies["sessionid"]["secure"] is True
    assert browser.cookies["sessionid"]["httponly"] is True
    # The second step, through the same proxy: the code from the authenticator app.
    code_page = browser.get("/admin/two-factor/?next=/admin/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', code_page.text).group(1)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    response = browser.post(
        "/admin/two-factor/",
        {"token": code, "next": "/admin/", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN=f"https://{HOST}",
        HTTP_REFERER=f"https://{HOST}/admin/two-factor/",
    )
    assert response.status_code == 302
    assert browser.cookies["sessionid"]["secure"] is True
    home = browser.get("/admin/")
    assert home.status_code == 200
    assert home.context["user"].username == "aida"


@pytest.mark.django_db
def test_plain_http_past_the_proxy_is_redirected_to_https(client, behind_tls_proxy):
    response = client.get("/admin/login/", HTTP_HOST=HOST)
    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}/admin/login/"


@pytest.mark.django_db
def test_healthz_is_not_redirected_for_a_load_balancers_plain_http_probe(client, behind_tls_proxy):
    response = client.get("/healthz", HTTP_HOST=HOST)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_login_posted_from_another_site_is_refused(behind_tls_proxy):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True, HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get("/admin/login/").text
    ).group(1)
    response = browser.post(
        "/admin/login/",
        {"username": "aida", "password": "whatever", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
    assert "sessionid" not in browser.cookies


@pytest.mark.django_db
def test_unknown_host_gets_our_400_page(client, behind_tls_proxy):
    response = client.get("/", HTTP_HOST="evil.example", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.text
    assert "The address or the form sent to this page could not be understood." in response.text


# Content-Security-Policy

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def parse_policy(header):
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/findings/", "/admin/login/"])
def test_pages_carry_the_strict_content_security_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert parse_policy(response["Content-Security-Policy"]) == POLICY


def test_templates_have_no_inline_script_or_style():
    """The policy blocks them: a page would lose its behaviour or look without a word."""
    inline = re.compile(
        r"<script(?![^>]*\ssrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.I
    )
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for match in inline.finditer(path.read_text())
    ]
    assert found == []


@pytest.mark.django_db
def test_a_refused_form_gets_our_page_under_the_policy():
    """Django's own page for a failed CSRF check has an inline style the policy blocks."""
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/admin/login/", {"username": "aida", "password": "x"}
    )
    assert response.status_code == 403
    assert "<h1>The form could not be sent</h1>" in response.text
    assert "<style" not in response.text
    assert parse_policy(response["Content-Security-Policy"]) == POLICY
