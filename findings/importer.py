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
"""

import codecs
import csv
import io
import re
from dataclasses import dataclass, field

import reversion
from django import forms
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogues.models import Country, Dialogue, Session, Theme
from dialogues.pagecache import content_changed

from .enums import Kind
from .export import HEADER, STATUS_COLUMN, restore
from .models import Finding

MAX_BYTES = 10 * 1024 * 1024
# A smallint column: the highest number a list may use.
MAX_POSITION = 32767
# A bigint column: the highest id a finding can have.
MAX_ID = 2**63 - 1
# ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
_DIGITS = re.compile(r"[0-9]{1,30}")


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


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str


@dataclass
class PlannedRow:
    """A row that would be written: ``finding`` holds its new values (unsaved)."""

    number: int
    finding: Finding
    themes: list
    changes: list = field(default_factory=list)
    note: str = ""


@dataclass
class ImportPlan:
    created: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    unchanged: int = 0
    problems: list = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems

    def problem(self, row: int, column: str, message: str):
        self.problems.append(Problem(row, column, message))


def _read_rows(plan, reader):
    """(row number, cells) for every row; a row csv cannot read ends the file with a problem."""
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            plan.problem(
                number,
                "",
                _(
                    "This row cannot be read: a quotation mark is never closed, or a closing "
                    "one is followed by more text in the same cell."
                ),
            )
            return
        yield number, cells


def _delimiter(text: str) -> str:
    """Excel in Russian saves CSV with semicolons: read whichever the header uses."""
    first = text.partition("\n")[0]
    return ";" if "," not in first and first.count(";") >= len(HEADER) - 1 else ","


def plan_import(text: str) -> ImportPlan:
    """What importing ``text`` would do, checked against the database; writes nothing.

    A fixed number of queries whatever the number of rows.
    """
    plan = ImportPlan()
    # A cell may be as long as the file: csv's default limit (128 KiB) would raise.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    # Strict: a quotation mark left open is reported, not read as the rest of the file.
    reader = csv.reader(
        io.StringIO(text.removeprefix("\ufeff"), newline=""),
        delimiter=_delimiter(text),
        strict=True,
    )
    lines = _read_rows(plan, reader)
    header = [cell.strip() for cell in next(lines, (1, []))[1]]
    if plan.problems:
        return plan
    if header not in (HEADER, [*HEADER, STATUS_COLUMN]):
        plan.problem(
            1,
            "",
            _("The first row must be the header %(header)s.") % {"header": ",".join(HEADER)},
        )
        return plan
    records = []
    for number, cells in lines:
        if not any(cell.strip() for cell in cells):
            continue  # spreadsheets leave empty rows at the end
        if len(cells) != len(header):
            plan.problem(
                number,
                "",
                _("This row has %(found)s cells; the header has %(expected)s.")
                % {"found": len(cells), "expected": len(header)},
            )
            continue
        records.append((number, dict(zip(header, (restore(cell) for cell in cells), strict=True))))

    context = _Lookups(records)
    rows = [row for number, cells in records if (row := _plan_row(plan, context, number, cells))]
    _number_rows(plan, rows, context)
    for row in rows:
        if row.finding.pk is None:
            plan.created.append(row)
        elif row.changes:
            plan.changed.append(row)
        else:
            plan.unchanged += 1
    return plan


class _Lookups:
    """Everything the rows name, read in one query per model."""

    def __init__(self, records):
        slugs = {(cells["dialogue"].strip(), cells["session"].strip()) for _n, cells in records}
        dialogue_slugs = {dialogue for dialogue, _session in slugs}
        self.dialogues = set(
            Dialogue.objects.filter(slug__in=dialogue_slugs).values_list("slug", flat=True)
        )
        self.sessions = {
            (session.dialogue.slug, session.slug): session
            for session in Session.objects.select_related("dialogue").filter(
                dialogue__slug__in=dialogue_slugs,
                slug__in={session for _dialogue, session in slugs},
            )
        }
        countries = list(Country.objects.all())
        self.countries_by_code = {country.code: country for country in countries}
        self.countries_by_name = {
            name.casefold(): country
            for country in countries
            for name in (country.name, country.name_ru)
            if name
        }
        themes = list(Theme.objects.all())
        self.themes = {theme.name.casefold(): theme for theme in themes}
        self.themes.update((theme.slug, theme) for theme in themes)
        ids = {whole_number(cells["id"].strip(), MAX_ID) for _n, cells in records} - {None}
        self.existing = {
            finding.pk: finding
            for finding in Finding.objects.filter(pk__in=ids).prefetch_related("themes")
        }
        self.seen_ids = {}


def _plan_row(plan, context, number, cells) -> PlannedRow | None:
    problems = len(plan.problems)
    finding, note = None, ""
    raw_id = cells["id"].strip()
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
            finding = context.existing.get(pk)
            if finding is None:
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

    kind = cells["kind"].strip().lower()
    if kind not in Kind.values:
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

    text = cells["text"]
    if not text.strip():
        plan.problem(number, "text", _("The text is empty."))

    themes = []
    for theme_name in filter(None, (part.strip() for part in cells["themes"].split(";"))):
        theme = context.themes.get(theme_name.casefold()) or context.themes.get(theme_name)
        if theme is None:
            plan.problem(
                number, "themes", _("No theme is called “%(name)s”.") % {"name": theme_name}
            )
        else:
            themes.append(theme)

    if len(plan.problems) > problems:
        return None
    new = Finding(
        session=session,
        country=country,
        kind=kind,
        position=position,
        text=text,
    )
    if finding is None:
        return PlannedRow(number, new, themes, note=note)
    new.pk, new.created = finding.pk, finding.created
    new.old_list = (finding.session_id, finding.country_id, finding.kind, finding.position)
    if new.position is None and new.old_list[:3] == (new.session_id, new.country_id, new.kind):
        new.position = finding.position  # an empty number keeps the finding where it is
    changes = [
        name for name, attname in _COMPARED if getattr(new, attname) != getattr(finding, attname)
    ]
    if {theme.pk for theme in themes} != {theme.pk for theme in finding.themes.all()}:
        changes.append("themes")
    return PlannedRow(number, new, themes, changes=changes)


# Columns an update can change, and the model attribute each one sets.
_COMPARED = [
    ("session", "session_id"),
    ("country_code", "country_id"),
    ("kind", "kind"),
    ("position", "position"),
    ("text", "text"),
]


def _number_rows(plan, rows, context):
    """Refuse two findings on one number of one list; number the rows left empty."""
    sessions = {row.finding.session_id for row in rows}
    in_file = {row.finding.pk for row in rows if row.finding.pk}
    # (session, country, kind, number) -> the finding id or the row number using it
    taken = {}
    existing = (
        Finding.objects.filter(session_id__in=sessions)
        .exclude(pk__in=in_file)
        .values_list("session_id", "country_id", "kind", "position", "pk")
    )
    for *key, pk in existing:
        taken[tuple(key)] = ("finding", pk)
    for row in rows:
        finding = row.finding
        if finding.position is None:
            continue
        key = (finding.session_id, finding.country_id, finding.kind, finding.position)
        holder = taken.setdefault(key, ("row", row.number))
        values = {"number": finding.position, "other": holder[1]}
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
        finding = row.finding
        if finding.position is None:
            list_key = (finding.session_id, finding.country_id, finding.kind)
            finding.position = last[list_key] = last.get(list_key, 0) + 1
            if finding.position > MAX_POSITION:
                plan.problem(
                    row.number,
                    "position",
                    _("This list has no number left after %(max)s.") % {"max": MAX_POSITION},
                )


def apply_import(plan: ImportPlan, *, user=None) -> list:
    """Write a plan without problems: every row, in one transaction, or nothing.

    The written findings are one revision in the change history (by ``user``
    when given), so an import can be looked up and undone like an edit.
    Returns the created findings.
    """
    if not plan.is_valid:
        raise ValueError("A plan with problems cannot be applied.")
    now = timezone.now()
    Through = Finding.themes.through
    with transaction.atomic(), reversion.create_revision():
        reversion.set_comment(_("Import findings from CSV"))
        if user is not None:
            reversion.set_user(user)
        changed = [row.finding for row in plan.changed]
        moved = [
            finding
            for finding in changed
            if finding.old_list
            != (finding.session_id, finding.country_id, finding.kind, finding.position)
        ]
        # The unique numbers are checked row by row: park the moving findings on
        # spare numbers of their old lists first, so two findings can swap places.
        final = [finding.position for finding in moved]
        spares = _spare_numbers(moved)
        parked = [
            Finding(pk=finding.pk, position=next(spares[finding.old_list[:3]])) for finding in moved
        ]
        Finding.objects.bulk_update(parked, ["position"])
        for finding, position in zip(moved, final, strict=True):
            finding.position = position
        for finding in changed:
            finding.updated = now
        Finding.objects.bulk_update(
            changed, ["session", "country", "kind", "position", "text", "updated"]
        )
        created = Finding.objects.bulk_create([row.finding for row in plan.created])
        retagged = [row for row in plan.changed if "themes" in row.changes]
        Through.objects.filter(finding__in=[row.finding.pk for row in retagged]).delete()
        Through.objects.bulk_create(
            Through(finding_id=row.finding.pk, theme_id=theme.pk)
            for row in [*retagged, *plan.created]
            for theme in row.themes
        )
        for finding in [*changed, *created]:
            reversion.add_to_revision(finding)
        # Bulk writes send no signals: tell the page cache here.
        content_changed()
    return created


def _spare_numbers(moved) -> dict:
    """For each list a moved finding leaves, the numbers it can wait on, highest first.

    A spare number is used by no finding of the list now and by none once the
    import is done, so neither parking nor the final numbers can meet a parked
    finding. One query.
    """
    lists = {finding.old_list[:3] for finding in moved}
    used = {key: set() for key in lists}
    for *key, position in Finding.objects.filter(
        session_id__in={session_id for session_id, _country, _kind in lists}
    ).values_list("session_id", "country_id", "kind", "position"):
        if tuple(key) in used:
            used[tuple(key)].add(position)
    for finding in moved:
        key = (finding.session_id, finding.country_id, finding.kind)
        if key in used:
            used[key].add(finding.position)
    return {key: _unused(taken) for key, taken in used.items()}


def _unused(taken: set):
    for number in range(MAX_POSITION, 0, -1):
        if number not in taken:
            yield number
    raise ValueError("A list with every number taken has no spare number to park on.")


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))

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
