"""Findings from CSV: the export's format read back, checked whole, applied whole.

``decode_upload`` turns the uploaded bytes into text (UTF-8, with or without
the byte-order mark; Windows-1251 is recognised and refused with a way out).
``plan_import`` reads every row and says what would be created and changed and
every problem, by row and column, without writing anything. ``apply_import``
writes a plan without problems in one transaction.

Rows with an ``id`` update that finding; rows without one (or with an id this
database does not have, as after a move to another server) create a finding
in the session named by ``dialogue`` + ``session`` (their slugs). An empty
``position`` puts the finding at the end of its list, as in the admin.
``dialogue_date``, ``country``, ``url`` and ``status`` are for readers and are
not read back.

The admin's export gives the text once per content language (``text_en``,
``text_ru``): each column present is read back, and an empty cell in a language
other than English deletes that language's text (it was deleted in the
spreadsheet); a language without a column keeps its texts as they are. A file
with the single ``text`` column of the public export (or of older admin
exports) is read as the English text.

The admin's export adds an ``updated`` column: the time each finding was last
changed. A row that would change a finding changed since then is refused (the
file would undo someone's edit) unless the import is told to overwrite; so is a
row that changes a finding when the file has no ``updated`` time for it, as
the public export and hand-made files do: nobody can tell what it would undo.

A file of 10 MB holds about 60,000 rows: the plan keeps each row's values only
(no model instances), the rows are read twice rather than held, and reading
stops after ``MAX_PROBLEMS`` problems, so a preview's memory stays small.
"""

import codecs
import csv
import datetime
import json
import re
import unicodedata
from dataclasses import dataclass, field
from itertools import islice

from django import forms
from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.encoding import is_protected_type
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reversion.models import Revision, Version
from reversion.revisions import _get_content_type, _get_options

from dialogues.models import Country, Dialogue, Session, Theme
from i4c.pagecache import content_changed
from i4c.serializers import ExactJSONEncoder

from .enums import Kind
from .export import (
    HEADER,
    STATUS_COLUMN,
    TEXT_COLUMN,
    UPDATED_COLUMN,
    header,
    restore,
    text_columns,
)
from .models import Finding

MAX_BYTES = 10 * 1024 * 1024
# A smallint column: the highest number a list may use.
MAX_POSITION = 32767
# A bigint column: the highest id a finding can have.
MAX_ID = 2**63 - 1
# ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
_DIGITS = re.compile(r"[0-9]{1,30}")
# Reading stops here: a file of nonsense has told enough, and a million problems
# would fill a worker's memory and a page nobody reads.
MAX_PROBLEMS = 1000
# Rows of each list the preview shows; the rest are counted.
SHOWN = 200
# Rows written per statement, and ids per query: within every database's limit
# of parameters, and few enough objects in memory at a time.
BATCH_SIZE = 1000
IDS_PER_QUERY = 10_000


def translation_fields() -> list[str]:
    """The finding's texts in the content languages other than English (``text_ru``).

    An import writes those its file has a column for, and keeps the others as they
    are (its history records them too, so a restore keeps them).
    """
    return [f"{TEXT_COLUMN}_{code}" for code in settings.CONTENT_LANGUAGES if code != "en"]


def text_column_languages() -> dict[str, str]:
    """The columns a file may give the text in, and the language of each."""
    columns = {f"{TEXT_COLUMN}_{code}": code for code in settings.CONTENT_LANGUAGES}
    return {TEXT_COLUMN: "en", **columns}


def whole_number(value: str, highest: int) -> int | None:
    """``value`` as a number from 0 to ``highest``, or None when it is not one."""
    if _DIGITS.fullmatch(value) and int(value) <= highest:
        return int(value)
    return None


def upload_limit() -> int:
    """The most bytes of files one request may upload: ``I4C_MAX_UPLOAD_BYTES``, else MAX_BYTES.

    ``i4c.uploads.SizeLimitedUploadHandler`` stops any upload past it.
    """
    return getattr(settings, "I4C_MAX_UPLOAD_BYTES", MAX_BYTES)


def _too_large(limit: int) -> str:
    return _("The file is larger than %(limit)s MB. Split it and import the parts one by one.") % {
        "limit": limit // (1024 * 1024)
    }


class ImportRefused(Exception):
    """The file cannot be read at all; the message says why and what to do."""


