import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**env):
    """Import the settings in a fresh interpreter with exactly ``env`` set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import i4c.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off():
    result = load_settings()
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr


def test_settings_refuse_to_start_without_host_names_when_debug_is_off():
    result = load_settings(DJANGO_SECRET_KEY="x")
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must name the site's host names" in result.stderr


def test_settings_reject_an_unclear_debug_value():
    result = load_settings(DJANGO_DEBUG="maybe", DJANGO_SECRET_KEY="x")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false, not 'maybe'" in result.stderr


def test_settings_default_to_sqlite_and_read_postgres_from_database_url():
    assert load_settings(DJANGO_DEBUG="true").stdout.split() == [
        "True",
        "django.db.backends.sqlite3",
    ]
    result = load_settings(
        DJANGO_SECRET_KEY="x",
        DJANGO_ALLOWED_HOSTS="dialogues.example.org",
        DATABASE_URL="postgres://u@127.0.0.1:5432/i4c",
    )
    assert result.stdout.split() == ["False", "django.db.backends.postgresql"]


@pytest.mark.django_db
def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_dialogues_never_imports_findings():
    imported = set()
    for path in (ROOT / "dialogues").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
    assert "django" in imported  # the walk did read the imports
    assert "findings" not in imported


PRODUCTION = {"DJANGO_SECRET_KEY": "x", "DJANGO_ALLOWED_HOSTS": "dialogues.example.org"}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_DB_CONNECT_TIMEOUT", "3s", "DJANGO_DB_CONNECT_TIMEOUT must be a whole number"),
        ("PAGE_CACHE_SECONDS", "10m", "PAGE_CACHE_SECONDS must be a whole number of 0 or more"),
        ("PAGE_CACHE_SECONDS", "-1", "PAGE_CACHE_SECONDS must be a whole number of 0 or more"),
        ("I4C_PROXY_COUNT", "two", "I4C_PROXY_COUNT must be a whole number"),
        ("I4C_PROXY_COUNT", "0", "I4C_PROXY_COUNT must be a whole number of 1 or more"),
    ],
)
def test_settings_refuse_a_number_they_cannot_use_with_a_message(name, value, message):
    env = {**PRODUCTION, name: value}
    if name == "DJANGO_DB_CONNECT_TIMEOUT":
        env["DATABASE_URL"] = "postgres://u@127.0.0.1:5432/i4c"
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: " + message in result.stderr
    assert "ValueError" not in result.stderr


@pytest.mark.django_db
def test_the_site_icon_is_served_where_browsers_ask_for_it_and_kept_for_a_month(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content == (settings.BASE_DIR / "static" / "favicon.ico").read_bytes()
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an icon file
    assert response["Cache-Control"] == "public, max-age=2592000"
    assert "Set-Cookie" not in response


@pytest.mark.django_db
def test_every_page_links_the_site_icon(client):
    home = client.get("/")
    assert '<link rel="icon" href="/favicon.ico" sizes="16x16 32x32 48x48">' in home.text
    svg = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', home.text)
    assert svg is not None, home.text[:600]
    assert svg[1].startswith("/static/favicon.") and svg[1].endswith(".svg")
    assert b"<svg" in b"".join(client.get(svg[1]).streaming_content)


@pytest.mark.parametrize(
    ("args", "address"), [([], "127.0.0.1:8000"), (["PORT=8001"], "127.0.0.1:8001")]
)
def test_make_run_serves_on_the_port_asked_for(args, address):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS", "PORT"))}
    planned = subprocess.run(
        ["make", "--dry-run", "--no-print-directory", "run", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    assert planned.stdout.splitlines()[-1] == (
        f"DJANGO_DEBUG=true .venv/bin/python manage.py runserver {address}"
    )
