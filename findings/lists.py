"""Pages of findings that cost the same at any size, read through the list sizes.

The public order of findings (``in_list_order``) is list after list
(dialogue, session, country, kind), each list by number. ``ListSize`` holds how
many findings each list has, in a table that grows with sessions and countries,
not with findings. So the total is a sum over it, and any page, however deep, is
found by walking those sizes: only the findings of the lists the page touches
are read, through the index on (session, country, kind, position).
"""

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q

from dialogues.content import localized

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


def list_sizes(lists=None, *fields: str, language: str | None = None) -> list[dict]:
    """The non-empty published lists (``lists``: a ``ListSize`` queryset, filtered),
    in the public order, each with its ``count`` and ``fields``. One query."""
    lists = ListSize.objects.published() if lists is None else lists.filter(count__gt=0)
    return list(
        lists.values("session_id", "country_id", "kind", "count", *fields).order_by(
            "-session__dialogue__start",
            "session__dialogue_id",
            "session__position",
            "session_id",
            localized("country__name", language).asc(nulls_last=True),
            "country_id",
            "-kind",
        )
    )


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