def decode_upload(data: bytes) -> str:
    """The text of an uploaded CSV file, or ``ImportRefused``."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(_too_large(MAX_BYTES))
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if "\x00" in text:
            # Text columns cannot hold it (PostgreSQL refuses it): say so before the preview.
            raise ImportRefused(
                _(
                    "This file contains a NUL character (code 0), which is not text. In Excel, "
                    "choose Save As, then “CSV UTF-8 (Comma delimited)”, and upload that file."
                )
            )
        return text
    if _looks_like_windows_1251(data):
        raise ImportRefused(
            _(
                "This file is in the Windows-1251 (Cyrillic) encoding, not UTF-8. In Excel, "
                "choose Save As, then “CSV UTF-8 (Comma delimited)”, and upload that file."
            )
        )
    raise ImportRefused(
        _(
            "This file is not UTF-8 text. In Excel, choose Save As, then "
            "“CSV UTF-8 (Comma delimited)”, and upload that file."
        )
    )


def _looks_like_windows_1251(data: bytes) -> bool:
    """Most of the non-ASCII letters read as Cyrillic in Windows-1251."""
    text = data.decode("cp1251", errors="replace")
    letters = [char for char in text if char.isalpha() and not char.isascii()]
    cyrillic = sum("\u0400" <= char <= "\u04ff" for char in letters)
    return bool(letters) and cyrillic / len(letters) > 0.8


@dataclass(frozen=True, slots=True)
class Problem:
    row: int
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class Change:
    """One cell an update changes: the finding's value now, and the file's."""

    column: str
    before: str
    after: str


@dataclass(slots=True, eq=False)
class PlannedRow:
    """A row that would be written: the finding's values after the import.

    ``pk`` is None for a finding to create. ``session`` and ``country`` are the
    objects the plan looked up (shared between rows), for the preview. ``text`` is
    the English text; ``translations`` the others (``{"text_ru": ...}``).
    """

    number: int
    pk: int | None
    session: Session
    country: Country | None
    kind: str
    position: int | None
    text: str
    theme_ids: tuple
    changes: list | tuple = ()
    note: str = ""
    # For updates: the list the finding is on now (session, country, kind,
    # number), when it was created, and when it was last changed.
    old_list: tuple = ()
    created: datetime.datetime | None = None
    updated: datetime.datetime | None = None
    # The finding's texts in the other languages: the file's where it has their
    # column, else as they are.
    translations: dict = field(default_factory=dict)
    # The finding's English text before the import (None for a new finding).
    old_english: str | None = None

    @property
    def session_id(self):
        return self.session.pk

    @property
    def country_id(self):
        return self.country.pk if self.country else None

    @property
    def list_key(self) -> tuple:
        return (self.session.pk, self.country_id, self.kind)

    def kind_label(self) -> str:
        return Kind(self.kind).label

    def other_texts(self) -> list[tuple[str, str]]:
        """(language, text) of the texts in the other languages, for the preview."""
        prefix = f"{TEXT_COLUMN}_"
        return [
            (name.removeprefix(prefix), text) for name, text in self.translations.items() if text
        ]

    def finding(self, **values) -> Finding:
        """An unsaved ``Finding`` with the row's values (and ``values``)."""
        return Finding(
            pk=self.pk,
            session_id=self.session.pk,
            country_id=self.country_id,
            kind=self.kind,
            position=self.position,
            # Empty only where it was empty (see _plan_row): kept as it was, NULL or "".
            text_en=self.text or self.old_english,
            created=self.created,
            **self.translations,
            **values,
        )


@dataclass
class ImportPlan:
    created: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    unchanged: int = 0
    # Rows that would change a finding changed since the file was exported (or
    # when the file cannot tell): refused unless the import overwrites.
    stale: list = field(default_factory=list)
    # The first ``SHOWN`` problems; the others are only counted.
    problems: list = field(default_factory=list)
    problem_count: int = 0
    # Reading stopped at ``MAX_PROBLEMS`` problems: rows after that were not read.
    stopped_at_row: int | None = None

    @property
    def is_valid(self) -> bool:
        return not self.problem_count and not self.stale

    @property
    def more_problems(self) -> int:
        return self.problem_count - len(self.problems)

    def problem(self, row: int, column: str, message: str):
        self.problem_count += 1
        if len(self.problems) < SHOWN:
            self.problems.append(Problem(row, column, message))

    @property
    def full(self) -> bool:
        return self.problem_count >= MAX_PROBLEMS

    @property
    def created_shown(self):
        return self.created[:SHOWN]

    @property
    def changed_shown(self):
        return self.changed[:SHOWN]

    @property
    def stale_shown(self):
        return self.stale[:SHOWN]

    @property
    def created_more(self) -> int:
        return max(0, len(self.created) - SHOWN)

    @property
    def changed_more(self) -> int:
        return max(0, len(self.changed) - SHOWN)

    @property
    def stale_more(self) -> int:
        return max(0, len(self.stale) - SHOWN)


