"""The dialogue's report: the printable page, the Word file and the PDF, in English and
Russian, for the demo dialogue of 20 September 2024 and for dialogues made here."""

import ast
import datetime
import html
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from actions.models import Action
from actions.services import add_update
from dialogues.content import language_mark
from dialogues.enums import Status
from dialogues.models import Country, Dialogue, Session
from findings.demo import DIALOGUE, SESSIONS
from findings.enums import Kind
from findings.models import Finding
from findings.notes import parse_notes, plan_notes

from .conftest import make_dialogue, make_findings, make_session
from .test_notes import demo_first_session, press, preview, saved
from .test_pages import fill

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SLUG = DIALOGUE["slug"]
PAGE = f"/dialogues/{SLUG}/report/"
DOCX = f"/dialogues/{SLUG}/report.docx"
PDF = f"/dialogues/{SLUG}/report.pdf"
RU = {"HTTP_ACCEPT_LANGUAGE": "ru"}


@pytest.fixture
def demo(settings):
    settings.CONTENT_LANGUAGES = ["en", "ru"]
    call_command("load_demo")


def text_of(fragment: str) -> str:
    """What a reader reads in an HTML fragment: tags dropped, spaces as a browser shows them."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def session_section(page: str, position: int) -> str:
    found = re.search(
        rf'<section class="report-session" id="session-{position}">(.*?)</section>', page, re.S
    )
    assert found, page
    return found.group(1)


def findings_text(page: str, position: int) -> str:
    """The findings of a session as copied from the page: one line per heading and per
    country."""
    section = session_section(page, position)
    section = section[section.index('<div class="findings-text">') :]
    blocks = re.findall(r"<(h4|p)\b[^>]*>(.*?)</\1>", section, re.S)
    return "\n".join(text_of(content) for _, content in blocks) + "\n"


def words(line: str) -> list[str]:
    return re.findall(r"\w+", line)


def docx_paragraphs(content: bytes) -> list[tuple[str, str]]:
    """(style, text) of each paragraph of the Word file."""
    document = Document(io.BytesIO(content))
    return [(paragraph.style.name, paragraph.text) for paragraph in document.paragraphs]


def docx_numbers(content: bytes) -> list[tuple[str, int | None, int | None]]:
    """(text, numId, the list's start) of each numbered paragraph."""
    document = Document(io.BytesIO(content))
    numbering = document.part.numbering_part.element
    starts = {}
    for num in numbering.findall(qn("w:num")):
        start = num.find(f"{qn('w:lvlOverride')}/{qn('w:startOverride')}")
        starts[int(num.get(qn("w:numId")))] = None if start is None else int(start.get(qn("w:val")))
    found = []
    for paragraph in document.paragraphs:
        num_pr = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
        if num_pr is not None and num_pr.numId is not None:
            num_id = num_pr.numId.val
            found.append((paragraph.text, num_id, starts.get(num_id)))
    return found


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# The page


def test_report_page_gives_the_demo_in_the_shape_of_the_boards_report(client, demo):
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.text
    head = text_of(re.search(r'<header class="report-head">(.*?)</header>', page, re.S).group(1))
    assert head == f"{DIALOGUE['organiser']} {DIALOGUE['series']} {DIALOGUE['title']}"
    facts = re.search(r'<dl class="facts">(.*?)</dl>', page, re.S).group(1)
    facts = " ".join(text_of(item) for item in re.findall(r"<d[td]>(.*?)</d[td]>", facts, re.S))
    assert facts == (
        "When Sept. 20, 2024, 16:00–18:30 (Bishkek time, UTC+0600) Format Online "
        "Participating countries Kazakhstan, Kyrgyzstan, Tajikistan, Uzbekistan"
    )
    assert "The online Regional Dialogue was held by the Innovation for Change" in page
    sessions = re.search(r'<section class="report-sessions">(.*?)</section>', page, re.S)
    assert re.findall(r'<li value="(\d)">(.*?)</li>', sessions.group(1)) == [
        ("1", SESSIONS[0]["title"]),
        ("2", SESSIONS[1]["title"]),
    ]
    first = findings_text(page, 1).splitlines()
    assert first[0] == "Successes and good practice:"
    assert [line.split(":")[0] for line in first] == [
        "Successes and good practice",
        "Kazakhstan",
        "Tajikistan",
        "Uzbekistan",
        "Problems and barriers",
        "Kazakhstan",
        "Tajikistan",
        "Uzbekistan",
    ]
    second = text_of(session_section(page, 2))
    assert second.endswith("No findings have been recorded for this session yet.")


def test_report_reproduces_the_seed_reports_findings_word_for_word(client, demo):
    """The lines of the report of 20 September 2024 for Kazakhstan, Tajikistan and
    Uzbekistan, successes then problems, are the page's, word for word; the only other
    differences are the seed's two typos (“processes-;”, “2)Activities”)."""
    seed = (DATA / "report_seed_findings_first_session.txt").read_text(encoding="utf-8")
    seed_lines = [line for line in seed.splitlines() if re.match(r"\w+: 1\)", line)]
    assert len(seed_lines) == 6
    report_lines = [
        line
        for line in findings_text(client.get(PAGE).text, 1).splitlines()
        if not line.endswith(":")
    ]
    assert [words(line) for line in report_lines] == [words(line) for line in seed_lines]
    typos_fixed = [
        line.replace("processes-;", "processes;").replace("2)Activities", "2) Activities")
        for line in seed_lines
    ]
    assert report_lines == typos_fixed


def test_report_findings_pasted_into_the_notes_give_back_the_same_19_findings(client, demo):
    notes = findings_text(client.get(PAGE).text, 1)
    result = parse_notes(notes, countries=Country.objects.all(), default_kind=Kind.PROBLEM)
    assert result.problems == []
    empty = Session.objects.select_related("dialogue").get(dialogue__slug=SLUG, position=2)
    plan = plan_notes(session=empty, result=result)
    found = sorted(
        (f.country.code, f.kind, f.position, f.text_en) for f in plan.findings
    )  # fmt: skip
    assert found == sorted(demo_first_session())
    assert len(found) == 19
    assert plan.skipped == []


def test_report_findings_pasted_on_the_notes_page_of_an_empty_session_save_the_same_findings(
    client, board_client, demo
):
    notes = findings_text(client.get(PAGE).text, 1)
    empty = Session.objects.get(dialogue__slug=SLUG, position=2)
    response = preview(board_client, empty, notes)
    response = press(board_client, empty, response, "_save")
    assert response.status_code == 200
    assert saved(empty) == sorted(demo_first_session())


def test_report_as_lists_numbers_each_item_as_the_record_does(client, country):
    session = make_session(make_dialogue(slug="numbers"))
    make_findings(session, country, Kind.SUCCESS, count=3)
    Finding.objects.filter(session=session, position=2).delete()  # a gap: 1, 3
    page = client.get("/dialogues/numbers/report/?style=list").text
    section = session_section(page, session.position)
    assert '<p class="country-name">Kazakhstan:</p>' in section
    assert re.findall(r'<li value="(\d+)">(.*?)</li>', section) == [
        ("1", "Finding 1"),
        ("3", "Finding 3"),
    ]
    run_in = session_section(client.get("/dialogues/numbers/report/").text, session.position)
    assert "<strong>Kazakhstan</strong>: 1) Finding 1; 3) Finding 3</p>" in run_in


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?style=bullets", "There is no report style “bullets”: choose one of run-in, list."),
        ("?style=", "There is no report style “”: choose one of run-in, list."),
        ("?lang=de", "Language: choose one of en, ru."),
    ],
)
@pytest.mark.parametrize("url", [PAGE, DOCX, PDF])
def test_report_refuses_a_style_or_language_it_does_not_know_with_a_message(
    client, demo, settings, url, query, message
):
    settings.CONTENT_LANGUAGES = ["en", "ru"]
    response = client.get(url + query)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert f'<p class="error">{html.escape(message)}</p>' in response.text.replace("&#x27;", "'")


