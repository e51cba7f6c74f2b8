"""Findings as CSV: the file partners open in Excel and the Board re-imports.

One format for every export (see ``header``: the admin's adds the text in every
content language, the status and the version): UTF-8 with a byte-order mark so
Excel reads Cyrillic, RFC 4180 quoting with CRLF line ends, and every text cell
that a spreadsheet would run as a formula defused with a leading apostrophe.

Two ways to write the same bytes:

- on PostgreSQL, ``COPY (the export query) TO STDOUT WITH CSV``, the formula
  guard written in the SQL; the database formats the rows, Python only passes
  64 KiB chunks on;
- elsewhere (SQLite), the same query read with a cursor (server-side on
  PostgreSQL), the guard and the formatting in Python.

Both read each finding's themes without a subquery over all the themes per row
(see ``_themes_join``), and both sort on each session's and country's place in
the list order.

Either way the response streams, costs one query whatever the number of rows,
and reads inside a transaction (a server-side cursor outside one makes
PostgreSQL spool the whole result to disk before the first row).
"""

import csv
import datetime
import io
import queue
import threading
import zoneinfo

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, Case, F, Func, TextField, Value, When
from django.db.models.functions import Concat, NullIf, TruncDate
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dialogues.content import content_language, localized, resolution_order
from dialogues.models import Session
from i4c.limits import search_rate_limited

from .filters import FindingFilter
from .lists import country_places, in_list_order, list_place, session_places
from .models import Finding

HEADER = [
    "id",
    "dialogue",
    "dialogue_date",
    "session",
    "country",
    "country_code",
    "kind",
    "position",
    "text",
    "themes",
    "url",
]
# The admin's exports give the text in every content language, a column each
# (``text_en``, ``text_ru``: see ``text_columns``), so that a file edited in a
# spreadsheet brings every language back; the public export has one ``text``.
TEXT_COLUMN = "text"
# The admin's exports include drafts and say which is which.
STATUS_COLUMN = "status"
# ...and when each finding was last changed, so that an import of the file can
# tell a finding someone changed since (see ``importer``). UTC, to the microsecond.
UPDATED_COLUMN = "updated"

# OWASP's list of cell starts that spreadsheets treat as a formula.
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# The apostrophe that defuses them. A cell that already starts with one gets
# another, so that the import can always remove exactly one and restore the text.
ESCAPE = "'"
THEME_SEPARATOR = "; "
BOM = "\ufeff"
CHUNK_SIZE = 64 * 1024
# Rows fetched per round trip by the ORM path.
FETCH_SIZE = 2000


def defuse(value: str) -> str:
    """The cell for ``value``: prefixed with an apostrophe when a spreadsheet would run it."""
    if value and (value[0] in DANGEROUS_STARTS or value[0] == ESCAPE):
        return ESCAPE + value
    return value


def restore(cell: str) -> str:
    """The text ``defuse`` was given: the reverse of the guard, used by the import."""
    return cell[1:] if cell.startswith(ESCAPE) else cell


def text_columns(*, with_status: bool = False) -> list[str]:
    """The text's columns: ``text`` in the public export; one per content language,
    from the setting, in the admin's (``with_status``)."""
    if not with_status:
        return [TEXT_COLUMN]
    return [f"{TEXT_COLUMN}_{code}" for code in settings.CONTENT_LANGUAGES]


def header(*, with_status: bool = False) -> list[str]:
    """The first row: ``HEADER``, or the admin's, with its text per language, status and version."""
    if not with_status:
        return HEADER
    at = HEADER.index(TEXT_COLUMN)
    columns = [*HEADER[:at], *text_columns(with_status=True), *HEADER[at + 1 :]]
    return [*columns, STATUS_COLUMN, UPDATED_COLUMN]


# --- the query ---------------------------------------------------------------


def ordered(findings, *, language: str | None = None):
    """In the order of the findings list (one order for the page and its file),
    countries by their names in ``language``.

    The text columns are chosen explicitly (``localized``), so modeltranslation's
    rewriting of field names is turned off: values come as the database gives them.
    """
    return in_list_order(findings, language=language).rewrite(False)


