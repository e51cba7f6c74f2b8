"""Backups of the whole site: ``pg_dump -Fc`` on PostgreSQL, ``dumpdata`` on SQLite.

The management commands ``backup`` and ``restore`` (``make backup``,
``make restore FILE=...``) call these. A restore replaces everything in the
database of ``DATABASE_URL``, signs everyone out and then gives the content a
new version, so no page cached before it is served after it.

A backup holds password hashes, drafts and the authenticator secrets that a
restore needs for two-factor sign-in: it is written readable by its owner only
(0600, in a 0700 directory). It leaves out the sessions (a signed-in session is
as good as a password and a code) and django-axes' record of sign-in attempts.
"""

import contextlib
import os
import stat
import subprocess
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from i4c.pagecache import content_changed

from .models import ListSize

# Rebuilt by `migrate` (content types, permissions), kept per visitor and not to be
# leaked (sessions, sign-in attempts, CSV files awaiting confirmation), or about the
# cache rather than the content (its version).
NOT_BACKED_UP = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "axes",
    "findings.importpreview",
    "i4c.contentversion",
    # Counted from the findings by the database's triggers as they are loaded.
    "findings.listsize",
    "findings.themelistsize",
]
# The same for pg_dump: the tables are kept, their rows are not.
POSTGRES_TABLES_WITHOUT_DATA = ["django_session", "axes_*", "findings_importpreview"]


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


@contextlib.contextmanager
def _private_files():
    """Files created meanwhile, here or by pg_dump, are readable by their owner only."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def _private_directory(directory: Path):
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = directory.stat().st_mode
    # A shared directory such as /tmp (sticky bit) is left as it is; the file is private anyway.
    if mode & 0o077 and not mode & stat.S_ISVTX:
        directory.chmod(0o700)


def backup(directory: Path) -> Path:
    """Write a timestamped backup into ``directory`` and return its path."""
    _private_directory(directory)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    with _private_files():
        if connection.vendor == "postgresql":
            path = directory / f"{settings.DATABASES['default']['NAME']}-{stamp}.dump"
            excluded = [f"--exclude-table-data={table}" for table in POSTGRES_TABLES_WITHOUT_DATA]
            command = _postgres("pg_dump", "--format=custom", *excluded, "--file", str(path))
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
    path.chmod(0o600)
    return path


def restore(path: Path) -> int:
    """Replace everything in the database with the backup at ``path``.

    Every session is deleted afterwards, also any an older backup brought back:
    nobody stays signed in across a restore. Returns how many were deleted.
    """
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
    # A backup made before the list sizes existed brings findings without them.
    ListSize.objects.recount()
    signed_out, _ = Session.objects.all().delete()
    content_changed()
    return signed_out