def test_unknown_dialogue_has_no_report(client, demo):
    for url in (
        "/dialogues/nope/report/",
        "/dialogues/nope/report.docx",
        "/dialogues/nope/report.pdf",
    ):
        assert client.get(url).status_code == 404


# Drafts


def test_draft_dialogues_report_is_404_for_the_public_like_a_missing_one(client, country):
    session = make_session(make_dialogue(status=Status.DRAFT, slug="secret", title="Secret"))
    make_findings(session, country)
    for form in ("report/", "report.docx", "report.pdf"):
        draft = client.get(f"/dialogues/secret/{form}")
        never = client.get(f"/dialogues/never-existed/{form}")
        assert draft.status_code == never.status_code == 404
        assert "Secret" not in draft.text


def test_draft_dialogues_report_is_a_preview_marked_draft_for_the_board(board_client, country):
    session = make_session(make_dialogue(status=Status.DRAFT, slug="secret", title="Secret"))
    make_findings(session, country)
    page = board_client.get("/dialogues/secret/report/")
    assert page.status_code == 200
    assert "this dialogue is not published" in page.text
    assert '<p class="watermark" aria-hidden="true">Draft</p>' in page.text
    paragraphs = docx_paragraphs(board_client.get("/dialogues/secret/report.docx").content)
    document = Document(io.BytesIO(board_client.get("/dialogues/secret/report.docx").content))
    assert document.sections[0].header.paragraphs[0].text == (
        "Draft: this dialogue is not published. Only the Board can see this preview."
    )
    assert ("Title", "Secret") in paragraphs
    pdf = pdf_text(board_client.get("/dialogues/secret/report.pdf").content)
    assert "Draft" in pdf and "Secret" in pdf