def _raw_columns(language: str, with_status: bool) -> dict:
    # The admin's text columns are the model's own (text_en, text_ru): each language as
    # it is, empty where it has no text; the public one is the reader's language.
    if with_status:
        texts = {f"r_{column}": F(column) for column in text_columns(with_status=True)}
    else:
        texts = {"r_text": localized("text", language)}
    columns = {
        "r_id": F("pk"),
        "r_dialogue": F("session__dialogue__slug"),
        "r_start": F("session__dialogue__start"),
        "r_session": F("session__slug"),
        "r_country": localized("country__name", language),
        "r_country_code": F("country__code"),
        "r_kind": F("kind"),
        "r_position": F("position"),
        **texts,
    }
    if with_status:
        columns["r_status"] = F("session__dialogue__status")
        columns["r_updated"] = F("updated")
    return columns


def raw_query(findings, *, language: str = "en", with_status: bool = False):
    """The export query as the ORM path reads it: the values before formatting.

    Returns ``(sql, params, convert)``: ``convert`` turns a row as the database
    gives it into Python's values (dates), as the ORM would. Text cells in
    ``language``, else in the next language that has them; with ``with_status``
    (the admin's), the text once per content language instead. The themes are
    read as ``_themes_join`` says, not by a subquery over all the themes per row;
    the order is the list's, as ``copy_sql`` writes it.
    """
    columns = _raw_columns(language, with_status)
    rows = findings.rewrite(False).order_by().annotate(**columns, **_KEYS)
    query = rows.values_list(*columns, *_KEYS).query
    compiler = query.get_compiler(connection=connection)
    rows_sql, rows_params = compiler.as_sql()
    converters = {
        at: converter
        for at, converter in compiler.get_converters(
            [column for column, _, _ in compiler.select]
        ).items()
        if at < len(columns)
    }
    # Only SQLite's themes join names the findings asked for again (``_themes_join``).
    ids_sql, ids_params = (
        rows.values("pk").query.sql_with_params() if connection.vendor != "postgresql" else ("", [])
    )
    sessions_sql, sessions_params = session_places().query.sql_with_params()
    countries_sql, countries_params = country_places(language).query.sql_with_params()
    selected = ", ".join([*(f"rows.{name}" for name in columns), "themes.names"])
    order = _in_list_order(sessions_sql, countries_sql, ids_sql, language)
    sql = f"SELECT {selected} FROM ({rows_sql}) rows {order}"  # noqa: S608

    def convert(rows):
        return compiler.apply_converters(rows, converters) if converters else rows

    params = [*rows_params, *sessions_params, *countries_params, *ids_params]
    return sql, params, convert


# The first character's code against a list of integers: about 5% of the export's time
# less than comparing it, as a string, with each of the characters.
_STARTS_DANGEROUS_SQL = (
    "ascii({value}) IN ("
    + ", ".join(str(ord(character)) for character in (*DANGEROUS_STARTS, ESCAPE))
    + ")"
)
_GUARD_SQL = "CASE WHEN " + _STARTS_DANGEROUS_SQL + " THEN '''' || {value} ELSE {value} END"


class _StartsDangerous(Func):
    """True when the text starts with a character ``defuse`` escapes (PostgreSQL)."""

    template = _STARTS_DANGEROUS_SQL.format(value="%(expressions)s")
    output_field = BooleanField()


def _guarded(expression):
    """``defuse`` in SQL; an empty text becomes NULL, which COPY writes unquoted like Python."""
    return NullIf(
        Case(
            When(
                _StartsDangerous(expression),
                then=Concat(Value(ESCAPE), expression, output_field=TextField()),
            ),
            default=expression,
            output_field=TextField(),
        ),
        Value(""),
        output_field=TextField(),
    )


