"""``make loadtest``: the public pages under load, beside a trivial view, on 127.0.0.1.

Builds (once, then reuses) a PostgreSQL database of generated findings
(``<DATABASE_URL's name>_loadtest``; ``generate_findings``: 8,000 findings make
one dialogue of eight sessions of 1,000 findings each), times uncached renders
of a session page of 1,000 findings in-process, then starts gunicorn
(``loadtest/settings.py``: the site plus a trivial view) and drives each page
with wrk (Debian's package, installed when missing) for a fixed time. Prints
requests per second, p50 and p99 latency and non-2xx answers per page, and
checks the goals: no errors; each HTML page at least half the trivial view's
requests per second; the uncached session page under 80 ms (median).

The page cache keeps its pages in the Redis on 127.0.0.1:6379 when one answers
(database 6, a key prefix of its own), else in each worker's memory
(``--cache memory`` forces that); the content version is in the database.

Not a test: ``make test`` never runs it.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from loadtest.common import (
    ROOT,
    Gunicorn,
    create_database,
    database_url,
    ensure_findings,
    environment,
    manage,
)

LUA = Path(__file__).resolve().parent / "report.lua"
FINDINGS = 8000
GOAL_RENDER_MS = 80


def ensure_wrk() -> str:
    if not shutil.which("wrk"):
        print("wrk is missing: installing Debian's package", flush=True)
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        apt = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(install, env=apt, check=False).returncode:  # noqa: S603
            subprocess.run(["apt-get", "update", "-q"], check=True)  # noqa: S607
            subprocess.run(install, env=apt, check=True)  # noqa: S603
    return shutil.which("wrk")


def redis_is_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def prepare(findings: int) -> tuple[str, dict]:
    url = database_url("loadtest")
    create_database(url, fresh=False)
    env = environment(url, DJANGO_SETTINGS_MODULE="loadtest.settings")
    ensure_findings(env, findings)
    return url, env


def pages(env: dict) -> dict:
    script = (
        "from django.db.models import Count; from dialogues.models import Session; "
        "s = Session.objects.select_related('dialogue').annotate(n=Count('findings'))"
        ".order_by('-n').first(); print(s.get_absolute_url(), s.pk, s.n)"
    )
    session_url, session_id, count = manage(env, "shell", "--no-imports", "-c", script).split()
    return {
        "trivial view": "/loadtest/trivial/",
        "home": "/",
        f"session ({count} findings)": session_url,
        "country": "/countries/kz/",
        "findings": "/findings/",
        "findings, page 5": "/findings/?kind=problem&page=5",
        "export (1 session)": f"/findings/export.csv?session={session_id}",
    }


def run_wrk(wrk: str, port: int, path: str, seconds: int, connections: int) -> dict:
    command = [
        wrk,
        "--threads=1",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        "--latency",
        # As browsers do: the public pages are sent compressed to those who accept it.
        "--header=Accept-Encoding: gzip",
        f"--script={LUA}",
        f"http://127.0.0.1:{port}{path}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk's duration per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--renders", type=int, default=30, help="uncached renders timed")
    parser.add_argument("--cache", choices=["auto", "redis", "memory"], default="auto")
    options = parser.parse_args()

    wrk = ensure_wrk()
    url, env = prepare(FINDINGS)
    targets = pages(env)
    session_name = next(name for name in targets if name.startswith("session"))
    render = subprocess.run(  # noqa: S603 (our own module)
        [sys.executable, "-m", "loadtest.render", targets[session_name], str(options.renders)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    median_ms, fastest_ms, slowest_ms = map(float, render.stdout.split())

    use_redis = options.cache == "redis" or (options.cache == "auto" and redis_is_up())
    if use_redis:
        env.update(
            REDIS_URL="redis://127.0.0.1:6379/6", CACHE_KEY_PREFIX=f"loadtest-{uuid.uuid4().hex}"
        )
    env["DJANGO_CONN_MAX_AGE"] = "60"
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        server = Gunicorn(env, workers=options.workers, log=Path(tmp) / "gunicorn.log")
        try:
            for path in targets.values():  # warm up: imports, templates, connections, cache
                run_wrk(wrk, server.port, path, 1, options.connections)
            for name, path in targets.items():
                results[name] = run_wrk(
                    wrk, server.port, path, options.seconds, options.connections
                )
        finally:
            server.stop()

    baseline = results["trivial view"]["rps"]
    print(
        f"\n{options.workers} gunicorn workers on PostgreSQL ({FINDINGS:,} findings), "
        f"pages cached in {'Redis' if use_redis else 'each worker'}; "
        f"wrk: {options.connections} connections, {options.seconds} s per page\n"
    )
    print(f"{'page':<26}{'req/s':>9}{'of trivial':>11}{'p50':>9}{'p99':>9}{'non-2xx':>9}")
    problems = []
    for name, r in results.items():
        ratio = r["rps"] / baseline
        print(
            f"{name:<26}{r['rps']:>9.0f}{ratio:>10.0%}{r['p50_ms']:>7.1f}ms"
            f"{r['p99_ms']:>7.1f}ms{r['non_2xx'] + r['socket_errors']:>9}"
        )
        if r["non_2xx"] or r["socket_errors"]:
            problems.append(f"{name}: {r['non_2xx']} non-2xx, {r['socket_errors']} socket errors")
        if not name.startswith(("trivial", "export")) and ratio < 0.5:
            problems.append(f"{name}: {ratio:.0%} of the trivial view's requests per second")
    print(
        f"\n{session_name} rendered uncached, {options.renders} times: median {median_ms:.1f} ms "
        f"(fastest {fastest_ms:.1f}, slowest {slowest_ms:.1f}); goal under {GOAL_RENDER_MS} ms"
    )
    if median_ms >= GOAL_RENDER_MS:
        problems.append(f"uncached session page: median {median_ms:.1f} ms")
    if problems:
        print("GOALS MISSED:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print("Goals met: no errors, every page at least half the trivial view, session page < 80 ms")


if __name__ == "__main__":
    main()
