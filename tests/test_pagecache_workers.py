"""The page cache across processes: two gunicorn workers, and an edit from a third process.

The server runs on a free loopback port against its own SQLite file; the edit
is made by ``manage.py shell``, as another app server (or the admin on one)
would make it. Every request after the edit must show it, whichever worker
answers.
"""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .test_pagecache import REDIS_URL, redis_is_up

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
TITLE = "Role, impact of and barriers for the civil society in Central Asia and Mongolia"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("X-Page-Cache", ""), response.read().decode()
    finally:
        connection.close()


def until_both_workers_answered(port: int, log: Path, path: str) -> list[tuple[int, str, str]]:
    """Requests, sixteen at a time, until both workers have answered some (at most 800)."""
    answers = []
    with ThreadPoolExecutor(16) as pool:
        while len(answers) < 800:
            answers += pool.map(lambda _: get(port, path), range(80))
            if len(workers_that_answered(log, path)) == 2:
                return answers
    raise AssertionError(f"One worker answered all {len(answers)} requests")


def manage(env, *args):
    subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


@pytest.fixture(params=["database", "redis"])
def server(request, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        DJANGO_SECRET_KEY="tests-only-not-a-secret",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
    )
    if request.param == "redis":
        if not redis_is_up():
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        env.update(REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=f"i4c-test-{uuid.uuid4().hex}")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo")
    port = free_port()
    log = tmp_path / "access.log"
    process = subprocess.Popen(  # noqa: S603
        [
            str(GUNICORN),
            "i4c.wsgi:application",
            "--workers=2",
            f"--bind=127.0.0.1:{port}",
            f"--access-logfile={log}",
            "--access-logformat=%(p)s %(r)s",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                get(port, "/robots.txt")
                break
            except OSError:
                time.sleep(0.1)
        yield env, port, log
    finally:
        process.terminate()
        process.wait(timeout=10)


def workers_that_answered(log: Path, path: str) -> set[str]:
    return set(re.findall(rf"^<(\d+)> GET {re.escape(path)} ", log.read_text(), re.M))


def test_an_edit_is_visible_to_every_worker_on_every_following_request(server):
    env, port, log = server
    before = until_both_workers_answered(port, log, "/")
    assert {status for status, _, _ in before} == {200}
    assert all(TITLE in body for _, _, body in before)
    assert "hit" in {cache for _, cache, _ in before}

    edit = (
        "from dialogues.models import Dialogue; d = Dialogue.objects.get(); "
        "d.title = 'Civic space under pressure'; d.save()"
    )
    manage(env, "shell", "--no-imports", "-c", edit)
    log.write_text("")
    after = until_both_workers_answered(port, log, "/")
    assert {status for status, _, _ in after} == {200}
    assert [body for _, _, body in after if "Civic space under pressure" not in body] == []
    assert all(TITLE not in body for _, _, body in after)
    assert "hit" in {cache for _, cache, _ in after}