def copy_sql(findings, *, url_base: str, language: str = "en", with_status: bool = False) -> str:
    """``COPY (the export query) TO STDOUT WITH CSV``, every column formatted in SQL.

    Written for a million rows: what is the same for every finding of a session (the
    dialogue's and the session's cells, the start of the link) or of a country is
    formatted once per session or country, in their own small tables, not once per
    row; the themes are read through their index as each row passes. The order is
    the one of ``in_list_order``, which the ORM path and the pages use.
    """
    before, between, after = Session.url_parts()
    link = Concat(
        Value(url_base + before),
        F("dialogue__slug"),
        Value(between),
        F("slug"),
        Value(after + "#finding-"),
        output_field=TextField(),
    )
    local_date = TruncDate("dialogue__start", tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))
    per_session = {
        "c_dialogue": _guarded(F("dialogue__slug")),
        "c_date": Func(
            local_date, Value("YYYY-MM-DD"), function="to_char", output_field=TextField()
        ),
        "c_session": _guarded(F("slug")),
        # The link never starts empty: guarding its start guards the link.
        "c_link": _guarded(link),
    }
    per_country = {
        "c_country": _guarded(localized("name", language)),
        "c_country_code": _guarded(F("code")),
    }
    per_finding = {
        "c_kind": _guarded(F("kind")),
        **_text_sql(language, with_status),
    }
    if with_status:
        per_session["c_status"] = _guarded(F("dialogue__status"))
        per_finding["c_updated"] = Func(
            F("updated"),
            template=f"to_char(%(expressions)s AT TIME ZONE 'UTC', '{_UPDATED_SQL_FORMAT}')",
            output_field=TextField(),
        )
    rows = findings.rewrite(False).order_by().annotate(**per_finding, **_KEYS)
    with connection.cursor() as cursor:

        def sql(queryset):
            return cursor.mogrify(*queryset.query.sql_with_params()).decode()

        rows_sql = sql(rows.values_list(*per_finding, *_KEYS))
        sessions_sql = sql(session_places(**per_session))
        countries_sql = sql(country_places(language, **per_country))
    texts = [f"rows.{name}" for name in _text_sql(language, with_status)]
    selected = [
        "rows.k_id",
        "session_place.c_dialogue",
        "session_place.c_date",
        "session_place.c_session",
        "country_place.c_country",
        "country_place.c_country_code",
        "rows.c_kind",
        "rows.k_position",
        *texts,
        _GUARD_THEMES,
        "session_place.c_link || rows.k_id",
    ]
    if with_status:
        selected += ["session_place.c_status", "rows.c_updated"]
    select = (
        f"SELECT {', '.join(selected)} FROM ({rows_sql}) rows "  # noqa: S608
        + _in_list_order(sessions_sql, countries_sql, "", language)
    )
    return f"COPY ({select}) TO STDOUT WITH (FORMAT csv)"


# The columns ``_in_list_order`` reads from the rows it orders.
_KEYS = {
    "k_id": F("pk"),
    "k_session": F("session_id"),
    "k_country": F("country_id"),
    "k_kind": F("kind"),
    "k_position": F("position"),
}


def _in_list_order(sessions_sql: str, countries_sql: str, ids_sql: str, language: str) -> str:
    """The joins and the ORDER BY that put ``rows`` (with ``_KEYS``) in the list order,
    with their session's (``session_place``), country's (``country_place``) and theme
    names (``themes.names``).

    The rows are sorted on small integers (each session's and each country's place
    in the list order) rather than on dates and names of other tables.
    """
    place = list_place(
        "session_place.place", "country_place.place", "rows.k_kind", "rows.k_position"
    )
    return (
        f"JOIN ({sessions_sql}) session_place ON session_place.id = rows.k_session "
        f"LEFT JOIN ({countries_sql}) country_place ON country_place.id = rows.k_country "
        f"{_themes_join(ids_sql, language)} "
        f"ORDER BY {place}, rows.k_id"
    )


def _tables():
    return {
        "through": Finding.themes.through._meta.db_table,
        "theme": Finding.themes.field.related_model._meta.db_table,
    }


