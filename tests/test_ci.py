"""``.ci/run`` stops when a service the suite needs never answers, instead of going on."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def stub(directory: Path, name: str, script: str):
    path = directory / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)


def test_ci_stops_when_redis_never_answers(tmp_path):
    calls = tmp_path / "calls"
    stubs = tmp_path / "bin"
    stubs.mkdir()
    stub(stubs, "pg_isready", "exit 0")  # PostgreSQL answers
    stub(stubs, "redis-cli", "exit 1")  # Redis never does, even once started
    stub(stubs, "redis-server", f'echo redis-server >> "{calls}"')
    stub(stubs, "sleep", "exit 0")
    for name in ("psql", "createdb", "apt-get", "make"):
        stub(stubs, name, f'echo {name} "$@" >> "{calls}"; echo 1')

    result = subprocess.run(
        ["bash", str(ROOT / ".ci" / "run")],
        env={**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "Redis is down: starting it",
        "Redis did not answer on 127.0.0.1:6379 (see /var/log/redis/ci.log)",
    ]
    assert calls.read_text().splitlines() == ["redis-server"]  # and no tests run
