"""Turn a rapporteur's notes into findings.

The notes come in the report's own shape::

    Kazakhstan: 1) Compliance with standards ...; 2) Involvement of young people ...
    Problems in the field of citizen participation in decision-making:
    Kazakhstan: 1) Lack of unity and partnership; 2) Competitiveness ...

or as they arrive from a PDF or a Word file: items wrapped over several lines,
numbered ``1.`` one per line, ``Mongolia - 1) ...``, countries under other names
("Kyrgyz Republic", "Киргизия"). Every non-empty line ends up in a finding, sets
the kind (a heading), starts a country's list, or is reported as a problem with
its number: nothing is left out without a word.

``parse_notes`` reads them without touching the database (it is given the
countries), ``plan_notes`` numbers them and finds those already in their lists,
and ``save_findings`` creates them in one transaction, or none.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from dialogues.models import Country, Session

from .enums import Kind
from .models import Finding

# An item starts at "1)" at the start of the text or after a space or punctuation
# ("2)Activities" is an item, "decision-making1)" is not), or at "1." followed by a
# space at the start of the text or after ";" (as Word writes lists): "in 2024." and
# "3.5" in a sentence start nothing.
ITEM_MARKER = re.compile(
    r"(?:^|(?<=[\s;,.]))(?P<paren>\d{1,3})\)"
    r"|(?:^|(?<=;)|(?<=;\s))(?P<dot>\d{1,3})\.(?=\s)"
)
# "Kazakhstan: ...", "Mongolia - 1) ...", "Mongolia — 1) ...", "Mongolia—1) ...".
LABELLED_LINE = re.compile(
    r"^(?P<label>[^:]{1,80}?)\s*(?P<sep>:|\s[-–—]+|[-–—]+(?=\s*\d))\s*(?P<rest>.*)$"
)
# List bullets in front of a line; a dash only when a space follows it, as in "- 1) ...".
BULLETS = re.compile(r"^(?:[•·▪◦●○*]\s*|[-–—](?:\s+|(?=\d)))+")
# Trimmed from the end of an item: the report has "processes-;" and "2) ...;".
ITEM_TRAILER = ";-–— \t"
# Left when a PDF or Word file is copied: invisible, or a soft hyphen (handled apart).
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
SOFT_HYPHEN = "\u00ad"

# Stems, matched at the start of a word, in the case-folded heading.
PROBLEM_STEMS = (
    r"problem|barrier|challenge|obstacle|difficult|"
    r"проблем|барьер|трудност|препятств"
)
SUCCESS_STEMS = (
    r"success|experience|good practice|best practice|achievement|"
    r"успех|успеш|опыт|достижени|хорош\w* практик|лучш\w* практик"
)
PROBLEM_WORDS = re.compile(rf"\b({PROBLEM_STEMS})")
SUCCESS_WORDS = re.compile(rf"\b({SUCCESS_STEMS})")
KIND_WORDS = re.compile(rf"\b(?:{PROBLEM_STEMS}|{SUCCESS_STEMS})\w*")
# Words that may stand beside the kind in a bare heading: "Main problems and barriers".
HEADING_FILLERS = {"and", "or", "the", "main", "key", "и", "или", "основные", "главные"}
# A line this short without a final full stop may be a heading even without ":".
SHORT_HEADING_WORDS = 8

# Other names of the hub's countries, by ISO code: what rapporteurs write besides the
# English and Russian names the Board keeps. "Republic of X", "Республика X" and
# "X Republic" are read as X for every country.
COUNTRY_ALIASES = {
    "KZ": ["KAZ", "Qazaqstan", "Қазақстан"],
    "KG": [
        "KGZ", "Kyrgyz", "Kyrgyzia", "Kirghizia", "Kirgizia", "Kirghizstan",
        "Киргизия", "Киргизстан", "Кыргызская", "Киргизская",
    ],
    "TJ": ["TJK", "Tadjikistan", "Tadzhikistan", "Тоҷикистон"],
    "TM": ["TKM", "Turkmenia", "Türkmenistan", "Туркмения"],
    "UZ": ["UZB", "O‘zbekiston", "Oʻzbekiston", "O'zbekiston", "Ўзбекистон"],
    "MN": ["MNG", "Mongol Uls", "Монгол Улс"],
}  # fmt: skip
COUNTRY_PREFIXES = ("the republic of ", "republic of ", "республика ")
COUNTRY_SUFFIXES = (" republic", " республика")


@dataclass(frozen=True)
class NoteItem:
    """One numbered item of the notes, as pasted; ``line`` to ``last_line`` hold it."""

    line: int
    country: Country
    kind: Kind
    number: int
    text: str
    last_line: int | None = None

    @property
    def lines(self) -> str:
        if self.last_line is None or self.last_line == self.line:
            return str(self.line)
        return f"{self.line}–{self.last_line}"


@dataclass(frozen=True)
class Problem:
    """Something in the notes that stops them being saved; ``line`` counts from 1."""

    line: int | None
    message: str


@dataclass
class ParseResult:
    items: list[NoteItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # The (first, last) lines of each heading: those that set the kind, and the
    # countries standing alone on their line, their items below.
    headings: list[tuple[int, int]] = field(default_factory=list)


class NotesError(Exception):
    """The notes have problems; nothing was saved."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"line {p.line}: {p.message}" for p in problems))
        self.problems = problems


