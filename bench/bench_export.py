"""``make bench``: the CSV export measured through HTTP, against the database's own speed.

For each database (PostgreSQL, then SQLite) and each size, builds a database of
exactly that many synthetic findings (``generate_findings``; kept between runs:
PostgreSQL databases ``i4c_bench_<size>``, SQLite files in ``bench/.data/``),
starts a server process (``bench/serve.py``), and prints for the export of
everything: seconds, rows per second, time to the first byte, the growth of the
server's peak memory during the download, and the ratio to the database's own
time for the same query measured in the same run (``COPY ... TO STDOUT`` on
PostgreSQL; on SQLite, which has no COPY, reading the rows with a plain cursor).

    python -m bench.bench_export [--sizes 10000,100000,1000000] [--databases postgresql,sqlite]

Not a test: ``make test`` never runs it.
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from loadtest.common import create_database, ensure_findings
from loadtest.common import environment as common_environment

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / ".data"
PYTHON = sys.executable
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def database_url(database: str, size: int) -> str:
    if database == "postgresql":
        return f"{POSTGRES}/i4c_bench_{size}"
    return f"sqlite:///{DATA / f'findings-{size}.sqlite3'}"


def environment(url: str) -> dict:
    return common_environment(url, DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost")


def prepare(database: str, size: int) -> str:
    """A database holding exactly ``size`` findings, built once and then reused."""
    url = database_url(database, size)
    if database == "postgresql":
        create_database(url, fresh=False)
    else:
        DATA.mkdir(exist_ok=True)
    ensure_findings(environment(url), size, label=f" on {database}")
    return url


def memory(pid: int) -> dict:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024  # MiB
    return fields


def download(port: int, path: str) -> tuple[float, float, float, int]:
    """Seconds to the first byte, to the first row after the header, in all; bytes."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    assert response.status == 200, response.status
    first = response.read1(1 << 16)
    first_byte = time.perf_counter() - started
    size = len(first)
    first_row = None
    while chunk := response.read1(1 << 20):
        size += len(chunk)
        first_row = first_row or time.perf_counter() - started
    total = time.perf_counter() - started
    connection.close()
    return first_byte, first_row or total, total, size


def measure(database: str, size: int, url: str) -> list[dict]:
    server = subprocess.Popen(  # noqa: S603 (our own script)
        [PYTHON, "bench/serve.py"],
        cwd=ROOT,
        env=environment(url),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready = json.loads(server.stdout.readline())
        paths = [("export", "/findings/export.csv")]
        if database == "postgresql":
            paths.append(("ORM path", "/bench/orm.csv"))
        results = []
        for name, path in paths:
            before = memory(server.pid)["VmRSS"]
            # Reset the peak, so it measures this download only (Linux: clear_refs 5).
            Path(f"/proc/{server.pid}/clear_refs").write_text("5")
            first_byte, first_row, seconds, size_bytes = download(ready["port"], path)
            peak = memory(server.pid)["VmHWM"]
            results.append(
                {
                    "database": database,
                    "rows": size,
                    "path": name,
                    "seconds": seconds,
                    "rows_per_second": size / seconds,
                    "first_byte_ms": first_byte * 1000,
                    "first_row_ms": first_row * 1000,
                    "peak_growth_mb": peak - before,
                    "mb": size_bytes / 1e6,
                    "limit": ready["limit"],
                    "limit_seconds": ready["limit_seconds"],
                    "plain_seconds": ready["plain_copy_seconds"],
                }
            )
        return results
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--databases", default="postgresql,sqlite")
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    rows = []
    for database in options.databases.split(","):
        for size in sizes:
            rows += measure(database, size, prepare(database, size))
    print(
        f"{'database':<11}{'findings':>10}  {'path':<9}{'seconds':>8}{'rows/s':>10}"
        f"{'1st byte':>10}{'1st row':>10}{'peak +MB':>9}{'file MB':>9}"
        "  ratio to the database's own read of the export query | to a plain COPY of the data"
    )
    for r in rows:
        print(
            f"{r['database']:<11}{r['rows']:>10,}  {r['path']:<9}{r['seconds']:>8.2f}"
            f"{r['rows_per_second']:>10,.0f}{r['first_byte_ms']:>8.0f}ms{r['first_row_ms']:>8.0f}ms"
            f"{r['peak_growth_mb']:>9.1f}"
            f"{r['mb']:>9.1f}  {r['seconds'] / r['limit_seconds']:.2f}x {r['limit']}"
            f" ({r['limit_seconds']:.2f} s)"
            + (
                f" | {r['seconds'] / r['plain_seconds']:.2f}x plain COPY"
                f" ({r['plain_seconds']:.2f} s)"
                if r["plain_seconds"]
                else ""
            )
        )


if __name__ == "__main__":
    main()
