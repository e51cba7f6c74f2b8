"""The dialogue's report, built once and read by the three renderers (page, Word, PDF).

The report is the one the Board writes for members and donors after a dialogue:
organiser, series and title, what the dialogue was for, when and how it was held,
its sessions, then per session the successes and the problems, country by
country, numbered as in the record. The findings come in two styles: run-in, as
the network publishes them (“Kazakhstan: 1) …; 2) …”), which the notes page
reads back into the same findings, or as numbered lists.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from actions.models import Action
from actions.views import with_timeline
from dialogues.content import localized, marked_text
from dialogues.models import Country, Dialogue, Session
from dialogues.zones import zone_name
from findings.enums import Kind
from findings.models import Finding

RUN_IN = "run-in"
LIST = "list"
# The styles of the findings, the first the default.
STYLES = {RUN_IN: _("run-in text"), LIST: _("numbered lists")}


@dataclass
class CountryList:
    """One country's successes or problems in a session (``country`` None: regional)."""

    country: Country | None
    findings: list[Finding]

    @property
    def name(self) -> str:
        """The country's name in the active language, marked when it is in another."""
        if self.country is None:
            return gettext("Regional")
        return marked_text(self.country, "name")

    def items(self) -> list[tuple[int, str]]:
        """(number, text) of each finding, the text marked when in another language."""
        return [(finding.position, marked_text(finding, "text")) for finding in self.findings]

    def run_in(self) -> str:
        """“Kazakhstan: 1) …; 2) …”, as plain text."""
        items = "; ".join(f"{number}) {text}" for number, text in self.items())
        return f"{self.name}: {items}"


@dataclass
class SessionReport:
    session: Session
    successes: list[CountryList] = field(default_factory=list)
    problems: list[CountryList] = field(default_factory=list)

    @property
    def has_findings(self) -> bool:
        return bool(self.successes or self.problems)

    def parts(self) -> list[tuple[str, str, list[CountryList]]]:
        """(kind, heading, lists) of the kinds the session has findings of, successes first."""
        parts = [
            (Kind.SUCCESS, SUCCESS_HEADING, self.successes),
            (Kind.PROBLEM, PROBLEM_HEADING, self.problems),
        ]
        return [(kind, str(heading), lists) for kind, heading, lists in parts if lists]


# The headings name the kind as the notes page reads it: a heading ending with a colon
# that says “successes” or “problems” sets the kind of the lines after it.
SUCCESS_HEADING = _("Successes and good practice:")
PROBLEM_HEADING = _("Problems and barriers:")


@dataclass
class Report:
    dialogue: Dialogue
    countries: list[Country]
    sessions: list[SessionReport]
    # What the network agreed to do about the problems, oldest first, with their updates.
    actions: list[Action] = field(default_factory=list)

    @property
    def is_draft(self) -> bool:
        return not self.dialogue.is_published

    @property
    def has_findings(self) -> bool:
        return any(session.has_findings for session in self.sessions)


def report_dialogues(dialogues):
    """``dialogues`` (a queryset) with what the report reads besides the findings: the
    participating countries and the sessions, in order. Two queries more when fetched."""
    return dialogues.prefetch_related(
        Prefetch("countries", queryset=Country.objects.order_by(localized("name"))),
        Prefetch("sessions", queryset=Session.objects.order_by("position")),
    )


def build_report(dialogue: Dialogue) -> Report:
    """The report of ``dialogue`` (fetched through ``report_dialogues``) in the active
    language: one query for the findings with their countries, one for the follow-up
    actions and, when there are some, two for their countries and updates."""
    sessions = {session.pk: SessionReport(session) for session in dialogue.sessions.all()}
    findings = (
        Finding.objects.filter(session__dialogue=dialogue)
        .select_related("country")
        .order_by(
            "session_id",
            "-kind",
            localized("country__name").asc(nulls_last=True),
            "country_id",
            "position",
        )
    )
    for finding in findings:
        report = sessions[finding.session_id]
        lists = report.successes if finding.kind == Kind.SUCCESS else report.problems
        if not lists or lists[-1].country != finding.country:
            lists.append(CountryList(finding.country, []))
        lists[-1].findings.append(finding)
    return Report(
        dialogue=dialogue,
        countries=list(dialogue.countries.all()),
        sessions=list(sessions.values()),
        actions=list(
            with_timeline(Action.objects.filter(dialogue=dialogue)).order_by("created", "pk")
        ),
    )


def when_text(dialogue: Dialogue) -> str:
    """“20 September 2024, 16:00–18:30 (Bishkek time, UTC+0600)”: as the pages say it."""
    start, end = timezone.localtime(dialogue.start), timezone.localtime(dialogue.end)
    text = f"{date_format(start, 'DATE_FORMAT')}, {time_format(start, 'H:i')}–"
    if end.date() != start.date():
        text += f"{date_format(end, 'DATE_FORMAT')}, "
    return text + f"{time_format(end, 'H:i')} ({zone_name()}, UTC{start.strftime('%z')})"
