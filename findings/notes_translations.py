"""Add the translations of a session's findings from the rapporteur's notes in another
language.

The notes are read by the same parser as "Add findings from notes"
(``findings.notes.parse_notes``). Each item is the translation of the finding of the
same session, country, kind and number. Every mismatch is a problem, and the notes
are saved only without problems: all the translations, or none.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import reversion
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dialogues.content import resolution_order
from dialogues.models import Country, Session

from .enums import Kind
from .models import Finding
from .notes import (
    NoteItem,
    NotesError,
    ParseResult,
    Problem,
    _list_name,
    in_another_alphabet,
    parse_notes,
    text_column,
)

# What saving does with a pair.
ADD = "add"  # the finding has no text in the language yet
REPLACE = "replace"  # it has another one, which the notes' item replaces
SAME = "same"  # it has this very text already


@dataclass
class Pair:
    """A row of the preview: an item of the notes and the finding it translates.

    Either side may be missing (a mismatch, reported as a problem). ``existing`` is the
    finding's text in another language (``existing_language``), shown beside the item;
    ``current`` its text in the notes' language, which the item would replace.
    """

    country: Country
    kind: str
    number: int
    item: NoteItem | None = None
    finding: Finding | None = None
    existing: str = ""
    existing_language: str = ""
    current: str = ""

    @property
    def list_name(self) -> str:
        """ "Kazakhstan, successes"."""
        return _list_name(self.country, self.kind)

    @property
    def action(self) -> str | None:
        if self.item is None or self.finding is None:
            return None
        if not self.current:
            return ADD
        return SAME if self.current == self.item.text else REPLACE

    @property
    def is_replacement(self) -> bool:
        return self.action == REPLACE


@dataclass
class TranslationPlan:
    language: str
    pairs: list[Pair] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Findings without a country: notes cannot name them, so they are left as they are.
    regional: int = 0

    @property
    def additions(self) -> list[Pair]:
        return [pair for pair in self.pairs if pair.action == ADD]

    @property
    def replacements(self) -> list[Pair]:
        return [pair for pair in self.pairs if pair.action == REPLACE]

    @property
    def changes(self) -> list[Pair]:
        return [pair for pair in self.pairs if pair.action in (ADD, REPLACE)]


def _excerpt(text: str) -> str:
    return Truncator(text).chars(60)


def _other_text(finding: Finding, language: str) -> tuple[str, str]:
    """The finding's text in the first other content language that has one (English first)."""
    for code in resolution_order("en"):
        if code != language:
            value = getattr(finding, text_column(code))
            if value:
                return value, code
    return "", ""


