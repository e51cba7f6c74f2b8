"""``python -m bench.bench_report``: how long the demo dialogue's report takes to make.

In a throwaway SQLite database (``bench/.data/report.sqlite3``, made again each run)
with the demo loaded, it times loading WeasyPrint (what ``i4c.wsgi`` does when a web
server starts), then, through the test client with the page cache off (every request a
full render), the PDF in English and in Russian, the Word file and the page: the first
request of each and the median and slowest of ``--repeat`` more. The PDF has 2 s.

    python -m bench.bench_report [--repeat 10]

Not a test: ``make test`` never runs it.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / ".data"
DATABASE = DATA / "report.sqlite3"
BUDGET_SECONDS = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()

    DATA.mkdir(exist_ok=True)
    DATABASE.unlink(missing_ok=True)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="i4c.settings",
        DJANGO_SECRET_KEY="bench-only-signs-nothing",  # noqa: S106
        DJANGO_ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{DATABASE}",
        PAGE_CACHE_SECONDS="0",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from findings.demo import DIALOGUE, load_demo

    call_command("migrate", verbosity=0)
    load_demo()

    started = time.perf_counter()
    import reports.pdf  # noqa: F401

    print(f"loading WeasyPrint: {time.perf_counter() - started:.2f} s")
    client = Client()
    base = f"/dialogues/{DIALOGUE['slug']}/"
    forms = [
        ("PDF, English", base + "report.pdf?lang=en"),
        ("PDF, Russian", base + "report.pdf?lang=ru"),
        ("PDF as lists, Russian", base + "report.pdf?lang=ru&style=list"),
        ("Word, Russian", base + "report.docx?lang=ru"),
        ("page, Russian", base + "report/?lang=ru"),
    ]
    slowest_pdf = 0.0
    for name, url in forms:
        times = []
        for _ in range(args.repeat + 1):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                print(f"{name}: {response.status_code}")
                return 1
        first, rest = times[0], times[1:]
        print(
            f"{name}: first {first:.3f} s, median {statistics.median(rest):.3f} s, "
            f"slowest {max(rest):.3f} s ({len(response.content):,} bytes)"
        )
        if name.startswith("PDF"):
            slowest_pdf = max(slowest_pdf, *times)
    verdict = "within" if slowest_pdf <= BUDGET_SECONDS else "OVER"
    print(f"slowest PDF {slowest_pdf:.3f} s: {verdict} the {BUDGET_SECONDS:.0f} s budget")
    return 0 if slowest_pdf <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
