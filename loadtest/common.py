"""What the load and fault tests share: a throwaway PostgreSQL database, a gunicorn, timed requests.

Everything runs on 127.0.0.1. The database is named after the one in
``DATABASE_URL`` plus a suffix (``i4c`` gives ``i4c_faulttest``), so the
scripts never touch the database they were pointed at.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/i4c"


def database_url(suffix: str) -> str:
    """``DATABASE_URL`` (PostgreSQL) with ``_<suffix>`` added to the database name."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit(f"DATABASE_URL must point at PostgreSQL, not {parts.scheme}:")
    return urlunsplit(parts._replace(path=f"{parts.path}_{suffix}"))


def create_database(url: str, *, fresh: bool) -> bool:
    """Create the database of ``url``; with ``fresh``, drop it first. True when it is new."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        if fresh:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
        if not exists:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return not exists


def drop_database(url: str):
    parts = urlsplit(url)
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
    admin.close()


def environment(url: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))}
    env.update(
        DATABASE_URL=url,
        DJANGO_SECRET_KEY="loadtest-only-not-a-secret",  # noqa: S106
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(  # noqa: S603 (our own manage.py)
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout.strip()


# The tables of kept counts that ``generate_findings`` rewrites batch after batch.
SIZE_TABLES = "findings_listsize, findings_themelistsize"


def ensure_findings(env: dict, findings: int, *, label: str = "") -> None:
    """Migrate, then make sure the database holds exactly ``findings`` generated
    findings: built the first time, reused afterwards (building takes a while)."""
    manage(env, "migrate", "--noinput", "-v0")
    count = "from findings.models import Finding; print(Finding.objects.count())"
    existing = int(manage(env, "shell", "--no-imports", "-c", count))
    if existing not in (0, findings):
        sys.exit(f"{env['DATABASE_URL']} holds {existing} findings, not {findings}: drop it.")
    if existing == 0:
        print(f"building {findings:,} findings{label}: ", end="", flush=True)
        print(manage(env, "generate_findings", "--findings", str(findings)))
        if env["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
            # The list sizes were rewritten once per batch of the build: their tables hold
            # dozens of dead versions of each row (a live site's autovacuum keeps them
            # small). Compacted, a page reads them as it would on a live site.
            manage(env, "dbshell", "--", "-c", f"VACUUM FULL {SIZE_TABLES}")
            manage(env, "dbshell", "--", "-c", "VACUUM ANALYZE")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn serving the site on a free loopback port, until stopped."""

    def __init__(self, env: dict, *, workers: int, log: Path):
        self.port = free_port()
        self.log = log
        self.process = subprocess.Popen(  # noqa: S603 (the venv's gunicorn)
            [
                GUNICORN,
                "i4c.wsgi:application",
                f"--workers={workers}",
                f"--bind=127.0.0.1:{self.port}",
                "--timeout=60",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if get(self.port, "/robots.txt")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        sys.exit(f"gunicorn did not answer within 30 s; its log:\n{log.read_text()}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self):
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def get(port: int, path: str, timeout: float = 30) -> tuple[int, float, str]:
    """(status, seconds, body) of one GET on a new connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, time.perf_counter() - started, body
    finally:
        connection.close()