def _themes_join(ids_sql: str, language: str) -> str:
    """The join that gives each row of ``rows`` its theme names (``themes.names``):
    sorted and joined by "; ", in ``language`` else the next language that has a name.

    On PostgreSQL, each finding's links are read through the (finding, theme) index as
    the row passes (``LATERAL``), with the names from an array built once: nothing
    is aggregated ahead for all the findings, so the cost follows the rows exported.
    Only a finding with several themes sorts its names (a sort per finding on
    PostgreSQL before 16: most findings have one theme, whose name is the list).
    At a million findings this takes about a quarter of the export's time less than
    aggregating every finding's themes first and joining them.

    SQLite aggregates the themes of the findings ``ids_sql`` selects once and joins them.
    """
    t = _tables()
    names = ", ".join(f"NULLIF(t.name_{code}, '')" for code in resolution_order(language))
    name = f"COALESCE({names}, '')"
    separator = THEME_SEPARATOR.replace("'", "''")
    if connection.vendor == "postgresql":
        # Every theme's name at its id: themes are few, their ids small.
        by_id = (
            f"(SELECT array_agg({name} ORDER BY i) FROM generate_series(1, "  # noqa: S608
            f"(SELECT max(id) FROM {t['theme']})) i LEFT JOIN {t['theme']} t ON t.id = i)"
        )
        several = (
            f"(SELECT string_agg({name}, '{separator}' ORDER BY {name}) "  # noqa: S608
            f"FROM {t['through']} ft JOIN {t['theme']} t ON t.id = ft.theme_id "
            "WHERE ft.finding_id = rows.k_id)"
        )
        return (
            "LEFT JOIN LATERAL (SELECT CASE count(*) WHEN 0 THEN NULL "  # noqa: S608
            f"WHEN 1 THEN min(({by_id})[ft.theme_id]) ELSE {several} END AS names "
            f"FROM {t['through']} ft WHERE ft.finding_id = rows.k_id) themes ON true"
        )
    # SQLite before 3.44 has no ORDER BY inside group_concat: it joins the rows in
    # the order a subquery gives them.
    return (
        f"LEFT JOIN (SELECT finding_id, group_concat(name, '{separator}') AS names FROM "  # noqa: S608
        f"(SELECT ft.finding_id, {name} AS name FROM {t['through']} ft "
        f"JOIN {t['theme']} t ON t.id = ft.theme_id WHERE ft.finding_id IN ({ids_sql}) "
        "ORDER BY ft.finding_id, name) GROUP BY finding_id) themes ON themes.finding_id = rows.k_id"
    )


_GUARD_THEMES = "NULLIF(" + _GUARD_SQL.format(value="themes.names") + ", '')"


def _text_sql(language: str, with_status: bool) -> dict:
    if not with_status:
        return {"c_text": _guarded(localized("text", language))}
    return {f"c_{column}": _guarded(F(column)) for column in text_columns(with_status=True)}


# --- the two writers ---------------------------------------------------------


# ``version`` below, as PostgreSQL's to_char writes it.
_UPDATED_SQL_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'


def version(updated) -> str:
    """The ``updated`` cell: the finding's last change, UTC, to the microsecond."""
    return updated.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def _header(with_status: bool) -> bytes:
    return (BOM + ",".join(header(with_status=with_status)) + "\r\n").encode()