def _fold(value: str) -> str:
    return " ".join(value.split()).casefold()


def country_lookup(countries: Iterable[Country]) -> dict[str, Country]:
    """Each country under its English name, Russian name, ISO code and the other names
    rapporteurs use (``COUNTRY_ALIASES``), case-folded."""
    lookup = {}
    for country in countries:
        for name in (*COUNTRY_ALIASES.get(country.code, ()), *country.names(), country.code):
            if name:
                lookup[_fold(name)] = country
    # The names the Board keeps win over the aliases.
    for country in countries:
        for name in country.names():
            lookup[_fold(name)] = country
    return lookup


def find_country(label: str, lookup: dict[str, Country]) -> Country | None:
    """The country ``label`` names, also as "Republic of X", "Республика X", "X Republic"."""
    name = _fold(label.strip(" \t.\"'«»“”"))
    if name in lookup:
        return lookup[name]
    for prefix in COUNTRY_PREFIXES:
        if name.startswith(prefix):
            return lookup.get(name.removeprefix(prefix))
    for suffix in COUNTRY_SUFFIXES:
        if name.endswith(suffix):
            return lookup.get(name.removesuffix(suffix))
    return None


def heading_kind(line: str) -> Kind | None:
    """The kind a heading line names, or None for prose (or a heading naming both)."""
    folded = _fold(line)
    is_problem = bool(PROBLEM_WORDS.search(folded))
    is_success = bool(SUCCESS_WORDS.search(folded))
    if is_problem == is_success:
        return None
    return Kind.PROBLEM if is_problem else Kind.SUCCESS


def _is_bare_heading(line: str) -> bool:
    """ "Problems", "Main problems and barriers": nothing but kind words, so not the end of
    a wrapped item even without a colon ("difficulties in registration" is)."""
    rest = KIND_WORDS.sub(" ", _fold(line.rstrip(":.")))
    return all(word in HEADING_FILLERS for word in re.findall(r"\w+", rest))


# The alphabet each content language is written in, to notice notes pasted under the
# wrong language (Russian notes left as English). Languages not named here are not checked.
ALPHABETS = {"en": "latin", "ru": "cyrillic"}
LATIN_LETTER = re.compile(r"[A-Za-z]")
CYRILLIC_LETTER = re.compile(r"[\u0400-\u04ff]")


def alphabet_of(text: str) -> str | None:
    """ "latin" or "cyrillic": the alphabet of most of the text's letters (None if neither)."""
    latin, cyrillic = len(LATIN_LETTER.findall(text)), len(CYRILLIC_LETTER.findall(text))
    if latin == cyrillic:
        return None
    return "latin" if latin > cyrillic else "cyrillic"