def _delimiter(text: str) -> str:
    """Excel in Russian and LibreOffice save CSV with semicolons: read what the header uses."""
    first = text.partition("\n")[0]
    return ";" if first.count(";") > first.count(",") else ","


class _Reader:
    """The file's rows as {column: cell}, read again for each pass instead of held."""

    def __init__(self, text: str):
        self.text = text.removeprefix("\ufeff")
        self.delimiter = _delimiter(self.text)
        # A cell may be as long as the file: csv's default limit (128 KiB) would raise.
        csv.field_size_limit(max(csv.field_size_limit(), len(self.text) + 1))
        self.header = []
        # The columns the text is in, and the language of each: {"text_en": "en", ...}.
        self.text_columns = {}

    def _lines(self, plan):
        """(row number, cells); a row csv cannot read ends the file with a problem."""
        # Strict: a quotation mark left open is reported, not read as the rest of the file.
        reader = csv.reader(_lines_of(self.text), delimiter=self.delimiter, strict=True)
        number = 0
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error:
                if plan is not None:
                    plan.problem(
                        number,
                        "",
                        _(
                            "This row cannot be read: a quotation mark is never closed, or a "
                            "closing one is followed by more text in the same cell."
                        ),
                    )
                return
            yield number, cells

    def read_header(self, plan) -> bool:
        lines = self._lines(plan)
        self.header = [cell.strip() for cell in next(lines, (1, []))[1]]
        if plan.problems:
            return False
        # The text's columns stand where the public export has its one: "text", or
        # one per language in any order ("text_en,text_ru", or "text_en" alone).
        at = HEADER.index(TEXT_COLUMN)
        after = HEADER[at + 1 :]
        end = self.header.index(after[0]) if after[0] in self.header else at
        texts, rest = self.header[at:end], self.header[end:]
        known = text_column_languages()
        languages = [known.get(column) for column in texts]
        if (
            self.header[:at] != HEADER[:at]
            or rest[: len(after)] != after
            or rest[len(after) :] not in _EXTRA_COLUMNS
            or None in languages
            or len(set(languages)) != len(languages)
            or "en" not in languages
        ):
            plan.problem(1, "", header_message())
            return False
        self.text_columns = dict(zip(texts, languages, strict=True))
        return True

    def records(self, plan=None):
        """(row number, cells by column); with ``plan``, rows that cannot be read are problems."""
        width = len(self.header)
        for number, cells in islice(self._lines(plan), 1, None):
            if plan is not None and plan.full:
                plan.stopped_at_row = number
                return
            if not any(cell.strip() for cell in cells):
                continue  # spreadsheets leave empty rows at the end
            if len(cells) != width:
                if plan is not None:
                    plan.problem(
                        number,
                        "",
                        _("This row has %(found)s cells; the header has %(expected)s.")
                        % {"found": len(cells), "expected": width},
                    )
                continue
            yield number, dict(zip(self.header, (restore(cell) for cell in cells), strict=True))


# A line and its end, as ``io.StringIO(text, newline="")`` splits them.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _lines_of(text: str):
    """The lines of ``text`` one at a time: a StringIO would copy the whole file first."""
    return (match.group() for match in _LINE.finditer(text))


# What may follow the public columns: the admin export's status, then its version.
_EXTRA_COLUMNS = [[], [STATUS_COLUMN], [STATUS_COLUMN, UPDATED_COLUMN], [UPDATED_COLUMN]]


def expected_header() -> str:
    """The header an import reads, as the admin's export writes it (status and version aside)."""
    return ",".join(header(with_status=True)[:-2])