def plan_translations(
    *, session: Session, result: ParseResult, language: str, replace: bool = False
) -> TranslationPlan:
    """Pair each item of the notes with its finding and list every mismatch.

    Mismatches: an item with no finding, a finding with no item, a list (country and
    kind) whose count differs, a country with no findings in the session, an item
    written in another alphabet than ``language``'s, and, unless ``replace``, an item
    whose finding already has a different text in ``language``. One query whatever the
    number of findings (the session's findings with their countries); the problems of
    the parse are listed too, all by line.
    """
    column = text_column(language)
    plan = TranslationPlan(language=language, problems=list(result.problems))
    findings: dict[tuple[int, str], dict[int, Finding]] = defaultdict(dict)
    countries_with_findings = set()
    for finding in Finding.objects.filter(session=session).select_related("country"):
        if finding.country_id is None:
            plan.regional += 1
            continue
        findings[finding.country_id, finding.kind][finding.position] = finding
        countries_with_findings.add(finding.country_id)

    items: dict[tuple[int, str], dict[int, NoteItem]] = defaultdict(dict)
    reported_countries = set()
    for item in result.items:
        if item.country.pk not in countries_with_findings:
            if item.country.pk not in reported_countries:
                reported_countries.add(item.country.pk)
                plan.problems.append(
                    Problem(
                        item.line,
                        _(
                            "%(country)s has no findings in this session: its items cannot be "
                            "paired with any. Check the country, or the session."
                        )
                        % {"country": item.country.display_name},
                    )
                )
            continue
        # The parser reports a number that repeats: the first item keeps it.
        items[item.country.pk, item.kind].setdefault(item.number, item)

    countries = {}
    for by_number in findings.values():
        for finding in by_number.values():
            countries[finding.country_id] = finding.country
    for item in result.items:
        countries.setdefault(item.country.pk, item.country)

    def order(key):
        country_id, kind = key
        return (countries[country_id].display_name, kind != Kind.SUCCESS)

    for key in sorted(set(findings) | set(items), key=order):
        country, kind = countries[key[0]], key[1]
        by_number, notes = findings.get(key, {}), items.get(key, {})
        list_name = _list_name(country, kind)
        first_line = min((item.line for item in notes.values()), default=None)
        if len(notes) != len(by_number):
            counts = {
                "list": list_name,
                "items": ngettext(
                    "%(count)s item in the notes", "%(count)s items in the notes", len(notes)
                )
                % {"count": len(notes)},
                "findings": ngettext(
                    "%(count)s finding in the session",
                    "%(count)s findings in the session",
                    len(by_number),
                )
                % {"count": len(by_number)},
            }
            plan.problems.append(
                Problem(first_line, _("%(list)s: %(items)s, %(findings)s.") % counts)
            )
        for number in sorted(set(by_number) | set(notes)):
            pair = Pair(country=country, kind=kind, number=number)
            pair.item, pair.finding = notes.get(number), by_number.get(number)
            if pair.finding is not None:
                pair.existing, pair.existing_language = _other_text(pair.finding, language)
                pair.current = getattr(pair.finding, column) or ""
            plan.pairs.append(pair)
            values = {"list": list_name, "number": number}
            if pair.finding is None:
                plan.problems.append(
                    Problem(
                        pair.item.line,
                        _("%(list)s: the session has no finding number %(number)s.") % values,
                    )
                )
            elif pair.item is None:
                values["text"] = _excerpt(pair.existing or pair.current)
                plan.problems.append(
                    Problem(
                        first_line,
                        _(
                            "%(list)s: finding number %(number)s (“%(text)s”) has no item in "
                            "the notes."
                        )
                        % values,
                    )
                )
            elif pair.is_replacement and not replace:
                values["text"] = _excerpt(pair.current)
                plan.problems.append(
                    Problem(
                        pair.item.line,
                        _(
                            "%(list)s: finding number %(number)s already has another text in "
                            "this language (“%(text)s”). Tick “Replace existing translations” "
                            "to replace it."
                        )
                        % values,
                    )
                )
    # Russian notes left under "English" would write Russian into the English texts.
    language_name = dict(settings.LANGUAGES)[language]
    for item in in_another_alphabet(result.items, language):
        plan.problems.append(
            Problem(
                item.line,
                _(
                    "%(list)s, item %(number)s does not look written in %(language)s: check "
                    "“Language”."
                )
                % {
                    "list": _list_name(item.country, item.kind),
                    "number": item.number,
                    "language": language_name,
                },
            )
        )
    plan.problems.sort(key=lambda problem: problem.line or 0)
    return plan


@dataclass
class TranslationsSaved:
    added: list[Pair]
    replaced: list[Pair]


def save_translations(
    *,
    session: Session,
    text: str,
    default_kind: str,
    language: str,
    replace: bool = False,
    user=None,
) -> TranslationsSaved:
    """Give the session's findings the texts of the notes in ``language``: all, or none.

    The notes are read and paired again within the transaction, with the session
    locked, so what is saved is what the findings are now; any problem (``NotesError``)
    saves nothing. Everything is one revision in the change history, by ``user`` when
    given.
    """
    column = text_column(language)
    result = parse_notes(text, countries=Country.objects.all(), default_kind=default_kind)
    if result.problems:
        raise NotesError(result.problems)
    try:
        with transaction.atomic(), reversion.create_revision():
            reversion.set_comment(_("Translations added from notes"))
            if user is not None:
                reversion.set_user(user)
            # Another save of the same session's notes waits for this one (PostgreSQL).
            session = Session.objects.select_for_update().get(pk=session.pk)
            plan = plan_translations(
                session=session, result=result, language=language, replace=replace
            )
            if plan.problems:
                raise NotesError(plan.problems)
            for pair in plan.changes:
                setattr(pair.finding, column, pair.item.text)
                pair.finding.save()
    except DatabaseError as error:
        message = _(
            "A translation could not be saved (someone else may have changed the same findings "
            "at the same moment), so nothing was saved. Preview the notes again."
        )
        raise NotesError([Problem(line=None, message=message)]) from error
    return TranslationsSaved(added=plan.additions, replaced=plan.replacements)