# Queries


@pytest.mark.parametrize("size", [1, 12])
def test_report_page_and_word_file_cost_a_fixed_number_of_queries(
    uncached, client, django_assert_num_queries, size
):
    dialogue = fill(size, size)
    dialogue.countries.set(Country.objects.all())
    for number in range(size):
        action = Action.objects.create(dialogue=dialogue, title=f"Act {number}", carried_by="Board")
        action.countries.set(Country.objects.all())
        add_update(action=action, date=timezone.localdate(dialogue.start), note="Begun")
    # the dialogue, its countries, its sessions, the findings with their countries, the
    # follow-up actions, their countries and their updates
    with django_assert_num_queries(7):
        page = client.get(reverse("dialogue_report", kwargs={"slug": dialogue.slug}))
    assert page.text.count('<p class="run">') == size * 6 * 2
    assert page.text.count('<section class="report-action">') == size
    with django_assert_num_queries(7):
        client.get(reverse("dialogue_report_docx", kwargs={"slug": dialogue.slug}))
    with django_assert_num_queries(7):
        client.get(reverse("dialogue_report", kwargs={"slug": dialogue.slug}), **RU)
    with django_assert_num_queries(7):
        client.get(reverse("dialogue_report_pdf", kwargs={"slug": dialogue.slug}) + "?style=list")


def test_the_report_ends_with_the_follow_up_actions_and_their_status(client, demo):
    dialogue = Dialogue.objects.get(slug=SLUG)
    action = Action.objects.create(
        dialogue=dialogue,
        title="Map the NGO registration rules",
        title_ru="Составить обзор правил регистрации НКО",
        carried_by="I4C Board",
        carried_by_ru="Правление I4C",
        due_date=datetime.date(2025, 3, 1),
    )
    action.problems.set(Finding.objects.filter(kind="problem")[:2])
    add_update(
        action=action,
        date=datetime.date(2024, 10, 1),
        note="Drafted for Kazakhstan",
        note_ru="Черновик по Казахстану готов",
        status="in_progress",
    )
    page = client.get(PAGE).text
    section = page[page.index('<section class="report-actions">') :]
    assert "Map the NGO registration rules" in section
    assert "Status: In progress · Due: March 1, 2025 · Carried by: I4C Board" in section
    assert "Drafted for Kazakhstan" in section
    paragraphs = docx_paragraphs(client.get(DOCX).content)
    assert ("Heading 1", "Follow-up actions") in paragraphs
    assert ("Heading 2", "Map the NGO registration rules") in paragraphs
    assert paragraphs[-1] == ("Normal", "Latest update, Oct. 1, 2024: Drafted for Kazakhstan")
    russian = pdf_text(client.get(PDF, **RU).content)
    assert "Составить обзор правил регистрации НКО" in russian
    assert "Черновик по Казахстану готов" in russian


