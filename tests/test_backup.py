"""A backup restored into a fresh database holds every dialogue, session and finding unchanged;
it is private to its owner, holds no signed-in session, and a restore signs everyone out."""

import datetime
import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection

from dialogues.models import Theme
from findings.models import Finding

from .conftest import make_dialogue, make_findings, make_session

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ["dialogues.country", "dialogues.theme", "dialogues.dialogue", "dialogues.session"]
CONTENT += ["findings.finding"]


def snapshot() -> list[dict]:
    """Every field of every dialogue, session and finding (and their countries and themes)."""
    out = io.StringIO()
    call_command("dumpdata", *CONTENT, stdout=out)
    return json.loads(out.getvalue())


def fill(country):
    call_command("load_demo")
    session = make_session(make_dialogue(title="Диалог «2025»"))
    findings = make_findings(session, country, count=3)
    findings[0].themes.set(Theme.objects.all()[:2])
    findings[1].text = 'Quotes " and\nline breaks, and =formulas'
    findings[1].save()


def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("dumpdata/loaddata backups are for SQLite")


def manage_env(**env) -> dict:
    """This environment for manage.py in a subprocess, with the test run's settings."""
    return {
        "DJANGO_SECRET_KEY": "tests-only-not-a-secret",
        "DJANGO_ALLOWED_HOSTS": "localhost",
        **os.environ,
        **env,
    }


@pytest.mark.django_db
def test_sqlite_backup_restores_into_a_fresh_database_every_dialogue_session_and_finding(
    country, tmp_path
):
    sqlite_only()
    fill(country)
    before = snapshot()
    path = call_backup(tmp_path)
    assert path.name.endswith(".json.gz")

    restored = restore_into_fresh_database(path, tmp_path)

    assert restored == before
    models = {o["model"] for o in before}
    assert models == set(CONTENT)


def restore_into_fresh_database(path: Path, tmp_path: Path) -> list[dict]:
    """Restore ``path`` into a new SQLite database; what it then holds (``snapshot()``)."""
    env = manage_env(DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "restore", str(path), "--noinput"], cwd=ROOT, env=env, check=True)
    restored = subprocess.run(
        [*manage, "dumpdata", *CONTENT], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return json.loads(restored.stdout)


@pytest.mark.django_db
def test_sqlite_backup_keeps_every_timestamp_to_the_microsecond(country, tmp_path):
    sqlite_only()
    session = make_session()
    first, second = make_findings(session, country, count=2)
    # Less than a millisecond, and a time with every digit: both used to come back rounded
    # to the millisecond (the first as a whole second).
    exact = [
        datetime.datetime(2025, 3, 1, 2, 0, 0, 500, tzinfo=datetime.UTC),
        datetime.datetime(2025, 3, 1, 2, 0, 0, 123456, tzinfo=datetime.UTC),
    ]
    Finding.objects.filter(pk=first.pk).update(created=exact[0], updated=exact[0])
    Finding.objects.filter(pk=second.pk).update(created=exact[1], updated=exact[1])
    before = snapshot()

    restored = restore_into_fresh_database(call_backup(tmp_path), tmp_path)

    assert restored == before
    times = {o["fields"]["created"] for o in restored if o["model"] == "findings.finding"}
    assert times == {"2025-03-01T02:00:00.000500Z", "2025-03-01T02:00:00.123456Z"}


@pytest.mark.django_db
def test_backup_is_readable_by_its_owner_only(tmp_path):
    directory = tmp_path / "backups"
    path = call_backup(directory)

    assert oct(directory.stat().st_mode & 0o777) == "0o700"
    assert oct(path.stat().st_mode & 0o777) == "0o600"


@pytest.mark.django_db
def test_backup_makes_a_directory_others_could_read_private(tmp_path):
    directory = tmp_path / "backups"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)

    path = call_backup(directory)

    assert oct(directory.stat().st_mode & 0o777) == "0o700"
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def dumped_models(path: Path) -> set[str]:
    with gzip.open(path, "rt", encoding="utf-8") as file:
        return {o["model"] for o in json.load(file)}


