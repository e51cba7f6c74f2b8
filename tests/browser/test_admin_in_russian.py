"""A Board member works in the Russian admin: Django's own wording stays Django's
(«Изменить», «Найти»), ours reads as a Russian-speaking editor writes it, and the pages
name the time zone and keep a number next to its word."""

import re

import pytest
from playwright.sync_api import expect

from findings.demo import DIALOGUE

pytestmark = pytest.mark.browser


@pytest.fixture
def russian_board_page(board_page, context, demo_server):
    """Signed in (in English, as the sign-in steps are tested), then switched to Russian."""
    context.add_cookies([{"name": "django_language", "value": "ru", "url": demo_server.url}])
    return board_page


def test_the_admin_index_in_russian_keeps_djangos_words(
    russian_board_page,
):
    page = russian_board_page
    page.goto("/admin/")
    content = page.locator("#content-main")
    expect(content.get_by_role("link", name="Изменить").first).to_be_visible()
    expect(content).not_to_contain_text("Сменить")
    expect(content.get_by_role("link", name="Добавить").first).to_be_visible()


def test_the_findings_list_in_russian_searches_with_djangos_button(russian_board_page):
    page = russian_board_page
    page.goto("/admin/findings/finding/")
    expect(page.locator("#changelist-search input[type=submit]")).to_have_value("Найти")
    expect(page.get_by_role("link", name="Восстановить удалённые выводы")).to_be_visible()
    page.get_by_role("link", name="Восстановить удалённые выводы").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Восстановить удалённые выводы")


def test_the_import_names_a_files_mistakes_errors_not_problems(russian_board_page):
    page = russian_board_page
    page.goto("/admin/findings/finding/")
    page.get_by_role("link", name="Импорт выводов из CSV").click()
    page.get_by_label("Файл CSV").set_input_files(
        {
            "name": "findings.csv",
            "mimeType": "text/csv",
            "buffer": (
                "\ufeffid,session,country,kind,number,text\r\n,nowhere,KZ,odd,1,x\r\n"
            ).encode(),
        }
    )
    page.get_by_role("button", name="Предварительный просмотр импорта").click()
    headers = page.locator("#content-main table thead th")
    expect(headers).to_have_text(["Строка", "Столбец", "Ошибка"])


def test_the_dialogue_form_in_russian_says_the_zone_the_format_and_the_publication_date(
    russian_board_page,
):
    page = russian_board_page
    page.goto("/admin/dialogues/dialogue/")
    page.get_by_role("link", name=DIALOGUE["title_ru"]).click()
    expect(page.locator(".field-start div.help:not(.timezonewarning)")).to_have_text(
        "Время Бишкека (UTC+06:00), как на публичных страницах."
    )
    expect(page.get_by_label("Формат")).to_contain_text("Очно и онлайн")
    expect(page.locator(".field-published_at label")).to_have_text("Дата публикации:")


def test_the_russian_public_pages_name_the_zone_and_keep_numbers_with_their_words(page, russian):
    page.goto("/")
    card = page.locator(".card").first
    expect(card).to_contain_text(re.compile("\\d\u00a0успех"))
    expect(card).to_contain_text(re.compile("\\d\u00a0проблем"))
    card.get_by_role("link").first.click()
    expect(page.locator(".tz")).to_have_text("(время Бишкека, UTC+0600)")