def header_message() -> str:
    return _(
        "The first row must be the header %(header)s. Instead of %(texts)s, a single "
        "column %(text)s may give the English text."
    ) % {
        "header": expected_header(),
        "texts": ",".join(text_columns(with_status=True)),
        "text": TEXT_COLUMN,
    }


def plan_import(text: str, *, overwrite: bool = False) -> ImportPlan:
    """What importing ``text`` would do, checked against the database; writes nothing.

    With ``overwrite``, rows that change findings changed since the export (or
    of unknown age) are planned like the others instead of refused.
    A fixed number of queries for files of up to 10,000 ids.
    """
    plan = ImportPlan()
    reader = _Reader(text)
    if not reader.read_header(plan):
        return plan
    context = _Lookups(reader.records(), overwrite=overwrite)
    context.text_columns = reader.text_columns
    rows = []
    for number, cells in reader.records(plan):
        row = _plan_row(plan, context, number, cells)
        if row is not None:
            rows.append(row)
    context.existing = None  # read: let it go before the numbering's query
    _number_rows(plan, rows)
    for row in rows:
        if row.pk is None:
            plan.created.append(row)
        elif not row.changes:
            plan.unchanged += 1
        elif row.note and not overwrite:
            plan.stale.append(row)
        else:
            plan.changed.append(row)
    return plan


class _Lookups:
    """Everything the rows name: every dialogue, session, country and theme (small
    tables, one query each), and the findings the rows' ids name (per 10,000 ids).

    Dialogues and sessions are read whole rather than by the names in the file: a file
    naming a different session on each row would otherwise make a query with hundreds
    of thousands of parameters (more than SQLite takes) and a set as large.
    """

    def __init__(self, records, *, overwrite: bool = False):
        self.overwrite = overwrite
        ids = set()
        for _number, cells in records:
            ids.add(whole_number(cells["id"].strip(), MAX_ID))
        ids.discard(None)
        self.dialogues = set(Dialogue.objects.values_list("slug", flat=True))
        self.sessions = {
            (session.dialogue.slug, session.slug): session
            for session in Session.objects.select_related("dialogue")
        }
        self.sessions_by_id = {session.pk: session for session in self.sessions.values()}
        countries = list(Country.objects.all())
        self.countries_by_id = {country.pk: country for country in countries}
        self.countries_by_code = {country.code: country for country in countries}
        self.countries_by_name = {
            name.casefold(): country for country in countries for name in country.names()
        }
        themes = list(Theme.objects.all())
        self.themes_by_id = {theme.pk: theme for theme in themes}
        self.themes = {name.casefold(): theme for theme in themes for name in theme.names()}
        self.themes.update((theme.slug, theme) for theme in themes)
        # Values, not model instances: 60,000 findings as objects would take
        # hundreds of megabytes.
        self.existing = {}
        themes_of = {}
        ids = sorted(ids)
        Through = Finding.themes.through
        for start in range(0, len(ids), IDS_PER_QUERY):
            part = ids[start : start + IDS_PER_QUERY]
            columns = ["session_id", "country_id", "kind", "position", "text_en"]
            for pk, *values in Finding.objects.filter(pk__in=part).values_list(
                "pk", *columns, "created", "updated", *translation_fields()
            ):
                self.existing[pk] = values
            for finding_id, theme_id in Through.objects.filter(finding_id__in=part).values_list(
                "finding_id", "theme_id"
            ):
                themes_of.setdefault(finding_id, []).append(theme_id)
        self.themes_of = {pk: tuple(sorted(themes)) for pk, themes in themes_of.items()}
        # Ids of findings that have a history here but are gone: deleted since.
        self.deleted_ids = set()
        missing = sorted(set(ids) - self.existing.keys())
        history = Version.objects.get_for_model(Finding)
        for start in range(0, len(missing), IDS_PER_QUERY):
            part = [str(pk) for pk in missing[start : start + IDS_PER_QUERY]]
            found = history.filter(object_id__in=part).values_list("object_id", flat=True)
            self.deleted_ids.update(int(pk) for pk in found)
        self.seen_ids = {}


def _version_of(cells) -> datetime.datetime | str | None:
    """The ``updated`` time the row was exported with; None when the file does not say.

    A cell that is not such a time is returned as it is, for the problem's message.
    """
    cell = cells.get(UPDATED_COLUMN, "").strip()
    if not cell:
        return None
    try:
        value = datetime.datetime.fromisoformat(cell)
    except ValueError:
        return cell
    return value if timezone.is_aware(value) else cell


