"""A participant reads the site in Russian: the demo's own Russian texts, and a text the
Board has not translated yet, shown in English and said to be English."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import translation
from playwright.sync_api import expect

from dialogues.content import language_mark
from findings.demo import DIALOGUE, SESSIONS
from findings.enums import Kind

from .conftest import SESSION_URL
from .test_accessibility import describe

pytestmark = pytest.mark.browser

FIRST_SESSION = SESSIONS[0]


@pytest.fixture
def untranslated(demo_server):
    """A published dialogue whose session and finding the Board entered in English only."""
    from dialogues.models import Country
    from tests.conftest import make_dialogue, make_findings, make_session

    dialogue = make_dialogue(title="Civic space 2025", slug="civic-space-2025")
    session = make_session(dialogue, title="Digital advocacy", slug="digital-advocacy")
    make_findings(session, Country.objects.get(code="KG"))
    return session.get_absolute_url()


def test_participant_reads_the_russian_session_page(page, russian):
    page.goto("/")
    page.get_by_role("link", name=DIALOGUE["title_ru"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DIALOGUE["title_ru"])
    expect(page.locator(".series")).to_have_text(DIALOGUE["series_ru"])

    page.get_by_role("link", name=FIRST_SESSION["title_ru"]).click()
    page.wait_for_url(f"**{SESSION_URL}")
    expect(page).to_have_title(
        f"{FIRST_SESSION['title_ru']} · {DIALOGUE['title_ru']} · "
        + "I4C Центральная Азия и Монголия"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(FIRST_SESSION["title_ru"])
    expect(page.locator(".summary")).to_have_text(FIRST_SESSION["description_ru"])
    for code, name in (("kz", "Казахстан"), ("tj", "Таджикистан"), ("uz", "Узбекистан")):
        section = page.locator(f"#country-{code}")
        expect(section.locator("h2")).to_have_text(name)
        for kind, column in ((Kind.SUCCESS, "successes"), (Kind.PROBLEM, "problems")):
            expect(section.locator(f".column.{column} ol > li")).to_have_text(
                FIRST_SESSION["findings_ru"][kind][code.upper()]
            )
    # Nothing on the page is in English: no text carries another language.
    expect(page.locator("main [lang]")).to_have_count(0)


def test_an_untranslated_finding_is_read_in_english_and_said_to_be(page, russian, untranslated):
    page.goto(untranslated)
    heading = page.get_by_role("heading", level=1)
    with translation.override("ru"):
        mark = language_mark("en")  # “на английском”
    expect(heading).to_have_text(f"Digital advocacy ({mark})")
    expect(heading.locator("span")).to_have_attribute("lang", "en")
    finding = page.locator("#country-kg .column.successes ol > li")
    expect(finding).to_have_text(f"Finding 1 ({mark})")
    expect(finding.locator('[lang="en"]')).to_have_text("Finding 1")
    violations = Axe().run(page).response["violations"]
    assert violations == [], describe(violations)
