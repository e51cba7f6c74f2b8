"""Pages of findings that cost the same at any size, read through the list sizes.

The public order of findings (``in_list_order``) is list after list
(dialogue, session, country, kind), each list by number. ``ListSize`` holds how
many findings each list has, in a table that grows with sessions and countries,
not with findings. So the total is a sum over it, and any page, however deep, is
found by walking those sizes: only the findings of the lists the page touches
are read, through the index on (session, country, kind, position).
"""

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber

from dialogues.content import localized
from dialogues.models import Country, Session

from .enums import Kind
from .models import Finding, ListSize, ThemeListSize


def list_order(language: str | None = None) -> tuple:
    """The one order of ``/findings/`` and of its CSV: newest dialogue first, then
    session by session, country by country (regional last), successes, problems, by number.

    Ties are broken by ids: two dialogues may start at the same moment, and pages
    must not shift between requests. Regional last on every database (SQLite
    would put NULL first). Countries by their names in ``language`` (the reader's).
    """
    return (
        "-session__dialogue__start",
        "session__dialogue_id",
        "session__position",
        "session_id",
        localized("country__name", language).asc(nulls_last=True),
        "country_id",
        "-kind",
        "position",
        "pk",
    )


def in_list_order(findings, *, language: str | None = None):
    """``findings`` in ``list_order``."""
    return findings.order_by(*list_order(language))


def session_places(**columns):
    """Every session, with its place in the list order (newest dialogue first, then
    by number) and ``columns``."""
    place = Window(
        RowNumber(),
        order_by=[F("dialogue__start").desc(), F("dialogue_id"), F("position"), F("id")],
    )
    sessions = Session.objects.order_by()
    return sessions.annotate(place=place, **columns).values("id", "place", *columns)


# A list's (or a finding's) place in the list order as one integer, in SQL: session by
# session, country by country (regional last), successes before problems (then, for a
# finding, by number). Sorting on one integer takes a fraction of the time of sorting
# on several columns: each tie of a column costs another comparison through the
# database's functions. Numbers are under 2^15 and there are fewer than 2^46 sessions
# times countries: the key fits in 63 bits.
_KIND_PLACES = " ".join(
    f"WHEN '{kind}' THEN {place}" for place, kind in enumerate(sorted(Kind.values, reverse=True))
)


def list_place(session: str, country: str, kind: str, position: str | None = None) -> str:
    """The SQL of the place of the list (and of the finding at ``position`` in it) whose
    session's place (``session_places``), country's place (``country_places``; NULL
    for regional findings) and kind these SQL expressions give."""
    places = f"(SELECT count(*) + 2 FROM {Country._meta.db_table})"  # noqa: S608 (a model's table)
    key = (
        f"((({session}) * {places} + COALESCE({country}, {places} - 1)) * 2 "
        f"+ CASE {kind} {_KIND_PLACES} END)"
    )
    return f"{key} * 65536 + {position}" if position else key


def country_places(language: str | None = None, **columns):
    """Every country, with its place in the list order (by its name in ``language``,
    as ``localized`` reads it, then by id) and ``columns``."""
    place = Window(
        RowNumber(), order_by=[localized("name", language).asc(nulls_last=True), F("id")]
    )
    countries = Country.objects.order_by()
    return countries.annotate(place=place, **columns).values("id", "place", *columns)