_KINDS = {kind: kind for kind in Kind.values}


def _plan_row(plan, context, number, cells) -> PlannedRow | None:
    problems = plan.problem_count
    existing, note = None, ""
    raw_id = cells["id"].strip()
    pk = None
    if raw_id:
        pk = whole_number(raw_id, MAX_ID)
        if pk is None:
            plan.problem(
                number,
                "id",
                _("The id must be a whole number up to %(max)s, or empty.") % {"max": MAX_ID},
            )
        elif pk in context.seen_ids:
            plan.problem(
                number,
                "id",
                _("Row %(row)s already has this id.") % {"row": context.seen_ids[pk]},
            )
        else:
            context.seen_ids[pk] = number
            existing = context.existing.get(pk)
            if existing is None and pk in context.deleted_ids and not context.overwrite:
                # Someone deleted it here: an older file must not bring it back unasked.
                plan.problem(
                    number,
                    "id",
                    _(
                        "Finding %(id)s has been deleted here. Export again, or tick "
                        "“Overwrite changes made since the export” to add it back with a new id."
                    )
                    % {"id": raw_id},
                )
            elif existing is None:
                note = _("No finding has id %(id)s here: it will be created with a new id.") % {
                    "id": raw_id
                }

    dialogue, session_slug = cells["dialogue"].strip(), cells["session"].strip()
    session = context.sessions.get((dialogue, session_slug))
    if dialogue not in context.dialogues:
        plan.problem(
            number, "dialogue", _("No dialogue has the slug “%(slug)s”.") % {"slug": dialogue}
        )
    elif session is None:
        plan.problem(
            number,
            "session",
            _("The dialogue has no session with the slug “%(slug)s”.") % {"slug": session_slug},
        )

    code, name = cells["country_code"].strip().upper(), cells["country"].strip()
    country = None
    if code:
        country = context.countries_by_code.get(code)
        if country is None:
            plan.problem(
                number, "country_code", _("No country has the code “%(code)s”.") % {"code": code}
            )
    elif name:
        country = context.countries_by_name.get(name.casefold())
        if country is None:
            plan.problem(number, "country", _("No country is called “%(name)s”.") % {"name": name})

    # The model's own string: 60,000 rows need not hold 60,000 copies of "success".
    kind = _KINDS.get(cells["kind"].strip().lower(), cells["kind"].strip().lower())
    if kind not in _KINDS:
        plan.problem(
            number,
            "kind",
            _("The kind must be “success” or “problem”, not “%(kind)s”.") % {"kind": kind},
        )

    raw_position = cells["position"].strip()
    position = whole_number(raw_position, MAX_POSITION) if raw_position else None
    if raw_position and not position:
        plan.problem(
            number,
            "position",
            _("The number must be a whole number from 1 to %(max)s.") % {"max": MAX_POSITION},
        )

    # {language: (column, cell)}: English is there, the others when the file has their column.
    texts = {language: (column, cells[column]) for column, language in context.text_columns.items()}
    english_column, text = texts.pop("en")
    old_english = existing[4] if existing is not None else None
    if not text.strip() and (old_english or not any(cell.strip() for _, cell in texts.values())):
        # A finding entered in another language only (from notes) has no English text
        # yet: its row may leave the cell empty, but no row may empty an English text.
        plan.problem(number, english_column, _("The text is empty."))

    theme_ids = set()
    for theme_name in filter(None, (part.strip() for part in cells["themes"].split(";"))):
        theme = context.themes.get(theme_name.casefold()) or context.themes.get(theme_name)
        if theme is None:
            plan.problem(
                number, "themes", _("No theme is called “%(name)s”.") % {"name": theme_name}
            )
        else:
            theme_ids.add(theme.pk)

    version = _version_of(cells) if existing is not None else None
    if isinstance(version, str):
        plan.problem(
            number,
            UPDATED_COLUMN,
            _(
                "“%(value)s” is not the time the export wrote here. Export the findings "
                "again and edit the new file."
            )
            % {"value": version[:40]},
        )

    if plan.problem_count > problems:
        return None
    row = PlannedRow(
        number,
        None,
        session,
        country,
        kind,
        position,
        text,
        tuple(sorted(theme_ids)),
        note=note,
    )
    if existing is None:
        row.translations = _translations(texts, {})
        return row
    old_session, old_country, old_kind, old_position, old_text, created, updated, *other = existing
    row.pk, row.created, row.updated = pk, created, updated
    row.old_english = old_text
    old_translations = dict(zip(translation_fields(), other, strict=True))
    row.translations = _translations(texts, old_translations)
    row.old_list = (old_session, old_country, old_kind, old_position)
    if row.position is None and row.old_list[:3] == row.list_key:
        row.position = old_position  # an empty number keeps the finding where it is
    old_themes = context.themes_of.get(pk, ())
    compared = [
        ("session", old_session, session.pk),
        ("country_code", old_country, row.country_id),
        ("kind", old_kind, kind),
        ("position", old_position, row.position),
        (english_column, old_text or "", text),
        *(
            (column, old_translations[f"{TEXT_COLUMN}_{language}"] or "", cell.strip() and cell)
            for language, (column, cell) in texts.items()
        ),
        ("themes", old_themes, row.theme_ids),
    ]
    row.changes = [
        Change(column, _shown(context, column, before), _shown(context, column, after))
        for column, before, after in compared
        if before != after
    ]
    if row.changes and version != updated:
        when = timezone.localtime(updated).strftime("%Y-%m-%d %H:%M:%S")
        if version is None:
            row.note = _(
                "The file does not say when it was exported, so this row may undo a change "
                "made since (the finding was last changed at %(changed)s)."
            ) % {"changed": when}
        else:
            row.note = _(
                "Changed at %(changed)s, since you exported the file at %(exported)s: export "
                "again and make your edits in the new file."
            ) % {
                "changed": when,
                "exported": timezone.localtime(version).strftime("%Y-%m-%d %H:%M:%S"),
            }
    return row


