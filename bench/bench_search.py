"""``make bench``: the findings page's search, timed at several sizes.

For each database and size, builds a database of exactly that many synthetic
findings (``generate_findings``; kept between runs: PostgreSQL databases
``i4c_bench_<size>``, SQLite files in ``bench/.data/``), then, in a process of
its own on that database, asks for ``/findings/?q=...`` as an anonymous reader
(the page cache off, so every request is computed; the public statement timeout
on, the rate limit off) and prints, for 5 requests per search, the median time
of the whole page and of the search's own queries (the count and the page of
findings; the filter menus cost the same with or without a search), and their
ratios to the smallest size's.

    python -m bench.bench_search [--sizes 10000,100000,1000000] [--databases postgresql,sqlite]

Not a test: ``make test`` never runs it.
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
import time

from bench.bench_export import database_url, environment, prepare

PYTHON = sys.executable
REPEATS = 5
SEARCHES = [
    ("no search (the menus)", ""),
    ("word, many matches", "registration"),
    ("two words", "registration fees"),
    ("no match", "zebra"),
    ("part of a word", "petit"),
    ("Russian word", "петиции"),
    ("part of a Russian word", "гистрац"),
    ("country and word", "Kazakhstan grants"),
]


def measure(url: str) -> list[dict]:
    """Runs this module in a process on ``url`` and returns what it timed."""
    env = environment(url)
    env.update(PAGE_CACHE_SECONDS="0", I4C_SEARCH_RATE_LIMIT="0", DJANGO_DEBUG="false")
    result = subprocess.run(  # noqa: S603 (our own module)
        [PYTHON, "-m", "bench.bench_search", "--worker"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit(f"the search worker failed:\n{result.stderr}")
    return json.loads(result.stdout.splitlines()[-1])


def worker():
    import os

    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "i4c.settings"
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    rows = []
    for name, q in SEARCHES:
        client.get("/findings/", {"q": q})  # the first request of a kind warms the connection
        times, own, statuses, count = [], [], set(), None
        for _ in range(REPEATS):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get("/findings/", {"q": q})
                times.append(time.perf_counter() - started)
            # The count and the page of findings: the queries a search changes
            # (the menus' queries are the same with or without one).
            own.append(
                sum(
                    float(query["time"])
                    for query in queries.captured_queries
                    if "search_vector" in query["sql"] or " LIKE " in query["sql"]
                )
            )
            statuses.add(response.status_code)
            if response.status_code == 200:
                counts = re.search(r'class="counts"[^>]*>\s*([\d,.\s\u00a0]+)', response.text)
                count = re.sub(r"\D", "", counts.group(1)) if counts else None
        rows.append(
            {
                "search": name,
                "q": q,
                "ms": statistics.median(times) * 1000,
                "search_ms": statistics.median(own) * 1000,
                "statuses": sorted(statuses),
                "listed": count,
            }
        )
    print(json.dumps(rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        return worker()
    sizes = [int(size) for size in options.sizes.split(",")]
    print(
        f"{'database':<11}{'findings':>10}  {'search':<24}{'q':<20}{'page':>9}"
        f"{'search':>9}{'listed':>8}  status  ratios to {sizes[0]:,} (page, search)"
    )
    for database in options.databases.split(","):
        first = {}
        for size in sizes:
            url = database_url(database, size)
            prepare(database, size)
            for row in measure(url):
                first.setdefault(row["search"], row)
                print(
                    f"{database:<11}{size:>10,}  {row['search']:<24}{row['q']:<20}"
                    f"{row['ms']:>7.1f}ms{row['search_ms']:>7.1f}ms"
                    f"{row['listed'] if row['listed'] is not None else '-':>8}"
                    f"  {','.join(map(str, row['statuses'])):<6}"
                    f"  {row['ms'] / first[row['search']]['ms']:.2f}x"
                    f"  {row['search_ms'] / max(first[row['search']]['search_ms'], 0.001):.2f}x",
                    flush=True,
                )


if __name__ == "__main__":
    main()
