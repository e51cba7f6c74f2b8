"""The report as a Word document the Board can edit (python-docx).

Real headings (Title, Heading 1-3), paragraphs and numbered lists whose numbers are
the record's: each list restarts at its first number, and a gap in the record's
numbers starts a new list there. The document's language is the report's, so Word
checks the spelling of a Russian report in Russian.
"""

import io
import re

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dialogues.content import content_language, language_mark, marked_text, pick

from .content import LIST, Report, when_text

WORD_LANGUAGES = {"en": "en-GB", "ru": "ru-RU"}


def _set_language(document, language: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = document.styles["Normal"].element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), WORD_LANGUAGES.get(language, language))
    rpr.append(lang)


class _Numbering:
    """Word lists numbered ``1)``, ``2)`` as the network's reports are, each starting
    where the record's numbers start."""

    def __init__(self, document):
        from docx.oxml import parse_xml
        from docx.oxml.ns import nsdecls, qn

        self.numbering = document.part.numbering_part.element
        ids = [int(value) for value in self.numbering.xpath("./w:abstractNum/@w:abstractNumId")]
        self.abstract_id = max(ids, default=-1) + 1
        abstract = parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{self.abstract_id}">'
            '<w:multiLevelType w:val="singleLevel"/>'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
            '<w:lvlText w:val="%1)"/><w:lvlJc w:val="left"/>'
            '<w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl>'
            "</w:abstractNum>"
        )
        # Every abstractNum comes before the first num (the schema's order).
        first_num = self.numbering.find(qn("w:num"))
        if first_num is None:
            self.numbering.append(abstract)
        else:
            first_num.addprevious(abstract)

    def new_list(self, start: int) -> int:
        num = self.numbering.add_num(self.abstract_id)
        num.add_lvlOverride(ilvl=0).add_startOverride(start)
        return num.numId

    @staticmethod
    def number(paragraph, num_id: int) -> None:
        num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = 0
        num_pr.get_or_add_numId().val = num_id


def _numbered(document, numbering: _Numbering, items: list[tuple[int, str]]) -> None:
    """One paragraph per item, in Word lists that show the record's numbers."""
    expected = None
    for number, text in items:
        if number != expected:
            num_id = numbering.new_list(number)
        paragraph = document.add_paragraph(text, style="List Paragraph")
        numbering.number(paragraph, num_id)
        expected = number + 1


def _block(document, obj, field: str) -> None:
    """A text of several paragraphs (blank lines between them), marked when in another
    language, as the page shows it."""
    value, code = pick(obj, field)
    for part in re.split(r"\n\s*\n", value.strip()):
        paragraph = document.add_paragraph()
        lines = part.splitlines()
        for index, line in enumerate(lines):
            run = paragraph.add_run(line.strip())
            if index < len(lines) - 1:
                run.add_break()
    if value and code != content_language():
        document.add_paragraph(f"({language_mark(code)})")


def _fact(document, label: str, value: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(value)


def render_docx(report: Report, *, style: str, language: str) -> bytes:
    """The .docx file of ``report``, in the active language."""
    from docx import Document

    dialogue = report.dialogue
    document = Document()
    _set_language(document, language)
    numbering = _Numbering(document)
    title = marked_text(dialogue, "title")
    properties = document.core_properties
    properties.title = title
    properties.subject = marked_text(dialogue, "series")
    properties.author = marked_text(dialogue, "organiser")
    properties.language = WORD_LANGUAGES.get(language, language)
    if report.is_draft:
        draft = "{}: {}".format(
            _("Draft"), _("this dialogue is not published. Only the Board can see this preview.")
        )
        header = document.sections[0].header.paragraphs[0]
        header.add_run(draft).bold = True
        properties.keywords = _("Draft")

    if dialogue.organiser:
        document.add_paragraph().add_run(marked_text(dialogue, "organiser")).bold = True
    if dialogue.series:
        document.add_paragraph(marked_text(dialogue, "series"), style="Subtitle")
    document.add_heading(title, level=0)
    _fact(document, _("When"), when_text(dialogue))
    _fact(document, _("Format"), dialogue.get_format_display())
    if report.countries:
        names = ", ".join(marked_text(country, "name") for country in report.countries)
        _fact(document, _("Participating countries"), names)
    if dialogue.summary:
        document.add_heading(_("About the dialogue"), level=1)
        _block(document, dialogue, "summary")
    if report.sessions:
        document.add_heading(_("Sessions"), level=1)
        _numbered(
            document,
            numbering,
            [(e.session.position, marked_text(e.session, "title")) for e in report.sessions],
        )

    document.add_heading(_("Main findings and highlights"), level=1)
    if not report.sessions:
        document.add_paragraph(_("No sessions yet."))
    for entry in report.sessions:
        session_title = marked_text(entry.session, "title")
        number = _("Session %(number)s") % {"number": entry.session.position}
        document.add_heading(f"{number}. {session_title}", level=2)
        if entry.session.description:
            _block(document, entry.session, "description")
        if not entry.has_findings:
            document.add_paragraph(_("No findings have been recorded for this session yet."))
        for _kind, heading, lists in entry.parts():
            document.add_heading(heading, level=3)
            for country_list in lists:
                if style == LIST:
                    paragraph = document.add_paragraph()
                    paragraph.add_run(f"{country_list.name}:").bold = True
                    paragraph.paragraph_format.keep_with_next = True
                    _numbered(document, numbering, country_list.items())
                else:
                    paragraph = document.add_paragraph()
                    paragraph.add_run(country_list.name).bold = True
                    paragraph.add_run(country_list.run_in().removeprefix(country_list.name))

    document.add_heading(_("Follow-up actions"), level=1)
    if not report.actions:
        document.add_paragraph(_("No follow-up actions have been recorded for this dialogue yet."))
    for action in report.actions:
        document.add_heading(marked_text(action, "title"), level=2)
        facts = [f"{_('Status')}: {action.get_status_display()}"]
        if action.due_date:
            facts.append(f"{_('Due')}: {date_format(action.due_date, 'DATE_FORMAT')}")
        facts.append(f"{_('Carried by')}: {marked_text(action, 'carried_by')}")
        document.add_paragraph(" · ".join(facts))
        if action.description:
            _block(document, action, "description")
        update = action.latest_update
        if update is None:
            document.add_paragraph(_("No progress recorded yet."))
        else:
            paragraph = document.add_paragraph()
            when = date_format(update.date, "DATE_FORMAT")
            paragraph.add_run(f"{_('Latest update')}, {when}: ").italic = True
            paragraph.add_run(marked_text(update, "note"))

    output = io.BytesIO()
    document.save(output)
    return output.getvalue()
