"""``make faulttest``: PostgreSQL stops and starts again while gunicorn serves.

On a throwaway database (``<DATABASE_URL's name>_faulttest``, with the demo),
gunicorn serves with persistent connections (``DJANGO_CONN_MAX_AGE=60``, health
checks on). The script checks that pages answer 200; stops PostgreSQL; checks
that every request during the outage gets the short 503 page within
``--limit`` seconds (no hang, no traceback); starts PostgreSQL; and checks that
the same gunicorn, not restarted, answers 200 again. It prints what it saw and
exits non-zero when anything differs.

PostgreSQL is started again whatever happens (``finally``, and on SIGTERM,
SIGINT or SIGHUP). The page cache keeps its version in the database here (no
``REDIS_URL``), so every request needs the database.

Not a test: ``make test`` never runs it; ``.ci/run`` does, after the tests.
"""

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loadtest.common import (
    Gunicorn,
    create_database,
    database_url,
    drop_database,
    environment,
    get,
    manage,
)

# Pages that read the database (robots.txt needs none: it answers during an outage too).
PAGES = ["/", "/findings/", "/countries/kz/", "/dialogues/"]


def cluster() -> list[str]:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]


def postgres(action: str):
    extra = ["-m", "fast"] if action == "stop" else []
    subprocess.run([*cluster(), action, *extra], check=True)  # noqa: S603


def postgres_is_up() -> bool:
    ready = ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]
    return subprocess.run(ready, check=False).returncode == 0  # noqa: S603


def ensure_postgres_running():
    if not postgres_is_up():
        print("starting PostgreSQL", flush=True)
        subprocess.run([*cluster(), "start"], check=False)  # noqa: S603
    for _ in range(60):
        if postgres_is_up():
            return
        time.sleep(0.5)
    print("PostgreSQL did not come back within 30 s", file=sys.stderr)


def on_signal(number, frame):
    raise SystemExit(128 + number)


def probe(port: int, phase: str, rounds: int, seen: list) -> list[tuple]:
    answers = []
    for _ in range(rounds):
        for path in PAGES:
            try:
                status, seconds, body = get(port, path, timeout=15)
            except OSError as error:
                status, seconds, body = f"error: {error}", 15.0, ""
            answers.append((phase, path, status, seconds, body))
    seen += answers
    return answers


def report(answers: list[tuple]):
    by_key = {}
    for phase, path, status, seconds, _ in answers:
        by_key.setdefault((phase, path, status), []).append(seconds)
    print(f"{'phase':<10}{'page':<16}{'status':>7}{'count':>7}{'slowest':>10}")
    for (phase, path, status), times in by_key.items():
        print(f"{phase:<10}{path:<16}{status!s:>7}{len(times):>7}{max(times) * 1000:>8.0f}ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=float, default=3.0, help="seconds a 503 may take")
    parser.add_argument("--rounds", type=int, default=5, help="requests per page and phase")
    options = parser.parse_args()
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, on_signal)

    url = database_url("faulttest")
    create_database(url, fresh=True)
    env = environment(url, DJANGO_CONN_MAX_AGE="60")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo")
    seen = []
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        server = Gunicorn(env, workers=2, log=Path(tmp) / "gunicorn.log")
        try:
            before = probe(server.port, "before", options.rounds, seen)
            problems += [f"before: {a[1]} answered {a[2]}" for a in before if a[2] != 200]

            print("stopping PostgreSQL", flush=True)
            postgres("stop")
            try:
                outage = probe(server.port, "outage", options.rounds, seen)
            finally:
                ensure_postgres_running()
            for _, path, status, seconds, body in outage:
                if status != 503:
                    problems.append(f"outage: {path} answered {status}, not 503")
                elif seconds > options.limit:
                    problems.append(f"outage: {path} took {seconds:.1f} s")
                elif "Temporarily unavailable" not in body or "Traceback" in body:
                    problems.append(f"outage: {path} did not answer the short 503 page")

            after = probe(server.port, "after", options.rounds, seen)
            problems += [f"after: {a[1]} answered {a[2]}" for a in after if a[2] != 200]
            if not server.alive():
                problems.append("gunicorn is not running any more")
            log = (Path(tmp) / "gunicorn.log").read_text()
            if "Booting worker" in log and log.count("Booting worker") != 2:
                problems.append("gunicorn restarted workers:\n" + log)
        finally:
            server.stop()
            ensure_postgres_running()
    drop_database(url)
    report(seen)
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print("OK: 503 quickly during the outage, 200 before and after, the same gunicorn throughout")


if __name__ == "__main__":
    try:
        main()
    finally:
        ensure_postgres_running()
