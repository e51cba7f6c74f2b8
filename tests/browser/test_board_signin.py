"""A Board member reaches the admin through the real sign-in pages."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_board_member_signs_in_with_password_and_code_and_sees_the_dialogues(board_page):
    board_page.locator("tr.model-dialogue").get_by_role("link", name="Dialogues").click()
    board_page.wait_for_url(re.compile(r"/admin/dialogues/dialogue/$"))
    link = board_page.get_by_role("link", name=re.compile("^Role, impact of and barriers"))
    expect(link).to_be_visible()
