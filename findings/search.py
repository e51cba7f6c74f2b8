"""Searching the findings (``/findings/?q=...`` and its CSV).

On PostgreSQL every finding carries a stored search vector (``search_vector``,
kept by a trigger, migration 0006): its English text stemmed as English, its
Russian text as Russian, and its country's code and names. A search is
``websearch_to_tsquery`` in both configurations against that vector (GIN
index), or the words typed appearing inside the text (parts of words, Django's
``icontains``, served by trigram indexes). The page ranks the matches, best
first, and shows each with the matched words highlighted.

Ranking every match would cost time in proportion to the number of matches: a
common word in a million findings would take seconds. So the page ranks the
``I4C_SEARCH_MAX_RESULTS`` most recently added matches (of whole words, and as
many of parts of words), and says so when a search finds that many; the CSV
export has every match, in list order.

SQLite has no full-text search: there a search is the words typed inside the
text of any language, and the page lists the matches in list order.
"""

import re

from django.conf import settings
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection
from django.db.models import Expression, F, Func, Q, Value
from django.db.models.expressions import Col, RawSQL
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from dialogues.content import content_language, language_mark, localized, pick

from .lists import list_order

# Shorter than a trigram: the trigram indexes cannot serve it, so on PostgreSQL
# such a search looks for whole words only (as does a search of several words).
PARTIAL_MIN_LENGTH = 3
# Where the database marks a matched word; taken out of the text first, so that
# only the database's marks become <mark> tags.
START, STOP = "\ue000", "\ue001"

_VECTOR_COLUMN = SearchVectorField()
_VECTOR_COLUMN.set_attributes_from_name("search_vector")


class StoredVector(Expression):
    """The findings table's ``search_vector`` column (PostgreSQL only).

    Not a model field: a field would be read by every query of findings, the
    export's million rows included, and would need a column on SQLite too.
    """

    output_field = SearchVectorField()

    def resolve_expression(self, query=None, *args, **kwargs):
        return Col(query.get_initial_alias(), _VECTOR_COLUMN, self.output_field)


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def full_text_query(value: str):
    """The words typed, read as English and as Russian (quotes, ``or`` and ``-`` work)."""
    return SearchQuery(value, config="english", search_type="websearch") | SearchQuery(
        value, config="russian", search_type="websearch"
    )


def _contains(value: str) -> Q:
    """The letters typed inside the text of any language (Django's ``icontains``).

    On PostgreSQL only for one word of ``PARTIAL_MIN_LENGTH`` letters or more:
    several words are found by full-text search, and a phrase whose every
    trigram is common would make the trigram index hand over most of the table.
    """
    if uses_full_text() and (len(value) < PARTIAL_MIN_LENGTH or len(value.split()) > 1):
        return Q()
    contains = Q()
    for code in settings.CONTENT_LANGUAGES:
        contains |= Q(**{f"text_{code}__icontains": value})
    return contains


def matching(findings, value: str):
    """``findings`` that match the words typed, in no particular order."""
    if not uses_full_text():
        return findings.filter(_contains(value))
    return findings.alias(search_vector=StoredVector()).filter(
        Q(search_vector=full_text_query(value)) | _contains(value)
    )


