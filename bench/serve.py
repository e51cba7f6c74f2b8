"""One benchmark server: times COPY of the export query, then serves the site.

Started by ``bench_export.py`` with ``DATABASE_URL`` set; prints one JSON line
(port, COPY seconds) and serves until it is terminated.
"""

import json
import os
import sys
import time
from wsgiref.simple_server import WSGIRequestHandler, make_server

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from findings import export  # noqa: E402


class NullSink:
    def write(self, data):
        pass


def plain_copy_seconds() -> float | None:
    """A plain COPY of the findings joined to their session, dialogue and country (the
    columns the export reads, no formatting, themes or list order): the speed of the
    data itself, on PostgreSQL."""
    if connection.vendor != "postgresql":
        return None
    sql = (
        "COPY (SELECT f.id, d.slug, d.title_en, s.slug, s.title_en, c.name_en, c.code, f.kind, "
        "f.position, f.text_en FROM findings_finding f "
        "JOIN dialogues_session s ON s.id = f.session_id "
        "JOIN dialogues_dialogue d ON d.id = s.dialogue_id "
        "LEFT JOIN dialogues_country c ON c.id = f.country_id ORDER BY f.id) "
        "TO STDOUT WITH (FORMAT csv)"
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.copy_expert(sql, NullSink())
    return time.perf_counter() - started


def database_limit() -> tuple[str, float]:
    """The database's own time for the export query: COPY on PostgreSQL, a raw read elsewhere."""
    findings = export.filtered_findings({})
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.copy_expert(export.SETTINGS + export.copy_sql(findings, url_base=""), NullSink())
            return "COPY", time.perf_counter() - started
        sql, params, _ = export.raw_query(findings)
        cursor.execute(sql, params)
        while cursor.fetchmany(2000):
            pass
        return "SELECT", time.perf_counter() - started


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


if __name__ == "__main__":
    what, seconds = database_limit()
    plain = plain_copy_seconds()
    connection.close()
    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=QuietHandler)
    print(
        json.dumps(
            {
                "port": server.server_port,
                "limit": what,
                "limit_seconds": seconds,
                "plain_copy_seconds": plain,
            }
        )
    )
    sys.stdout.flush()
    server.serve_forever()