def test_a_report_without_actions_says_so(client, demo):
    page = client.get(PAGE).text
    assert "No follow-up actions have been recorded for this dialogue yet." in page


# The Word file


def test_word_file_has_real_headings_and_the_run_in_findings(client, demo):
    response = client.get(DOCX)
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Disposition"] == f'attachment; filename="{SLUG}-report-en.docx"'
    paragraphs = docx_paragraphs(response.content)
    headings = [
        (style, text) for style, text in paragraphs if style.startswith(("Heading", "Title"))
    ]
    assert headings == [
        ("Title", DIALOGUE["title"]),
        ("Heading 1", "About the dialogue"),
        ("Heading 1", "Sessions"),
        ("Heading 1", "Main findings and highlights"),
        ("Heading 2", f"Session 1. {SESSIONS[0]['title']}"),
        ("Heading 3", "Successes and good practice:"),
        ("Heading 3", "Problems and barriers:"),
        ("Heading 2", f"Session 2. {SESSIONS[1]['title']}"),
        ("Heading 1", "Follow-up actions"),
    ]
    texts = [text for _, text in paragraphs]
    assert texts[:2] == [DIALOGUE["organiser"], DIALOGUE["series"]]
    assert "When: Sept. 20, 2024, 16:00–18:30 (Bishkek time, UTC+0600)" in texts
    page_lines = findings_text(client.get(PAGE).text, 1).splitlines()
    start = texts.index("Successes and good practice:")
    assert texts[start : start + 8] == page_lines
    # The sessions are a Word numbered list starting at 1.
    assert docx_numbers(response.content)[0][0] == SESSIONS[0]["title"]
    assert docx_numbers(response.content)[0][2] == 1


def test_word_file_in_russian_as_lists_numbers_each_country_from_its_first_item(client, demo):
    response = client.get(DOCX + "?style=list", **RU)
    assert response["Content-Disposition"] == f'attachment; filename="{SLUG}-report-ru.docx"'
    document = Document(io.BytesIO(response.content))
    assert document.core_properties.title == DIALOGUE["title_ru"]
    assert document.core_properties.language == "ru-RU"
    numbered = docx_numbers(response.content)
    sessions, findings = numbered[:2], numbered[2:]
    assert [text for text, _, _ in sessions] == [SESSIONS[0]["title_ru"], SESSIONS[1]["title_ru"]]
    kz = SESSIONS[0]["findings_ru"][Kind.SUCCESS]["KZ"]
    assert [text for text, _, _ in findings[:9]] == kz
    # One Word list per country and kind, each starting at 1: six lists for 19 items.
    lists = {num_id: start for _, num_id, start in findings}
    assert len(findings) == 19
    assert list(lists.values()) == [1] * 6
    texts = [text for _, text in docx_paragraphs(response.content)]
    assert "Казахстан:" in texts and "Узбекистан:" in texts


def test_word_file_keeps_a_gap_in_the_records_numbers(client, country):
    session = make_session(make_dialogue(slug="numbers"))
    make_findings(session, country, Kind.PROBLEM, count=4)
    Finding.objects.filter(session=session, position=2).delete()
    numbered = docx_numbers(client.get("/dialogues/numbers/report.docx?style=list").content)
    findings = [(text, start) for text, _, start in numbered[1:]]
    # Items 1, 3, 4: a list from 1, then one from 3 that goes on to 4.
    assert [text for text, _ in findings] == ["Finding 1", "Finding 3", "Finding 4"]
    ids = [num_id for _, num_id, _ in numbered[1:]]
    assert ids[1] == ids[2] != ids[0]
    assert [start for _, start in findings] == [1, 3, 3]


def test_word_file_marks_a_text_in_another_language(client, country, settings):
    settings.CONTENT_LANGUAGES = ["en", "ru"]
    session = make_session(make_dialogue(slug="untranslated", title="Civic space"))
    make_findings(session, country)
    texts = [
        text
        for _, text in docx_paragraphs(
            client.get("/dialogues/untranslated/report.docx", **RU).content
        )
    ]
    with translation.override("ru"):
        mark = language_mark("en")
    assert f"Казахстан: 1) Finding 1 ({mark})" in texts
    assert ("Civic space" + f" ({mark})") in texts


# The PDF


