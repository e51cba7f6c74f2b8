"""Turn a rapporteur's notes into findings.

The notes come in the report's own shape::

    Kazakhstan: 1) Compliance with standards ...; 2) Involvement of young people ...
    Problems in the field of citizen participation in decision-making:
    Kazakhstan: 1) Lack of unity and partnership; 2) Competitiveness ...

``parse_notes`` reads them without touching the database (it is given the
countries), so a preview costs nothing; ``save_findings`` creates every finding
in one transaction, or none when the notes have any problem.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import reversion
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from dialogues.models import Country, Session

from .enums import Kind
from .models import Finding

# "1)" at the start of the text or after a space or punctuation: "2)Activities"
# (no space after the marker) is an item, "decision-making1)" is not.
ITEM_MARKER = re.compile(r"(?:^|(?<=[\s;,.]))(\d{1,3})\)")
ITEM_LINE = re.compile(r"^(\d{1,3})\)")
LABELLED_LINE = re.compile(r"^(?P<label>[^:]{1,80}):(?P<rest>.*)$")
BULLETS = "-–—•*· \t"
# Trimmed from the end of an item: the report has "processes-;" and "2) ...;".
ITEM_TRAILER = ";-–— \t"

# Stems, matched at the start of a word, in the case-folded heading.
PROBLEM_WORDS = re.compile(
    r"\b(problem|barrier|challenge|obstacle|difficult|"
    r"проблем|барьер|трудност|препятств)"
)
SUCCESS_WORDS = re.compile(
    r"\b(success|experience|good practice|best practice|achievement|"
    r"успех|успеш|опыт|достижени|хорош\w* практик|лучш\w* практик)"
)
# A line this short without a final full stop may be a heading even without ":".
SHORT_HEADING_WORDS = 8


@dataclass(frozen=True)
class NoteItem:
    """One numbered item of the notes, as pasted."""

    line: int
    country: Country
    kind: Kind
    number: int
    text: str


@dataclass(frozen=True)
class Problem:
    """Something in the notes that stops them being saved; ``line`` counts from 1."""

    line: int | None
    message: str


@dataclass
class ParseResult:
    items: list[NoteItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class NotesError(Exception):
    """The notes have problems; nothing was saved."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"line {p.line}: {p.message}" for p in problems))
        self.problems = problems


def _fold(value: str) -> str:
    return " ".join(value.split()).casefold()


def country_lookup(countries: Iterable[Country]) -> dict[str, Country]:
    """Each country under its English name, Russian name and ISO code, case-folded."""
    lookup = {}
    for country in countries:
        for name in (country.name, country.name_ru, country.code):
            if name:
                lookup[_fold(name)] = country
    return lookup


def heading_kind(line: str) -> Kind | None:
    """The kind a heading line names, or None for prose (or a heading naming both)."""
    folded = _fold(line)
    is_problem = bool(PROBLEM_WORDS.search(folded))
    is_success = bool(SUCCESS_WORDS.search(folded))
    if is_problem == is_success:
        return None
    return Kind.PROBLEM if is_problem else Kind.SUCCESS


def _looks_like_heading(line: str) -> bool:
    return line.endswith(":") or (
        len(line.split()) <= SHORT_HEADING_WORDS and not line.endswith(".")
    )


def _split_items(rest: str) -> tuple[str, list[tuple[int, str]]]:
    """Split ``1) a; 2) b`` into numbered texts; returns (text before item 1, items).

    A marker inside brackets, as in "(stage 1) and", does not start an item.
    """
    markers = []
    start = 0
    for match in ITEM_MARKER.finditer(rest):
        between = rest[start : match.start()]
        if markers and between.count("(") > between.count(")"):
            continue
        markers.append(match)
        start = match.end()
    if not markers:
        return rest.strip(), []
    lead = rest[: markers[0].start()].strip()
    items = []
    for index, match in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(rest)
        items.append((int(match.group(1)), rest[match.end() : end].strip().rstrip(ITEM_TRAILER)))
    return lead, items


def _list_name(country: Country, kind: str) -> str:
    values = {"country": country.display_name}
    if kind == Kind.PROBLEM:
        return _("%(country)s, problems") % values
    return _("%(country)s, successes") % values