@pytest.mark.django_db
def test_sqlite_backup_holds_no_session_or_sign_in_attempt_but_the_second_factors(
    board_client, tmp_path
):
    sqlite_only()
    AccessAttempt.objects.create(
        username="aigerim", ip_address="192.0.2.1", failures_since_start=3, user_agent="x"
    )
    assert Session.objects.count() == 1

    models = dumped_models(call_backup(tmp_path))

    assert "sessions.session" not in models
    assert sorted(m for m in models if m.startswith("axes.")) == []
    # Needed to sign in with the second factor after a restore; the file is private.
    assert "otp_totp.totpdevice" in models


@pytest.mark.django_db
def test_restore_signs_everyone_out_even_from_a_backup_holding_sessions(board_client, tmp_path):
    sqlite_only()
    # A backup from a release that kept sessions: one session, signed in.
    stored = Session.objects.get()
    path = tmp_path / "site-older.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as file:
        json.dump(
            [
                {
                    "model": "sessions.session",
                    "pk": "restored" + stored.session_key[8:],
                    "fields": {
                        "session_data": stored.session_data,
                        "expire_date": stored.expire_date.isoformat(),
                    },
                }
            ],
            file,
        )
    out = io.StringIO()

    call_command("restore", str(path), "--noinput", stdout=out)

    assert list(Session.objects.all()) == []
    assert out.getvalue().splitlines()[-1] == (
        "Everyone was signed out: every Board member signs in again."
    )
    assert board_client.get("/admin/").status_code == 302


def run_make(*args: str, **env) -> subprocess.CompletedProcess:
    """``make`` as an operator runs it: none of the test run's Django settings in the way."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "MAKE", "MFLAGS"))
    }
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
        input="yes\n",
    )


def test_make_backup_and_restore_run_as_the_readme_shows(tmp_path):
    database = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env=manage_env(DATABASE_URL=database),
        check=True,
    )

    made = run_make("backup", DATABASE_URL=database, BACKUP_DIR=str(tmp_path / "backups"))
    assert made.returncode == 0, made.stderr
    (path,) = (tmp_path / "backups").iterdir()
    assert made.stdout.splitlines()[-1] == f"Backed up to {path}"

    restored = run_make("restore", f"FILE={path}", DATABASE_URL=database)
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.splitlines()[-2:] == [
        f"This replaces everything in {tmp_path / 'site.sqlite3'} with {path}. "
        f"Type 'yes': Restored {path} into {tmp_path / 'site.sqlite3'}",
        "Everyone was signed out: every Board member signs in again.",
    ]


def call_backup(directory: Path) -> Path:
    out = io.StringIO()
    call_command("backup", "--directory", str(directory), stdout=out)
    return Path(out.getvalue().split("Backed up to ")[1].strip())


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="pg_dump/pg_restore backups are for PostgreSQL",
)
# pg_dump reads committed data: commit, and put the migrations' rows back afterwards.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgresql_backup_restores_into_a_second_database(country, tmp_path):
    fill(country)
    before = snapshot()
    path = call_backup(tmp_path)
    assert path.name.endswith(".dump")
    contents = subprocess.run(
        ["pg_restore", "--list", str(path)], check=True, capture_output=True, text=True
    ).stdout
    with_data = {line.split()[-2] for line in contents.splitlines() if " TABLE DATA " in line}
    assert "findings_finding" in with_data
    assert sorted(t for t in with_data if t.startswith(("django_session", "axes_"))) == []

    parts = urlsplit(os.environ["DATABASE_URL"])
    second = urlunsplit(parts._replace(path=f"{parts.path}_restored"))
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    name = parts.path.lstrip("/") + "_restored"
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {**os.environ, "DATABASE_URL": second}
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "restore", str(path), "--noinput"], cwd=ROOT, env=env, check=True)
        restored = subprocess.run(
            [*manage, "dumpdata", *CONTENT], cwd=ROOT, env=env, check=True, capture_output=True
        )
        assert json.loads(restored.stdout) == before
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