def in_another_alphabet(items: Iterable[NoteItem], language: str) -> list[NoteItem]:
    """The items written mostly in another alphabet than ``language``'s: the notes may be
    in another language than the one chosen."""
    expected = ALPHABETS.get(language)
    if expected is None:
        return []
    return [item for item in items if alphabet_of(item.text) not in (expected, None)]


def normalised(text: str) -> str:
    """The text as compared for duplicates: case, spacing and final punctuation aside."""
    return _fold(text).rstrip(" .,;:!?…-–—")


def _excerpt(text: str) -> str:
    return Truncator(text).chars(60)


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
        number = int(match["paren"] or match["dot"])
        items.append((number, rest[match.end() : end].strip()))
    return lead, items


def _join(before: str, after: str) -> str:
    """Join a line to the one it continues: "decision-" + "making" is "decision-making"."""
    if not before:
        return after
    if not after:
        return before
    if before.endswith(SOFT_HYPHEN):
        return before[:-1] + after
    if before.endswith("-") and before[-2:-1].isalpha() and after[0].islower():
        return before + after
    return f"{before} {after}"


def _list_name(country: Country, kind: str) -> str:
    values = {"country": country.display_name}
    if kind == Kind.PROBLEM:
        return _("%(country)s, problems") % values
    return _("%(country)s, successes") % values