def list_sizes(lists=None, *fields: str, language: str | None = None) -> list[dict]:
    """The non-empty published lists (``lists``: a ``ListSize`` queryset, filtered),
    in the public order, each with its ``count`` and ``fields``. One query.

    Sorted on one integer (``list_place``), not on the dialogue's start, the
    session's number and the country's name: at 4,480 lists (a million findings)
    that sort took 10 of this query's 14 ms.
    """
    lists = ListSize.objects.published() if lists is None else lists.filter(count__gt=0)
    columns = ["session_id", "country_id", "kind", "count", *fields]
    rows_sql, rows_params = lists.order_by().values(*columns).query.sql_with_params()
    places_sql, places_params = country_places(language).query.sql_with_params()
    selected = ", ".join(f"r.{connection.ops.quote_name(column)}" for column in columns)
    sessions_sql, sessions_params = session_places().query.sql_with_params()
    sql = (
        f"SELECT {selected} FROM ({rows_sql}) r "  # noqa: S608 (the ORM's own SQL)
        f"JOIN ({sessions_sql}) s ON s.id = r.session_id "
        f"LEFT JOIN ({places_sql}) p ON p.id = r.country_id "
        f"ORDER BY {list_place('s.place', 'p.place', 'r.kind')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*rows_params, *sessions_params, *places_params])
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def theme_list_sizes(sizes: list[dict], theme) -> list[dict]:
    """``sizes`` (from ``list_sizes``) counting only the findings on ``theme``: all of a
    session on the theme, else those with the theme themselves. Two queries."""
    sessions = set(theme.sessions.values_list("pk", flat=True))
    own = {
        (row[0], row[1], row[2]): row[3]
        for row in ThemeListSize.objects.filter(theme=theme, count__gt=0).values_list(
            "session_id", "country_id", "kind", "count"
        )
    }
    on_theme = []
    for row in sizes:
        count = row["count"] if row["session_id"] in sessions else own.get(_key(row), 0)
        if count:
            on_theme.append({**row, "count": count})
    return on_theme


def on_theme(theme) -> Q:
    """Findings on ``theme``: their own, or their session's (an index lookup per finding)."""
    links = Finding.themes.through.objects.filter(finding=OuterRef("pk"), theme=theme)
    return Q(Exists(links)) | Q(session__in=theme.sessions.values("pk"))


def _key(row) -> tuple:
    return row["session_id"], row["country_id"], row["kind"]


class ListWindow:
    """The findings of ``sizes`` (from ``list_sizes``) in order, as a paginator reads
    them: ``len()`` is a sum, a slice costs two queries however deep it starts."""

    def __init__(
        self, sizes: list[dict], *, select_related=("session__dialogue", "country"), match=None
    ):
        self.sizes = sizes
        self.select_related = select_related
        self.match = match

    def __len__(self):
        return sum(row["count"] for row in self.sizes)

    def count(self):
        return len(self)

    def __getitem__(self, item):
        if not isinstance(item, slice) or item.step is not None:
            raise TypeError("A window of findings is read by slices.")
        start, stop = item.start or 0, item.stop if item.stop is not None else len(self)
        # The lists the slice touches, and where in the first of them it starts.
        touched, skip, seen = [], 0, 0
        for row in self.sizes:
            if seen + row["count"] > start and seen < stop:
                if not touched:
                    skip = start - seen
                touched.append(row)
            seen += row["count"]
            if seen >= stop:
                break
        if not touched:
            return []
        rank = {_key(row): n for n, row in enumerate(touched)}
        # Ids first, by list and number (small: the lists touched), then the page's rows.
        ids = Finding.objects.none()
        for row in touched:
            ids |= Finding.objects.in_list(
                session_id=row["session_id"], country_id=row["country_id"], kind=row["kind"]
            )
        if self.match is not None:
            ids = ids.filter(self.match)
        keys = sorted(
            ids.values_list("session_id", "country_id", "kind", "position", "pk").order_by(),
            key=lambda k: (rank[k[:3]], k[3], k[4]),
        )
        wanted = [k[4] for k in keys[skip : skip + stop - start]]
        rows = Finding.objects.filter(pk__in=wanted).select_related(*self.select_related)
        by_id = {finding.pk: finding for finding in rows}
        return [by_id[pk] for pk in wanted if pk in by_id]


class ListPaginator(Paginator):
    """A paginator over a ``ListWindow``: its count needs no query of the findings."""

    def __init__(
        self,
        sizes: list[dict],
        per_page: int,
        *,
        select_related=("session__dialogue", "country"),
        match=None,
    ):
        window = ListWindow(sizes, select_related=select_related, match=match)
        super().__init__(window, per_page)


class CappedPaginator(Paginator):
    """Pages of a query the list sizes cannot count (a search, the admin's list):
    counts up to ``cap`` and offers the pages up to it, so no request counts more."""

    CAP = 10_000

    def __init__(self, *args, cap: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cap = cap or self.CAP

    @property
    def count(self):
        if not hasattr(self, "_capped_count"):
            # Unordered: the database stops at the first cap + 1 rows it finds.
            self._capped_count = self.object_list.order_by()[: self.cap + 1].count()
        return min(self._capped_count, self.cap)

    @property
    def capped(self) -> bool:
        return self.count == self.cap and self._capped_count > self.cap
