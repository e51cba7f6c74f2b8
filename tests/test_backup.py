"""A backup restored into a fresh database holds every dialogue, session and finding unchanged."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from dialogues.models import Dialogue, Theme
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


@pytest.mark.django_db
def test_sqlite_backup_restores_every_dialogue_session_and_finding(country, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("dumpdata/loaddata backups are for SQLite")
    fill(country)
    before = snapshot()
    path = call_backup(tmp_path)
    assert path.name.endswith(".json.gz")

    # Damage the database, then restore: the restore empties it first.
    Finding.objects.filter(pk=Finding.objects.first().pk).delete()
    Dialogue.objects.filter(pk=Dialogue.objects.first().pk).update(title="Changed")
    make_dialogue(title="Added after the backup")
    call_command("restore", str(path), "--noinput")

    assert snapshot() == before
    assert len([o for o in before if o["model"] == "findings.finding"]) == Finding.objects.count()


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