@dataclass
class _OpenItem:
    line: int
    last_line: int
    country: Country
    kind: Kind
    number: int
    text: str


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
        # The item the next line may continue; a blank line or a heading closes it.
        self.open: _OpenItem | None = None
        # "Kazakstan:" alone: an unknown country if item lines follow it, else a heading
        # naming no kind.
        self.pending_label: tuple[int, str] | None = None
        # The lines of an unknown country's list: reported once, with the country.
        self.skipping_unknown = False
        # Lines outside any item: a wrapped heading if a line ending with ":" follows
        # them, else problems.
        self.prose: list[tuple[int, str]] = []

    def problem(self, line: int | None, message: str) -> None:
        self.result.problems.append(Problem(line=line, message=message))

    def unknown_country_message(self, label: str) -> str:
        return _(
            "Unknown country “%(name)s”: use its English or Russian name "
            "or its ISO code, for example KZ."
        ) % {"name": label.strip()}

    def close_item(self) -> None:
        item, self.open = self.open, None
        if item is None:
            return
        text = item.text.rstrip(ITEM_TRAILER + SOFT_HYPHEN)
        if not text:
            self.problem(
                item.line,
                _("%(list)s: item %(number)s is empty.")
                % {"list": _list_name(item.country, item.kind), "number": item.number},
            )
            return
        self.result.items.append(
            NoteItem(
                line=item.line,
                country=item.country,
                kind=item.kind,
                number=item.number,
                text=text,
                last_line=item.last_line,
            )
        )

    def close_block(self) -> None:
        self.close_item()
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

    def start_item(self, line: int, number: int, text: str) -> None:
        self.close_item()
        self.block_markers += 1
        key = (self.country.pk, self.kind)
        expected = self.counts[key] + 1
        values = {
            "list": _list_name(self.country, self.kind),
            "number": number,
            "expected": expected,
        }
        self.counts[key] = max(expected, number)
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
        self.open = _OpenItem(
            line=line, last_line=line, country=self.country, kind=self.kind, number=number,
            text=text,
        )  # fmt: skip

    def add_items(self, line: int, items: list[tuple[int, str]]) -> None:
        for number, text in items:
            self.start_item(line, number, text)

    def continue_item(self, line: int, text: str) -> None:
        self.open.text = _join(self.open.text, text)
        self.open.last_line = line

    def flush_prose(self) -> None:
        """The lines kept in case they began a wrapped heading did not: report them."""
        for line, text in self.prose:
            self.problem(
                line,
                _(
                    "This line is not part of any finding: “%(text)s”. Number it under a "
                    "country (“Kazakhstan: 1) …”), or delete it."
                )
                % {"text": _excerpt(text)},
            )
        self.prose = []

    def resolve_pending(self, before_items: bool) -> bool:
        """Report a pending "Label:" line; True when it was an unknown country."""
        if self.pending_label is None:
            return False
        number, label = self.pending_label
        self.pending_label = None
        if before_items:
            self.problem(number, self.unknown_country_message(label))
            self.skipping_unknown = True
            return True
        self.no_kind_heading(number, f"{label}:")
        return False

    def no_kind_heading(self, line: int, text: str) -> None:
        self.problem(
            line,
            _(
                "This heading names neither successes nor problems: “%(text)s”. Say which "
                "(for example “Problems:”), or delete the line."
            )
            % {"text": _excerpt(text)},
        )

    def read_line(self, number: int, raw: str) -> None:
        text = raw.translate(INVISIBLE)
        # A soft hyphen at the end of a line marks a word broken there; elsewhere it is noise.
        broken_word = text.rstrip().endswith(SOFT_HYPHEN)
        text = " ".join(text.replace(SOFT_HYPHEN, "").split())
        line = BULLETS.sub("", text)
        if not line:
            # A blank line ends an item (what follows is not its continuation) and a
            # paragraph.
            self.flush_prose()
            self.close_item()
            return
        self.read_content(number, line)
        if broken_word and self.open is not None and self.open.last_line == number:
            self.open.text += SOFT_HYPHEN

    def read_content(self, number: int, line: str) -> None:
        starts_item = bool(ITEM_MARKER.match(line))
        if starts_item:
            self.flush_prose()
        if starts_item and self.resolve_pending(before_items=True):
            return
        self.resolve_pending(before_items=False)

        if starts_item:
            if self.country is None:
                if not self.skipping_unknown:
                    self.problem(
                        number,
                        _(
                            "A numbered item without a country: start its list with a line "
                            "such as “Kazakhstan:”."
                        ),
                    )
                return
            lead, items = _split_items(line)
            self.add_items(number, items)
            return

        if self.read_country_line(number, line):
            return
        if self.read_heading(number, line):
            return
        if self.skipping_unknown:
            return
        if self.open is not None:
            lead, items = _split_items(line)
            self.continue_item(number, lead)
            self.add_items(number, items)
            return
        self.prose.append((number, line))

    def read_country_line(self, number: int, line: str) -> bool:
        """A line that starts a country's list (or names an unknown one): True if read."""
        labelled = LABELLED_LINE.match(line)
        if labelled is None:
            # "Kazakhstan" alone on its line, as a heading; in a wrapped item it is the
            # item's last word ("... Central Asia and\nMongolia").
            country = find_country(line.rstrip(":"), self.countries)
            if country is None or self.open is not None:
                return False
            self.start_block(number, country, "")
            return True
        label, rest = labelled["label"], labelled["rest"]
        country = find_country(label, self.countries)
        rest_has_items = bool(ITEM_MARKER.match(rest))
        is_colon = labelled["sep"] == ":"
        if country is not None and (is_colon or rest_has_items or not rest):
            self.start_block(number, country, rest)
            return True
        if (
            rest_has_items
            and (is_colon or self.open is None)
            and len(label.split()) <= 4
            and not re.search(r"\d", label)
        ):
            self.flush_prose()
            self.close_block()
            self.problem(number, self.unknown_country_message(label))
            self.skipping_unknown = True
            return True
        return False

    def start_block(self, number: int, country: Country, rest: str) -> None:
        self.flush_prose()
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
            # "Kazakhstan: some text" has no items: reported as the block closes.
            self.close_block()
            return
        elif not items:
            self.result.headings.append((number, number))
        self.add_items(number, items)

    def read_heading(self, number: int, line: str) -> bool:
        """A heading: sets the kind of the lines after it. True if ``line`` is one.

        While an item (or a paragraph) is open, only a line ending with ":" or made of
        kind words alone is a heading: "difficulties in registration" is the end of a
        wrapped item. Lines of prose just before a line ending with ":" are the start of
        a wrapped heading.
        """
        ends_with_colon = line.endswith(":")
        # A sentence that ends before the heading is not part of it.
        ended = [i for i, (_, text) in enumerate(self.prose) if text.endswith((".", "!", "?"))]
        if ended:
            self.prose, rest = self.prose[: ended[-1] + 1], self.prose[ended[-1] + 1 :]
            self.flush_prose()
            self.prose = rest
        if ends_with_colon and self.prose:
            first = self.prose[0][0]
            kind = heading_kind(" ".join([*(text for _, text in self.prose), line]))
            if kind is not None:
                self.prose = []
                self.close_block()
                self.kind = kind
                self.result.headings.append((first, number))
                return True
            # Not a heading that names a kind: each line is reported on its own.
            self.flush_prose()
        kind = heading_kind(line)
        if self.open is not None or self.prose:
            # Within a wrapped item or paragraph, a line with a kind word is more of it.
            is_heading = ends_with_colon or (kind is not None and _is_bare_heading(line))
        else:
            is_heading = ends_with_colon or (
                kind is not None
                and len(line.split()) <= SHORT_HEADING_WORDS
                and not line.endswith(".")
            )
        if not is_heading:
            return False
        self.flush_prose()
        self.close_block()
        if kind is not None:
            self.kind = kind
            self.result.headings.append((number, number))
        elif len(line[:-1].split()) <= 3 and line.count(":") == 1:
            # "XX:": an unknown country if numbered items follow.
            self.pending_label = (number, line[:-1].strip())
        else:
            self.no_kind_heading(number, line)
        return True

    def finish(self) -> ParseResult:
        self.flush_prose()
        self.resolve_pending(before_items=False)
        self.close_block()
        self.result.problems.sort(key=lambda problem: problem.line or 0)
        if not self.result.items and not self.result.problems:
            self.problem(
                None,
                _("No findings found: write a country and its numbered items, like “%(example)s”.")
                % {"example": _("Kazakhstan: 1) …; 2) …")},
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


@dataclass(frozen=True)
class PlannedItem:
    """An item of the notes and what saving would do with it.

    ``finding`` is unsaved; its position is None when the item is skipped as a
    duplicate. ``duplicate_of`` says where the same text already is: the number of a
    finding in the list, or the line of an earlier item of the notes.
    """

    item: NoteItem
    finding: Finding
    duplicate_of_number: int | None = None
    duplicate_of_line: int | None = None

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of_number is not None or self.duplicate_of_line is not None


@dataclass
class NotesPlan:
    items: list[PlannedItem]
    # The dialogue's participating countries, and those of the notes outside them.
    dialogue_countries: list[Country]
    outside_countries: list[Country]
    add_duplicates: bool = False
    language: str = "en"

    @property
    def findings(self) -> list[Finding]:
        """The findings saving would create, in the order of the notes."""
        return [planned.finding for planned in self.items if planned.finding.position is not None]

    @property
    def duplicates(self) -> list[PlannedItem]:
        return [planned for planned in self.items if planned.is_duplicate]

    @property
    def skipped(self) -> list[PlannedItem]:
        return [planned for planned in self.items if planned.finding.position is None]


def text_column(language: str) -> str:
    """The column of the findings' text in ``language``, one of the content languages."""
    if language not in settings.CONTENT_LANGUAGES:
        raise ValueError(f"{language!r} is not one of the content languages")
    return f"text_{language}"


def plan_notes(
    *, session: Session, result: ParseResult, add_duplicates: bool = False, language: str = "en"
) -> NotesPlan:
    """Number the items after those already in each list and find the duplicates.

    The notes are in ``language``: each item is that language's text of its finding.
    An item is a duplicate when its list (session, country, kind) already has in that
    language, or an earlier item of the notes gives, the same text (case, spacing and
    final punctuation aside); it is skipped, and takes no number, unless
    ``add_duplicates``. Two queries whatever the number of items: the session's findings
    and the dialogue's countries. Reads ``session.dialogue``: select it first or it costs
    a query.
    """
    column = text_column(language)
    last: dict[tuple[int, str], int] = defaultdict(int)
    existing: dict[tuple[int, str, str], int] = {}
    rows = Finding.objects.filter(session=session, country__isnull=False).values_list(
        "country_id", "kind", "position", column
    )
    for country_id, kind, position, text in rows.order_by("position"):
        last[country_id, kind] = max(last[country_id, kind], position)
        if text:  # a finding may have no text in this language yet
            existing.setdefault((country_id, kind, normalised(text)), position)
    pasted: dict[tuple[int, str, str], int] = {}
    planned = []
    for item in result.items:
        key = (item.country.pk, item.kind, normalised(item.text))
        duplicate_number = existing.get(key)
        duplicate_line = pasted.get(key) if duplicate_number is None else None
        pasted.setdefault(key, item.line)
        is_duplicate = duplicate_number is not None or duplicate_line is not None
        position = None
        if add_duplicates or not is_duplicate:
            last[item.country.pk, item.kind] += 1
            position = last[item.country.pk, item.kind]
        finding = Finding(
            session=session, country=item.country, kind=item.kind, position=position,
            **{column: item.text},
        )  # fmt: skip
        planned.append(PlannedItem(item, finding, duplicate_number, duplicate_line))

    dialogue_countries = list(session.dialogue.countries.order_by("name"))
    taking_part = {country.pk for country in dialogue_countries}
    outside = {
        item.country.pk: item.country for item in result.items if item.country.pk not in taking_part
    }
    return NotesPlan(
        items=planned,
        dialogue_countries=dialogue_countries,
        outside_countries=sorted(outside.values(), key=lambda country: country.name),
        add_duplicates=add_duplicates,
        language=language,
    )


@dataclass
class NotesSaved:
    created: list[Finding]
    skipped: list[PlannedItem]
    countries_added: list[Country]


def save_findings(
    *,
    session: Session,
    text: str,
    default_kind: str,
    user=None,
    add_duplicates: bool = False,
    add_countries: bool = False,
    language: str = "en",
) -> NotesSaved:
    """Create the findings of the notes in one transaction, or none.

    The notes are in ``language``: the findings get their text in that language only
    (notes in Russian give findings with no English text yet). Items already in their
    lists are skipped unless ``add_duplicates``; with ``add_countries``, the countries of
    the notes that do not take part in the session's dialogue are added to it, in the
    same transaction. Everything is one revision in the change history, by ``user`` when
    given. Raises ``NotesError`` with every problem (and saves nothing) when the notes
    have one, or when a finding is refused while saving.
    """
    result = parse_notes(text, countries=Country.objects.all(), default_kind=default_kind)
    if result.problems:
        raise NotesError(result.problems)
    try:
        with transaction.atomic(), reversion.create_revision():
            reversion.set_comment(_("Added from notes"))
            if user is not None:
                reversion.set_user(user)
            # Two Board members saving notes into one session at once would take the
            # same numbers: lock the session so the second waits (PostgreSQL).
            session = (
                Session.objects.select_for_update(of=("self",))
                .select_related("dialogue")
                .get(pk=session.pk)
            )
            plan = plan_notes(
                session=session, result=result, add_duplicates=add_duplicates, language=language
            )
            # The admin's form requires the English text; the database does not, and
            # notes in another language have none yet: the other columns stay empty.
            others = [text_column(code) for code in settings.CONTENT_LANGUAGES if code != language]
            for planned in plan.items:
                if planned.finding.position is None:
                    continue
                try:
                    planned.finding.full_clean(exclude=others)
                except ValidationError as error:
                    problem = Problem(line=planned.item.line, message=" ".join(error.messages))
                    raise NotesError([problem]) from error
                planned.finding.save()
            countries_added = []
            if add_countries and plan.outside_countries:
                countries_added = plan.outside_countries
                session.dialogue.countries.add(*countries_added)
                reversion.add_to_revision(session.dialogue)
    except IntegrityError as error:
        message = _(
            "A finding could not be saved (someone else may have changed the same list at "
            "the same moment), so nothing was saved. Preview the notes again."
        )
        raise NotesError([Problem(line=None, message=message)]) from error
    return NotesSaved(created=plan.findings, skipped=plan.skipped, countries_added=countries_added)