class _Parser:
    def __init__(self, *, countries: Iterable[Country], default_kind: str):
        self.countries = country_lookup(countries)
        self.kind = Kind(default_kind)
        self.result = ParseResult()
        # Items read so far in each list (country, kind): the next number is one more.
        self.counts: dict[tuple[int, str], int] = defaultdict(int)
        self.country: Country | None = None
        self.block_line: int | None = None
        self.block_markers = 0
        # "Kazakstan:" alone: an unknown country if item lines follow it.
        self.unknown: tuple[int, str] | None = None
        self.skipping_unknown = False

    def problem(self, line: int | None, message: str) -> None:
        self.result.problems.append(Problem(line=line, message=message))

    def unknown_country_message(self, label: str) -> str:
        return _(
            "Unknown country “%(name)s”: use its English or Russian name "
            "or its ISO code, for example KZ."
        ) % {"name": label.strip(BULLETS)}

    def close_block(self) -> None:
        self.unknown = None
        self.skipping_unknown = False
        if self.country is not None and self.block_markers == 0:
            self.problem(
                self.block_line,
                _("%(country)s: no numbered items. Number them like “1) …; 2) …”.")
                % {"country": self.country.display_name},
            )
        self.country = None
        self.block_line = None
        self.block_markers = 0

    def add(self, line: int, number: int, text: str) -> None:
        self.block_markers += 1
        key = (self.country.pk, self.kind)
        expected = self.counts[key] + 1
        values = {
            "list": _list_name(self.country, self.kind),
            "number": number,
            "expected": expected,
        }
        self.counts[key] = max(expected, number)
        if not text:
            self.problem(line, _("%(list)s: item %(number)s is empty.") % values)
            return
        if number < expected:
            self.problem(
                line,
                _("%(list)s: number %(number)s repeats; the next number is %(expected)s.") % values,
            )
        elif number > expected:
            self.problem(
                line,
                _("%(list)s: number %(number)s skips; the next number is %(expected)s.") % values,
            )
        self.result.items.append(
            NoteItem(line=line, country=self.country, kind=self.kind, number=number, text=text)
        )

    def read_line(self, number: int, raw: str) -> None:
        line = " ".join(raw.split()).lstrip(BULLETS)
        if not line:
            return
        if ITEM_LINE.match(line):
            if self.country is None and self.unknown is not None:
                self.problem(self.unknown[0], self.unknown_country_message(self.unknown[1]))
                self.unknown = None
                self.skipping_unknown = True
                return
            if self.country is None and self.skipping_unknown:
                return
            if self.country is None:
                self.problem(
                    number,
                    _(
                        "A numbered item without a country: start its list with a line "
                        "such as “Kazakhstan:”."
                    ),
                )
                return
            lead, items = _split_items(line)
            for item_number, text in items:
                self.add(number, item_number, text)
            return
        labelled = LABELLED_LINE.match(line)
        if labelled:
            label = _fold(labelled["label"].strip(BULLETS))
            rest = labelled["rest"]
            country = self.countries.get(label)
            if country is not None:
                self.close_block()
                self.country, self.block_line = country, number
                lead, items = _split_items(rest)
                if lead and items:
                    self.problem(
                        number,
                        _("%(country)s: text before the first numbered item: “%(text)s”.")
                        % {"country": country.display_name, "text": lead},
                    )
                elif lead:
                    # "Kazakhstan: some text" has no items: reported when the block closes.
                    self.close_block()
                    return
                for item_number, text in items:
                    self.add(number, item_number, text)
                return
            if ITEM_LINE.match(rest.strip()):
                self.close_block()
                self.problem(number, self.unknown_country_message(labelled["label"]))
                return
        self.close_block()
        if _looks_like_heading(line):
            kind = heading_kind(line)
            if kind is not None:
                self.kind = kind
            elif labelled and not labelled["rest"].strip() and len(labelled["label"].split()) <= 3:
                self.unknown = (number, labelled["label"])
        # Any other line is prose between the lists: it is left out.

    def finish(self) -> ParseResult:
        self.close_block()
        if not self.result.items and not self.result.problems:
            self.problem(
                None,
                _("No findings found: write a country and its numbered items, like “%(example)s”.")
                % {"example": "Kazakhstan: 1) …; 2) …"},
            )
        return self.result


def parse_notes(text: str, *, countries: Iterable[Country], default_kind: str) -> ParseResult:
    """Read the notes into items and problems; touches no database.

    ``default_kind`` is the kind of the lines before the first heading that names one.
    """
    parser = _Parser(countries=countries, default_kind=default_kind)
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        parser.read_line(number, raw)
    return parser.finish()


def plan_findings(*, session: Session, result: ParseResult) -> list[Finding]:
    """Unsaved findings for the items, numbered after those already in each list.

    The pasted numbers 1..n of a list become next_position..next_position+n-1.
    One query, whatever the number of lists.
    """
    last = {
        (row["country_id"], row["kind"]): row["last"]
        for row in Finding.objects.filter(session=session)
        .values("country_id", "kind")
        .annotate(last=Max("position"))
        .order_by()  # the model's ordering would otherwise split the groups
    }
    taken: dict[tuple[int, str], int] = defaultdict(int)
    findings = []
    for item in result.items:
        key = (item.country.pk, item.kind)
        taken[key] += 1
        findings.append(
            Finding(
                session=session,
                country=item.country,
                kind=item.kind,
                position=(last.get(key) or 0) + taken[key],
                text=item.text,
            )
        )
    return findings


def save_findings(*, session: Session, text: str, default_kind: str, user=None) -> list[Finding]:
    """Create every finding of the notes in one transaction, or none.

    The findings are one revision in the change history, by ``user`` when given.
    Raises ``NotesError`` with every problem (and saves nothing) when the notes
    have one, or when a finding fails validation.
    """
    result = parse_notes(text, countries=Country.objects.all(), default_kind=default_kind)
    if result.problems:
        raise NotesError(result.problems)
    with transaction.atomic(), reversion.create_revision():
        reversion.set_comment(_("Added from notes"))
        if user is not None:
            reversion.set_user(user)
        # Two Board members saving notes into one session at once would take the
        # same numbers: lock the session so the second waits (PostgreSQL).
        list(Session.objects.select_for_update().filter(pk=session.pk).values_list("pk"))
        findings = plan_findings(session=session, result=result)
        for item, finding in zip(result.items, findings, strict=True):
            try:
                finding.full_clean()
            except ValidationError as error:
                problem = Problem(line=item.line, message=" ".join(error.messages))
                raise NotesError([problem]) from error
            finding.save()
    return findings