def orm_chunks(findings, *, url_base: str, language: str = "en", with_status: bool = False):
    """The CSV in chunks of about 64 KiB, formatted in Python (any database)."""
    yield _header(with_status)
    before, between, after = Session.url_parts()
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    sql, params, convert = raw_query(findings, language=language, with_status=with_status)
    texts = len(text_columns(with_status=with_status))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    # A server-side cursor on PostgreSQL: rows come FETCH_SIZE at a time.
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        for row in convert(_fetched(cursor)):
            pk, dialogue, start, session, country, code, kind, position = row[:8]
            *admin_columns, themes = row[8 + texts :]
            url = f"{url_base}{before}{dialogue}{between}{session}{after}#finding-{pk}"
            writer.writerow(
                [
                    pk,
                    defuse(dialogue),
                    start.astimezone(zone).date().isoformat(),
                    defuse(session),
                    defuse(country or ""),
                    defuse(code or ""),
                    defuse(kind),
                    position,
                    *(defuse(text or "") for text in row[8 : 8 + texts]),
                    defuse(themes or ""),
                    defuse(url),
                    *_admin_cells(*admin_columns),
                ]
            )
            # Counted in characters: a chunk is 64 KiB of Latin text, up to twice that of Cyrillic.
            if buffer.tell() >= CHUNK_SIZE:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def _fetched(cursor):
    while rows := cursor.fetchmany(FETCH_SIZE):
        yield from rows


def _admin_cells(status=None, updated=None) -> list:
    return [] if status is None else [defuse(status), version(updated)]


class _CopyWriter:
    """The file psycopg2's ``copy_expert`` writes into: one ``write()`` per row.

    Rows come with COPY's LF line end; they leave with CRLF, in chunks of 64 KiB.
    """

    def __init__(self, put, stop: threading.Event):
        self.put = put
        self.stop = stop
        self.rows = []
        self.size = 0

    def write(self, row: bytes):
        if self.stop.is_set():
            return
        self.rows.append(row[:-1])
        self.size += len(row) + 1
        if self.size >= CHUNK_SIZE:
            self.flush()

    def flush(self):
        if self.rows:
            self.put(b"\r\n".join(self.rows) + b"\r\n")
            self.rows = []
            self.size = 0


_DONE = object()
# For the export's transaction, sent with the COPY in one round trip: compiling the query
# to machine code costs more than it saves (about a second of a million rows' export);
# 64 MB per sort or hash (rather than 4) keep the themes' join in memory and let the
# sort merge its runs in one pass.
SETTINGS = "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; "


def copy_chunks(findings, *, url_base: str, language: str = "en", with_status: bool = False):
    """The CSV in chunks of 64 KiB, written by PostgreSQL's COPY.

    ``copy_expert`` blocks until the last row, so it runs in a thread that hands
    chunks over through a small bounded queue: at most a few chunks wait in
    memory. When the client goes away the generator is closed: the query is
    cancelled, the thread joined and the transaction rolled back; nothing is
    left behind.
    """
    yield _header(with_status)
    sql = copy_sql(findings, url_base=url_base, language=language, with_status=with_status)
    chunks = queue.Queue(maxsize=4)
    stop = threading.Event()

    def put(item):
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    with transaction.atomic(), connection.cursor() as cursor:

        def run():
            writer = _CopyWriter(put, stop)
            try:
                cursor.copy_expert(SETTINGS + sql, writer)
                writer.flush()
                put(_DONE)
            except BaseException as error:  # handed to the generator, which raises it
                put(error)

        thread = threading.Thread(target=run, name="findings-csv-copy", daemon=True)
        thread.start()
        finished = False
        try:
            while (item := chunks.get()) is not _DONE:
                if isinstance(item, BaseException):
                    finished = True
                    raise item
                yield item
            finished = True
        finally:
            if not finished:
                # The client went away: stop the writer and end the COPY on the server.
                stop.set()
                connection.connection.cancel()
            thread.join()


def can_export(findings) -> bool:
    """Whether the export query of ``findings`` can be written as SQL.

    A filter value out of the column's range (an id of 23 digits) makes Django
    refuse to build the query (``EmptyResultSet``): in the stream, after the
    headers, that would cut the download short.
    """
    try:
        ordered(findings).query.sql_with_params()
    except EmptyResultSet:
        return False
    return True


