"""``make bench``: the admin's CSV import of new findings, previewed and applied.

For each database (PostgreSQL, then SQLite) and each size, a child process
builds a file of that many new findings for one generated dialogue (ten
sessions, every country, both kinds, numbers left empty as a Board member
leaves them), then times ``plan_import`` (the preview) and ``apply_import``
(the confirmation: one transaction, history included) and the growth of its
peak memory for each. Then the same for a file that changes every one of those
findings (the admin's export of them, every text edited). The goal beside the
figures: 60,000 rows applied in under 15 seconds (a gunicorn worker's timeout
is 30). The databases are kept between
runs: PostgreSQL ``i4c_bench_import``, SQLite ``bench/.data/import.sqlite3``;
each run first removes the findings the last one imported.

    python -m bench.bench_import [--sizes 10000,30000,60000] [--databases postgresql,sqlite]

Not a test: ``make test`` never runs it.
"""

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from loadtest.common import create_database
from loadtest.common import environment as common_environment

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / ".data"
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
GOAL_ROWS = 60_000
GOAL_SECONDS = 15.0
DIALOGUE = "bench-import"
SESSIONS = 10


def database_url(database: str) -> str:
    if database == "postgresql":
        return f"{POSTGRES}/i4c_bench_import"
    return f"sqlite:///{DATA / 'import.sqlite3'}"


def environment(url: str) -> dict:
    return common_environment(
        url, DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost", DJANGO_SETTINGS_MODULE="i4c.settings"
    )


# --- in the child process ----------------------------------------------------


def _memory() -> dict:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024  # MiB
    return fields


def _measured(work):
    """(result, seconds, growth of the peak resident memory in MiB) of ``work()``."""
    before = _memory()["VmRSS"]
    # Reset the peak so that it measures this step only (Linux: clear_refs 5).
    Path("/proc/self/clear_refs").write_text("5")
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    return result, seconds, _memory()["VmHWM"] - before


def _sessions():
    import datetime

    from django.utils import timezone

    from dialogues.models import Dialogue, Session

    dialogue, _created = Dialogue.objects.get_or_create(
        slug=DIALOGUE,
        defaults={
            "title": "Import benchmark",
            "start": timezone.now() - datetime.timedelta(days=2),
            "end": timezone.now() - datetime.timedelta(days=1),
        },
    )
    return [
        Session.objects.get_or_create(
            dialogue=dialogue,
            position=number,
            defaults={"title": f"Session {number}", "slug": f"session-{number}"},
        )[0]
        for number in range(1, SESSIONS + 1)
    ]


def _file(rows: int, sessions) -> str:
    from dialogues.models import Country
    from findings.export import HEADER

    codes = [*Country.objects.values_list("code", flat=True), ""]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for number in range(rows):
        session = sessions[number % len(sessions)]
        text = f"Finding {number}: NGOs do not know the laws on their work (права НКО)."
        writer.writerow(
            [
                "",
                DIALOGUE,
                "2024-09-20",
                session.slug,
                "",
                codes[number // len(sessions) % len(codes)],
                ("success", "problem")[number // (len(sessions) * len(codes)) % 2],
                "",
                text,
                "",
                "",
            ]
        )
    return out.getvalue()


def child(rows: int):
    import django

    django.setup()
    from django.core.management import call_command
    from reversion.models import Revision

    from findings import export
    from findings.models import Finding

    call_command("migrate", "--noinput", verbosity=0)
    sessions = _sessions()
    Finding.objects.filter(session__in=sessions).delete()
    Revision.objects.filter(comment="Import findings from CSV").delete()
    text = _file(rows, sessions)
    results = [_phase("new", text, rows)]
    assert Finding.objects.filter(session__in=sessions).count() == rows
    # The same findings exported by the admin (with their versions), every text edited.
    exported = b"".join(
        export.csv_chunks(
            Finding.objects.filter(session__in=sessions),
            url_base="http://127.0.0.1",
            with_status=True,
            method="orm",
        )
    ).decode("utf-8-sig")
    results.append(_phase("changed", exported.replace("NGOs do not", "NGOs don't"), rows))
    print(json.dumps(results))


def _phase(name: str, text: str, rows: int) -> dict:
    from findings import importer

    plan, plan_seconds, plan_mb = _measured(lambda: importer.plan_import(text))
    assert plan.is_valid, plan.problems[:3]
    assert len(plan.created if name == "new" else plan.changed) == rows
    _count, apply_seconds, apply_mb = _measured(lambda: importer.apply_import(plan))
    return {
        "rows": rows,
        "kind": name,
        "mb": len(text.encode()) / 1e6,
        "preview_seconds": plan_seconds,
        "preview_mb": plan_mb,
        "apply_seconds": apply_seconds,
        "apply_mb": apply_mb,
    }


# --- the parent --------------------------------------------------------------


def measure(database: str, rows: int) -> list[dict]:
    url = database_url(database)
    if database == "postgresql":
        create_database(url, fresh=False)
    else:
        DATA.mkdir(exist_ok=True)
    done = subprocess.run(  # noqa: S603 (this very script)
        [sys.executable, "-m", "bench.bench_import", "--child", str(rows)],
        cwd=ROOT,
        env=environment(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.exit(f"{database}, {rows} rows failed:\n{done.stderr}")
    results = json.loads(done.stdout.strip().splitlines()[-1])
    return [{"database": database, **result} for result in results]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,30000,60000")
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.child)
        return
    sizes = [int(size) for size in options.sizes.split(",")]
    print(
        f"CSV import; goal: {GOAL_ROWS:,} new rows applied in under {GOAL_SECONDS:.0f} s "
        "(ratio: the apply's seconds against the goal's pace for that many rows). "
        "'changed': the same findings exported by the admin, every text edited "
        "(a file over 10 MB would have to be split to be uploaded)."
    )
    print(
        f"{'database':<11}{'rows':>8} {'kind':<8}{'file MB':>8}{'preview s':>10}{'peak +MB':>9}"
        f"{'apply s':>9}{'peak +MB':>9}{'rows/s':>9}  ratio to goal"
    )
    for database in options.databases.split(","):
        for size in sizes:
            for r in measure(database, size):
                allowed = GOAL_SECONDS * r["rows"] / GOAL_ROWS
                print(
                    f"{r['database']:<11}{r['rows']:>8,} {r['kind']:<8}{r['mb']:>8.1f}"
                    f"{r['preview_seconds']:>10.2f}{r['preview_mb']:>9.1f}"
                    f"{r['apply_seconds']:>9.2f}{r['apply_mb']:>9.1f}"
                    f"{r['rows'] / r['apply_seconds']:>9,.0f}"
                    f"  {r['apply_seconds'] / allowed:.2f}x of {allowed:.1f} s"
                    + ("" if r["apply_seconds"] < allowed else "  OVER THE GOAL"),
                    flush=True,
                )


if __name__ == "__main__":
    main()
