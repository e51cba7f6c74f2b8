from pathlib import Path
from typing import NoReturn

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dialogues.models import Country, Dialogue, Session
from findings.enums import Kind
from findings.notes import NotesError, Problem, parse_notes, plan_notes, save_findings


class Command(BaseCommand):
    help = (
        "Add a session's findings from a rapporteur's notes (lines like "
        "“Kazakhstan: 1) …; 2) …”): all of them, or none when the notes have a problem. "
        "Items already in their lists are skipped unless --add-duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument("dialogue", help="The dialogue's slug.")
        parser.add_argument("session", help="The session's slug within the dialogue.")
        parser.add_argument("file", type=Path, help="The notes, a UTF-8 text file.")
        parser.add_argument(
            "--kind",
            choices=Kind.values,
            default=Kind.SUCCESS,
            help="The kind of the lines before the first heading that names one (default: "
            "success).",
        )
        parser.add_argument(
            "--language",
            choices=settings.CONTENT_LANGUAGES,
            default=settings.CONTENT_LANGUAGES[0],
            help="The language the notes are written in: the findings get their text in it "
            "(default: %(default)s).",
        )
        parser.add_argument(
            "--add-duplicates",
            action="store_true",
            help="Add the items whose text is already in their list, too.",
        )
        parser.add_argument(
            "--add-countries",
            action="store_true",
            help="Add the countries of the notes to the dialogue's participating countries.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show the findings; save nothing."
        )

    def handle(
        self, *args, dialogue, session, file, kind, language, dry_run, add_duplicates,
        add_countries, **options,
    ):  # fmt: skip
        session = self.get_session(dialogue_slug=dialogue, session_slug=session)
        try:
            # utf-8-sig: Notepad and Excel save a byte-order mark.
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error}
            ) from error

        result = parse_notes(text, countries=Country.objects.all(), default_kind=kind)
        if result.problems:
            self.fail(result.problems)
        plan = plan_notes(
            session=session, result=result, add_duplicates=add_duplicates, language=language
        )
        if not dry_run:
            try:
                saved = save_findings(
                    session=session,
                    text=text,
                    default_kind=kind,
                    add_duplicates=add_duplicates,
                    add_countries=add_countries,
                    language=language,
                )
            except NotesError as error:
                self.fail(error.problems)
            findings, skipped = saved.created, saved.skipped
        else:
            findings, skipped = plan.findings, plan.skipped

        for finding in findings:
            self.stdout.write(
                f"{finding.country.name}\t{finding.get_kind_display()}\t"
                f"{finding.position}\t{finding.text}"
            )
        for planned in skipped:
            self.stderr.write(
                _("line %(line)s: already in its list, skipped: %(text)s")
                % {"line": planned.item.line, "text": planned.item.text}
            )
        if plan.outside_countries and (dry_run or not add_countries):
            self.stderr.write(
                _(
                    "Not among the dialogue's participating countries: %(countries)s "
                    "(--add-countries adds them)."
                )
                % {"countries": ", ".join(c.name for c in plan.outside_countries)}
            )
        count = len(findings)
        values = {"count": count, "session": session}
        if dry_run:
            message = ngettext(
                "Dry run: %(count)s finding would be added to “%(session)s”.",
                "Dry run: %(count)s findings would be added to “%(session)s”.",
                count,
            )
        else:
            message = ngettext(
                "Added %(count)s finding to “%(session)s”.",
                "Added %(count)s findings to “%(session)s”.",
                count,
            )
        message %= values
        if skipped:
            message += " " + ngettext(
                "Skipped %(count)s item already in its list.",
                "Skipped %(count)s items already in their lists.",
                len(skipped),
            ) % {"count": len(skipped)}
        if not dry_run and saved.countries_added:
            message += " " + ngettext(
                "Added %(countries)s to the dialogue's participating countries.",
                "Added %(countries)s to the dialogue's participating countries.",
                len(saved.countries_added),
            ) % {"countries": ", ".join(c.name for c in saved.countries_added)}
        self.stdout.write(self.style.SUCCESS(message))

    def get_session(self, *, dialogue_slug: str, session_slug: str) -> Session:
        try:
            dialogue = Dialogue.objects.get(slug=dialogue_slug)
        except Dialogue.DoesNotExist:
            raise CommandError(
                _("No dialogue with the slug “%(slug)s”.") % {"slug": dialogue_slug}
            ) from None
        try:
            return dialogue.sessions.get(slug=session_slug)
        except Session.DoesNotExist:
            raise CommandError(
                _("The dialogue “%(dialogue)s” has no session with the slug “%(slug)s”.")
                % {"dialogue": dialogue_slug, "slug": session_slug}
            ) from None

    def fail(self, problems: list[Problem]) -> NoReturn:
        for problem in problems:
            self.stderr.write(
                _("line %(line)s: %(message)s")
                % {"line": problem.line or "-", "message": problem.message}
            )
        raise CommandError(_("The notes have problems; nothing was saved."))