def csv_chunks(
    findings,
    *,
    url_base: str,
    language: str = "en",
    with_status: bool = False,
    method: str | None = None,
):
    """The export of ``findings``: COPY on PostgreSQL, the ORM elsewhere (or as ``method`` says).

    Text cells (country, text, themes) in ``language``, else in the next language
    that has them. The admin's exports (``with_status``) give the country and themes in
    English, the language every one has, and the text once per content language.
    """
    method = method or ("copy" if connection.vendor == "postgresql" else "orm")
    chunks = copy_chunks if method == "copy" else orm_chunks
    return chunks(findings, url_base=url_base, language=language, with_status=with_status)


def csv_response(
    findings,
    *,
    request,
    filename: str,
    language: str = "en",
    with_status: bool = False,
    method: str | None = None,
):
    # Links in the file point at the site the reader downloaded it from.
    url_base = request.build_absolute_uri("/")[:-1]
    response = StreamingHttpResponse(
        csv_chunks(
            findings, url_base=url_base, language=language, with_status=with_status, method=method
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the public export -------------------------------------------------------

FILTER_PARAMS = ["dialogue", "session", "country", "kind", "theme", "q"]


def filtered_findings(params):
    """Published findings narrowed exactly as ``/findings/`` narrows them.

    Raises ``ValidationError`` for a filter value that is not valid: the file must
    hold what was asked for, never a wider selection with the bad filter dropped.
    """
    filterset = FindingFilter(params)
    if filterset.is_bound and not filterset.is_valid():
        raise ValidationError(
            [
                f"{filterset.form.fields[name].label}: {' '.join(errors)}"
                for name, errors in filterset.errors.items()
            ]
        )
    findings = filterset.qs
    if findings.query.distinct:
        # COPY of a DISTINCT query would have to select every ORDER BY column too.
        findings = Finding.objects.filter(pk__in=findings.values("pk"))
    return findings


def filename_of(parts, *, prefix: str = "findings") -> str:
    """``findings-<parts>-<today>.csv`` (``all`` without parts), ASCII so every browser keeps it."""
    slugs = [slug for part in parts if (slug := slugify(part))] or ["all"]
    return "-".join([prefix, *slugs])[:150] + "-" + timezone.localdate().isoformat() + ".csv"


def export_filename(params, *, prefix: str = "findings") -> str:
    """The public export's file name: the values of its filters."""
    parts = []
    for name in FILTER_PARAMS:
        value = params.get(name, "").strip()
        if value:
            parts.append(f"{name}-{value}" if name in ("session", "q") else value)
    return filename_of(parts, prefix=prefix)


# The admin's filter parameters name a field through its lookups: "country__id__exact".
_LOOKUP_SUFFIXES = ("__exact", "__id", "__pk")


def filter_parts(params) -> list[str]:
    """The admin changelist's filters as parts: ``country__id__exact=1`` is ``country-1``."""
    parts = []
    for name, values in params.items():
        for suffix in _LOOKUP_SUFFIXES * 2:
            name = name.removesuffix(suffix)
        values = values if isinstance(values, list) else [values]
        parts.append("-".join([name.replace("__", "-"), *map(str, values)]))
    return parts


def export_language(params) -> str:
    """The language of the text cells: ``lang`` when given, else the reader's (the page's).

    Raises ``ValidationError`` for a ``lang`` that is not a content language.
    """
    if "lang" not in params:
        return content_language()
    language = params["lang"].strip().lower()
    if language not in settings.CONTENT_LANGUAGES:
        raise ValidationError(
            _("Language: choose one of %(languages)s.")
            % {"languages": ", ".join(settings.CONTENT_LANGUAGES)}
        )
    return language


@require_safe
@search_rate_limited
def export_findings(request):
    """``/findings/export.csv``: what ``/findings/`` shows, as CSV, for everyone."""
    try:
        language = export_language(request.GET)
        findings = filtered_findings(request.GET or None)
    except ValidationError as error:
        return HttpResponseBadRequest(
            "\n".join(error.messages) + "\n", content_type="text/plain; charset=utf-8"
        )
    return csv_response(
        findings, request=request, filename=export_filename(request.GET), language=language
    )
