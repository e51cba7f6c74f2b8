"""Backups of the whole site: ``pg_dump -Fc`` on PostgreSQL, ``dumpdata`` on SQLite.

The management commands ``backup`` and ``restore`` (``make backup``,
``make restore FILE=...``) call these. A restore replaces everything in the
database of ``DATABASE_URL`` and then gives the content a new version, so no
page cached before it is served after it.
"""

import os
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from dialogues.pagecache import content_changed

# Rebuilt by `migrate` (content types, permissions), kept per visitor
# (sessions), or about the cache rather than the content (its version).
NOT_BACKED_UP = ["contenttypes", "auth.permission", "sessions", "dialogues.contentversion"]


def _postgres(program: str, *args: str) -> list[str]:
    db = connection.settings_dict
    command = [program, "--no-owner", "--dbname", db["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [flag, str(db[key])]
    return [*command, *args]


def _postgres_env() -> dict:
    env = dict(os.environ)
    if connection.settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = connection.settings_dict["PASSWORD"]
    return env


def backup(directory: Path) -> Path:
    """Write a timestamped backup into ``directory`` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    if connection.vendor == "postgresql":
        path = directory / f"{settings.DATABASES['default']['NAME']}-{stamp}.dump"
        command = _postgres("pg_dump", "--format=custom", "--file", str(path))
        subprocess.run(command, check=True, env=_postgres_env())  # noqa: S603
    else:
        path = directory / f"site-{stamp}.json.gz"
        call_command(
            "dumpdata",
            natural_foreign=True,
            exclude=NOT_BACKED_UP,
            output=str(path),
            verbosity=0,
        )
    return path


def restore(path: Path):
    """Replace everything in the database with the backup at ``path``."""
    if connection.vendor == "postgresql":
        connection.close()
        command = _postgres(
            "pg_restore", "--clean", "--if-exists", "--single-transaction", str(path)
        )
        subprocess.run(command, check=True, env=_postgres_env())  # noqa: S603
        call_command("migrate", verbosity=0)  # a backup from an older release
    else:
        call_command("migrate", verbosity=0)
        with transaction.atomic():
            call_command("flush", interactive=False, verbosity=0)
            call_command("loaddata", str(path), verbosity=0)
    content_changed()
