"""``make bench-pages``: every public page and the admin's lists, timed at 10k-1M findings.

For each database and size, builds a database of exactly that many synthetic
findings (``generate_findings``; kept between runs: PostgreSQL databases
``i4c_pages_<size>``, SQLite files in ``bench/.data/``), then times each page in a
separate process (``bench/pages_worker.py``) with the page cache off: 5 rounds
over all the databases, 3 requests a page each time after one to warm the
database; the median of the 15, its queries and its size. Then, for
each page, the ratio of its time at the largest size to its time at 10,000, and
whether it meets its goal:

- public pages (search aside): under 100 ms, at most 2x their 10k time, HTML under 300 KB;
- the admin's dialogue and findings lists (with and without a search): under 300 ms.

    python -m bench.bench_pages [--sizes 10000,100000,1000000] [--databases postgresql,sqlite]
                                [--rounds 5]

SQLite is measured at 10,000 findings only (its goal). Not a test: ``make test``
never runs it.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from loadtest.common import create_database, ensure_findings
from loadtest.common import environment as common_environment

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / ".data"
PYTHON = sys.executable
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
SQLITE_SIZES = {10_000}

PUBLIC_MS = 100
ADMIN_MS = 300
HTML_KB = 300
GROWTH = 2.0
# Requests per page in each round (``measure_all``).
RUNS_PER_ROUND = 3


def database_url(database: str, size: int) -> str:
    if database == "postgresql":
        return f"{POSTGRES}/i4c_pages_{size}"
    return f"sqlite:///{DATA / f'pages-{size}.sqlite3'}"


def environment(url: str) -> dict:
    return common_environment(
        url,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        PAGE_CACHE_SECONDS="0",
        I4C_REQUIRE_2FA="false",
    )


def prepare(database: str, size: int) -> str:
    """A database holding exactly ``size`` findings, built once and then reused."""
    url = database_url(database, size)
    if database == "postgresql":
        create_database(url, fresh=False)
    else:
        DATA.mkdir(exist_ok=True)
    ensure_findings(environment(url), size, label=f" on {database}")
    return url


def measure(url: str, runs: int) -> list[dict]:
    result = subprocess.run(  # noqa: S603 (our own script)
        [PYTHON, "bench/pages_worker.py"],
        cwd=ROOT,
        env={**environment(url), "BENCH_PAGES_RUNS": str(runs)},
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(f"measuring {url} failed:\n{result.stderr}")
    return json.loads(result.stdout)


def measure_all(urls: dict, rounds: int) -> dict:
    """Each database's pages, measured in ``rounds`` rounds that take every database in
    turn (``RUNS_PER_ROUND`` requests a page each time): on a shared machine a busy
    minute then weighs on every size alike, rather than on whichever was measured
    in it. Each page's time is the median of all its requests."""
    results = {}
    for _ in range(rounds):
        for key, url in urls.items():
            rows = measure(url, RUNS_PER_ROUND)
            if key not in results:
                results[key] = rows
                continue
            for kept, row in zip(results[key], rows, strict=True):
                kept["times"] += row["times"]
    for rows in results.values():
        for row in rows:
            row["ms"] = statistics.median(row["times"])
    return results


def verdict(row: dict, base: dict | None) -> str:
    """Which goals the page misses at this size ("ok" when none)."""
    missed = []
    if row["admin"]:
        if row["ms"] >= ADMIN_MS:
            missed.append(f">= {ADMIN_MS} ms")
    elif not row["search"]:
        if row["ms"] >= PUBLIC_MS:
            missed.append(f">= {PUBLIC_MS} ms")
        if base and row["ms"] > GROWTH * max(base["ms"], 1.0):
            missed.append(f"> {GROWTH:g}x the 10k time")
        if row["html"] and row["kb"] >= HTML_KB:
            missed.append(f">= {HTML_KB} KB")
    if row["status"] != 200:
        missed.append(f"status {row['status']}")
    return "ok" if not missed else "MISSED: " + ", ".join(missed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    urls = {
        (database, size): prepare(database, size)
        for database in options.databases.split(",")
        for size in sizes
        if database == "postgresql" or size in SQLITE_SIZES
    }
    results = measure_all(urls, options.rounds)
    print(
        f"{'database':<11}{'findings':>10}  {'page':<34}{'ms':>8}{'queries':>8}{'KB':>8}"
        f"{'x 10k':>7}  goal"
    )
    for (database, size), rows in results.items():
        base = {row["name"]: row for row in results.get((database, 10_000), [])}
        for row in rows:
            reference = base.get(row["name"]) if size != 10_000 else None
            ratio = f"{row['ms'] / max(reference['ms'], 0.1):.1f}" if reference else "-"
            print(
                f"{database:<11}{size:>10,}  {row['name']:<34}{row['ms']:>8.1f}"
                f"{row['queries']:>8}{row['kb']:>8.1f}{ratio:>7}  {verdict(row, reference)}"
            )
        print()
    print(
        f"Goals: public pages (search aside) under {PUBLIC_MS} ms, at most {GROWTH:g}x their"
        f" 10k time, HTML under {HTML_KB} KB; admin lists under {ADMIN_MS} ms."
        f" Median of {options.rounds * RUNS_PER_ROUND} uncached requests in {options.rounds}"
        " rounds over the databases."
    )


if __name__ == "__main__":
    main()