def _translations(texts: dict, old: dict) -> dict:
    """The finding's texts in the other languages after the import: the file's, where it
    has the language's column, else the old ones (none for a new finding).

    An empty cell deletes the text; a text that is already empty stays as it is
    (NULL or ""), so that the row does not count as a change.
    """
    translations = dict(old)
    for language, (_column, cell) in texts.items():
        name = f"{TEXT_COLUMN}_{language}"
        if cell.strip():
            translations[name] = cell
        elif old.get(name):
            translations[name] = ""
    return translations


def _shown(context, column: str, value) -> str:
    """A value as the preview shows it in the column's terms."""
    if column == "session":
        session = context.sessions_by_id.get(value)
        if session is None:
            session = Session.objects.select_related("dialogue").get(pk=value)
            context.sessions_by_id[value] = session
        return f"{session.dialogue.slug} / {session.slug}"
    if column == "country_code":
        return context.countries_by_id[value].code if value else ""
    if column == "themes":
        return "; ".join(sorted(context.themes_by_id[pk].name for pk in value))
    return str(value)


def _number_rows(plan, rows):
    """Refuse two findings on one number of one list; number the rows left empty."""
    sessions = {row.session_id for row in rows}
    in_file = {row.pk for row in rows if row.pk}
    # (session, country, kind, number) -> the finding id or the row number using it
    taken = {}
    existing = Finding.objects.filter(session_id__in=sessions).values_list(
        "session_id", "country_id", "kind", "position", "pk"
    )
    for *key, pk in existing:
        if pk not in in_file:
            taken[tuple(key)] = ("finding", pk)
    for row in rows:
        if row.position is None:
            continue
        key = (*row.list_key, row.position)
        holder = taken.setdefault(key, ("row", row.number))
        values = {"number": row.position, "other": holder[1]}
        if holder[0] == "finding":
            message = _("Number %(number)s of this list is already finding %(other)s.") % values
        elif holder[1] != row.number:
            message = _("Number %(number)s of this list is already on row %(other)s.") % values
        else:
            continue
        plan.problem(row.number, "position", message)
    last = {}
    for key in taken:
        list_key = key[:3]
        last[list_key] = max(last.get(list_key, 0), key[3])
    for row in rows:
        if row.position is None:
            list_key = row.list_key
            row.position = last[list_key] = last.get(list_key, 0) + 1
            if row.position > MAX_POSITION:
                plan.problem(
                    row.number,
                    "position",
                    _("This list has no number left after %(max)s.") % {"max": MAX_POSITION},
                )