def test_pdf_in_russian_holds_the_russian_report(client, demo, uncached):
    response = client.get(PDF, **RU)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{SLUG}-report-ru.pdf"'
    text = " ".join(pdf_text(response.content).split())
    assert DIALOGUE["title_ru"] in text
    assert "Казахстан: 1) Соблюдение стандартов участия общественности" in text
    assert "Государственные органы боятся работать с НКО" in text
    # Page numbers, and nothing of the site around the report.
    assert re.search(r"\b1 / \d\b", text)
    assert "Download this report" not in text and "Language" not in text


def test_pdf_of_a_draft_as_lists_is_marked_draft_on_every_page(board_client, demo):
    Dialogue.objects.filter(slug=SLUG).update(status=Status.DRAFT, published_at=None)
    response = board_client.get(PDF + "?style=list")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert all("Draft" in page for page in pages)
    text = " ".join(pages)
    assert "Kazakhstan: Compliance with standards of public participation" in text
    assert "Government agencies are afraid to work with NGOs" in text


def test_pdf_is_kept_until_the_content_changes(client, demo, settings):
    settings.PAGE_CACHE_SECONDS = 600
    client.cookies["sessionid"] = "x"  # past the page cache, as the Board comes
    first = client.get(PDF)
    assert "Lack of unity and partnership" in pdf_text(first.content)
    finding = Finding.objects.get(text_en="Lack of unity and partnership")
    # Behind the app's back: no signal, the content version stays, the PDF is kept.
    Finding.objects.filter(pk=finding.pk).update(text_en="Lack of unity")
    kept = client.get(PDF)
    assert kept.content == first.content
    # Saved as the admin saves: a new content version, a new PDF at once.
    finding.refresh_from_db()
    finding.text_en = "Lack of unity and of partnership"
    finding.save()
    changed = client.get(PDF)
    assert "Lack of unity and of partnership" in " ".join(pdf_text(changed.content).split())


# Links to the report


def test_dialogue_page_links_to_the_three_forms_of_the_report(client, demo):
    page = client.get(f"/dialogues/{SLUG}/").text
    assert f'<a href="{PAGE}">printable page</a>' in page
    assert f'<a href="{DOCX}" download>Word document (.docx)</a>' in page
    assert f'<a href="{PDF}">PDF</a>' in page


def test_report_page_links_its_other_forms_and_styles(client, demo):
    page = client.get(PAGE + "?style=list&lang=ru").text
    assert f'<a href="{DOCX}?style=list&amp;lang=ru" download>' in page
    assert f'<a href="{PDF}?style=list&amp;lang=ru">' in page
    assert '<a href="?style=run-in&amp;lang=ru">' in page
    assert '<html lang="ru">' in page


def test_admin_dialogue_page_links_to_the_report_in_each_language(board_client, demo, settings):
    settings.CONTENT_LANGUAGES = ["en", "ru"]
    dialogue = Dialogue.objects.get(slug=SLUG)
    page = board_client.get(reverse("admin:dialogues_dialogue_change", args=[dialogue.pk])).text
    for code, name in (("en", "English"), ("ru", "Russian")):
        assert (
            f'<li>{name}: <a href="{PAGE}?lang={code}">printable page</a> · '
            f'<a href="{DOCX}?lang={code}">Word document (.docx)</a> · '
            f'<a href="{PDF}?lang={code}">PDF</a></li>'
        ) in page


def test_neither_dialogues_nor_findings_import_the_reports():
    imported = {}
    for app in ("dialogues", "findings"):
        names = set()
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module:
                    names.add(node.module.split(".")[0])
                elif isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
        imported[app] = names
    assert "django" in imported["dialogues"] and "django" in imported["findings"]
    assert "reports" not in imported["dialogues"] | imported["findings"]


def test_a_session_cannot_take_the_reports_address(board_client):
    from .test_admin import page_form

    dialogue = make_dialogue()
    add = reverse("admin:dialogues_session_add")
    data = page_form(board_client, add, "session_form")
    data.update(dialogue=str(dialogue.pk), title_en="Report", slug="report")
    response = board_client.post(add, data)
    assert response.status_code == 200
    assert "“report” is the address of the dialogue&#x27;s report: choose another slug." in (
        response.text
    )
    assert not dialogue.sessions.exists()