def bounded(findings, value: str):
    """The ids of the ``I4C_SEARCH_MAX_RESULTS`` most recently added matches of the
    words typed among ``findings`` (published and filtered, not yet searched:
    ``FindingFilter.unsearched``), for ``pk__in``: the page ranks these (``ranked``),
    the API lists them. Each condition of the search is added here once: the same
    condition twice would make PostgreSQL think a common search rare, and read
    every match through the index instead of the newest findings first.

    On PostgreSQL, that many of the whole-word matches and that many of the
    part-of-word ones, each chosen by its own query, so that each is planned on
    its own (its index, or the newest findings first when matches are many).
    """
    limit = settings.I4C_SEARCH_MAX_RESULTS

    def newest(matches):
        return matches.order_by("-pk").values("pk")[:limit]

    if not uses_full_text():
        return newest(matching(findings, value))
    whole_words = findings.alias(stored_vector=StoredVector()).filter(
        stored_vector=full_text_query(value)
    )
    chosen = newest(whole_words)
    contains = _contains(value)
    if contains:
        # A union, not two IN joined by OR: PostgreSQL would test every finding
        # against both. Written out, as Django's union does not nest in an IN.
        parts = [
            chosen.query.sql_with_params(),
            newest(findings.filter(contains)).query.sql_with_params(),
        ]
        chosen = RawSQL(  # noqa: S611 (SQL that Django compiled; the values stay parameters)
            " UNION ".join(f"({sql})" for sql, _params in parts),
            tuple(param for _sql, params in parts for param in params),
        )
    return chosen


def ranked(findings, value: str):
    """The page's findings for a search, best first on PostgreSQL, in list order on SQLite.

    ``findings`` are published and filtered, not yet searched (as for ``bounded``).
    Only the matches ``bounded`` chooses are ranked, read by their ids (one query chooses them
    first): ranking and snippets cost those rows only. On PostgreSQL each finding gets
    ``headline``, its text in the reader's language with the matched words marked.
    """

    Finding = findings.model
    # The ids once, in a query of their own: the count and the page then read
    # these rows by their key instead of choosing them again each.
    chosen = list(
        Finding.objects.filter(pk__in=bounded(findings, value)).values_list("pk", flat=True)
    )
    if not uses_full_text():
        return Finding.objects.filter(pk__in=chosen).order_by(*list_order())
    query = full_text_query(value)
    # Our marks out of the text first: only the database's marks are ours.
    text = Func(localized("text"), Value(START + STOP), Value(""), function="translate")
    return (
        Finding.objects.filter(pk__in=chosen)
        .annotate(
            rank=SearchRank(StoredVector(), query),
            headline=SearchHeadline(
                text,
                query,
                # Russian stems Latin words as English does, and Cyrillic ones as
                # Russian: right for a text in either language.
                config="russian",
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by(F("rank").desc(), *list_order())
    )


def marked(text: str) -> SafeString:
    """``text`` escaped, with the spans between START and STOP in <mark> tags.

    Every character of the text goes through ``escape``; the only markup added
    is balanced <mark> and </mark>.
    """
    pieces = []
    open_ = False
    for part in re.split(f"([{START}{STOP}])", text):
        if part == START:
            if not open_:
                pieces.append("<mark>")
                open_ = True
        elif part == STOP:
            if open_:
                pieces.append("</mark>")
                open_ = False
        else:
            pieces.append(escape(part))
    if open_:
        pieces.append("</mark>")
    return mark_safe("".join(pieces))  # noqa: S308 (every piece of text escaped above)


def _marked_in_python(text: str, value: str) -> str:
    """``text`` with START/STOP around each word typed found in it (any case)."""
    text = text.replace(START, "").replace(STOP, "")
    words = sorted({w for w in re.findall(r"\w+", value) if w}, key=len, reverse=True)
    if not words:
        return text
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    return pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", text)


def add_snippets(findings, value: str) -> None:
    """Give each finding of a page ``snippet``: its text in the reader's language
    (marked with its language when another), the matched words highlighted.

    Reads ``headline`` (PostgreSQL, from ``ranked``); elsewhere marks the words
    typed in Python. No query.
    """
    for finding in findings:
        text, code = pick(finding, "text")
        headline = getattr(finding, "headline", None)
        if headline is None or (STOP not in headline and value.lower() in text.lower()):
            # SQLite; or a part of a word, which full-text search does not mark.
            headline = _marked_in_python(text, value)
        snippet = marked(headline)
        if code != content_language():
            snippet = format_html(
                '<span lang="{}">{}</span> <small class="language-mark">({})</small>',
                code,
                snippet,
                language_mark(code),
            )
        finding.snippet = snippet