def _batches(items, size=BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start : start + size]


_FIELDS = ["session", "country", "kind", "position", "text", "text_en", "updated"]


def _fields_written() -> list[str]:
    return [*_FIELDS, *translation_fields()]


def _update(findings, names, *, using):
    """``bulk_update`` of ``findings``: one ``UPDATE ... FROM (VALUES ...)`` statement.

    ``bulk_update`` writes a CASE with a branch per object for every column:
    its cost grows with the square of the batch (80 seconds for 40,000 rows).
    Values go through each field's own conversion, as ``save()`` does; on
    PostgreSQL the first row carries the column types (a column of NULLs
    would otherwise be text). SQLite has UPDATE ... FROM since 3.33.
    """
    if not findings:
        return
    connection = connections[using]
    quote = connection.ops.quote_name
    pk = Finding._meta.pk
    fields = [pk, *(Finding._meta.get_field(name) for name in names)]
    typed = connection.vendor == "postgresql"
    first = ", ".join(f"CAST(%s AS {field.cast_db_type(connection)})" for field in fields)
    other = ", ".join(["%s"] * len(fields))
    rows = ", ".join(f"({first if typed and n == 0 else other})" for n in range(len(findings)))
    table = quote(Finding._meta.db_table)
    columns = ", ".join(
        f"{quote(field.column)} = v.column{n}" for n, field in enumerate(fields[1:], start=2)
    )
    # Names from the model, never from the file; the values are parameters.
    sql = f"UPDATE {table} SET {columns} FROM (VALUES {rows}) AS v WHERE {table}.{quote(pk.column)} = v.column1"  # noqa: S608, E501
    params = [
        field.get_db_prep_save(getattr(finding, field.attname), connection)
        for finding in findings
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def apply_import(plan: ImportPlan, *, user=None) -> int:
    """Write a plan without problems: every row, in one transaction, or nothing.

    The written findings are one revision in the change history (by ``user``
    when given), so an import can be looked up and undone like an edit. Rows
    are written in batches of ``BATCH_SIZE``, their history too: a few hundred
    statements for 60,000 rows. Returns the number of findings written.
    """
    if not plan.is_valid:
        raise ValueError("A plan with problems cannot be applied.")
    now = timezone.now()
    Through = Finding.themes.through
    history = _History(Finding)
    with transaction.atomic(using=history.db):
        revision = Revision.objects.using(history.db).create(
            date_created=now, user=user, comment=_("Import findings from CSV")
        )
        moved = [row for row in plan.changed if row.old_list != (*row.list_key, row.position)]
        # The unique numbers are checked row by row: park the moving findings on
        # spare numbers of their old lists first, so two findings can swap places.
        spares = _spare_numbers(moved)
        for batch in _batches(moved):
            parked = [Finding(pk=row.pk, position=next(spares[row.old_list[:3]])) for row in batch]
            _update(parked, ["position"], using=history.db)
        for batch in _batches(plan.changed):
            findings = [row.finding(updated=now) for row in batch]
            _update(findings, _fields_written(), using=history.db)
            retagged = [row for row in batch if any(c.column == "themes" for c in row.changes)]
            Through.objects.filter(finding_id__in=[row.pk for row in retagged]).delete()
            Through.objects.bulk_create(
                Through(finding_id=row.pk, theme_id=theme_id)
                for row in retagged
                for theme_id in row.theme_ids
            )
            history.add(revision, findings, batch)
        for batch in _batches(plan.created):
            findings = Finding.objects.bulk_create([row.finding() for row in batch])
            Through.objects.bulk_create(
                Through(finding_id=finding.pk, theme_id=theme_id)
                for finding, row in zip(findings, batch, strict=True)
                for theme_id in row.theme_ids
            )
            history.add(revision, findings, batch)
        # Bulk writes send no signals: tell the page cache here.
        content_changed()
    return len(plan.changed) + len(plan.created)


class _History:
    """Versions for django-reversion, written in bulk.

    ``reversion.add_to_revision`` serializes one object at a time and reads its
    themes with a query of its own: an hour of work for a large file. These are
    the same rows it would write (same serializer format, fields, content type,
    ``object_id`` and ``object_repr``), so the history, "Revert" and "Recover
    deleted" treat an imported finding like any other.
    """

    def __init__(self, model):
        self.options = _get_options(model)
        self.db = router.db_for_write(model)
        self.content_type = _get_content_type(model, self.db)
        self.label = model._meta.label_lower
        self.local_fields = [
            f
            for f in model._meta.concrete_model._meta.local_fields
            if f.serialize and f.name in self.options.fields
        ]
        self.many_to_many = [
            f
            for f in model._meta.concrete_model._meta.local_many_to_many
            if f.serialize and f.name in self.options.fields
        ]
        if [f.name for f in self.many_to_many] not in ([], ["themes"]) or self.options.follow:
            raise ValueError("The import's history knows the themes of a finding only.")

    def serialized(self, finding, theme_ids) -> str:
        """What ``serializers.serialize(format, [finding], fields=...)`` writes."""
        fields = {}
        for model_field in self.local_fields:
            value = model_field.value_from_object(finding)
            fields[model_field.name] = (
                value if is_protected_type(value) else model_field.value_to_string(finding)
            )
        for model_field in self.many_to_many:
            fields[model_field.name] = list(theme_ids)
        data = {"model": self.label, "pk": finding.pk, "fields": fields}
        if self.options.format != "json":
            raise ValueError("The import's history is written as JSON.")
        # The registered "json" format's encoder (times to the microsecond), so the rows
        # match what reversion writes for a finding saved one at a time.
        return json.dumps([data], cls=ExactJSONEncoder, ensure_ascii=False)

    @staticmethod
    def object_repr(finding) -> str:
        # ``str(finding)``: the text in NFC, cut at 80 characters. It is slow to
        # find that a shorter text needs no cut, and most are shorter.
        text = unicodedata.normalize("NFC", finding.text)
        return text if len(text) <= 80 else str(finding)

    def add(self, revision, findings, rows):
        Version.objects.using(self.db).bulk_create(
            Version(
                revision=revision,
                object_id=str(getattr(finding, self.options.object_id_field)),
                content_type=self.content_type,
                db=self.db,
                format=self.options.format,
                serialized_data=self.serialized(finding, row.theme_ids),
                object_repr=self.object_repr(finding),
            )
            for finding, row in zip(findings, rows, strict=True)
        )


def _spare_numbers(moved) -> dict:
    """For each list a moved finding leaves, the numbers it can wait on, highest first.

    A spare number is used by no finding of the list now and by none once the
    import is done, so neither parking nor the final numbers can meet a parked
    finding. One query.
    """
    lists = {row.old_list[:3] for row in moved}
    used = {key: set() for key in lists}
    for *key, position in Finding.objects.filter(
        session_id__in={session_id for session_id, _country, _kind in lists}
    ).values_list("session_id", "country_id", "kind", "position"):
        if tuple(key) in used:
            used[tuple(key)].add(position)
    for row in moved:
        if row.list_key in used:
            used[row.list_key].add(row.position)
    return {key: _unused(taken) for key, taken in used.items()}


def _unused(taken: set):
    for number in range(MAX_POSITION, 0, -1):
        if number not in taken:
            yield number
    raise ValueError("A list with every number taken has no spare number to park on.")


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))
    overwrite = forms.BooleanField(
        label=gettext_lazy("Overwrite changes made since the export"),
        required=False,
        help_text=gettext_lazy(
            "Rows that change a finding someone changed after the file was exported (or "
            "when the file does not say when it was exported) are refused unless this is ticked."
        ),
    )

    def __init__(self, *args, upload_refused: bool = False, **kwargs):
        """``upload_refused``: the upload handler left the file out for its size."""
        super().__init__(*args, **kwargs)
        self.upload_refused = upload_refused
        self.fields["file"].required = not upload_refused
        self.fields["file"].help_text = _(
            "In the format of the export: UTF-8 (Excel: “CSV UTF-8”), at most %(limit)s MB."
        ) % {"limit": MAX_BYTES // (1024 * 1024)}

    def clean_file(self):
        if self.upload_refused:
            raise forms.ValidationError(_too_large(upload_limit()), code="too_large")
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            # Refused before reading it into memory.
            raise forms.ValidationError(_too_large(MAX_BYTES), code="too_large")
        try:
            return decode_upload(upload.read())
        except ImportRefused as refusal:
            raise forms.ValidationError(str(refusal), code="unreadable") from refusal
