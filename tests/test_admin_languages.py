"""The admin shows which findings still lack a translation: a filter on the findings
list, and a count on each dialogue's page that links to them."""

import html
import re

import pytest
from django.urls import reverse

from dialogues.models import Country
from findings.models import Finding

from .conftest import make_dialogue, make_findings, make_session

pytestmark = pytest.mark.django_db

FINDINGS = reverse("admin:findings_finding_changelist")


@pytest.fixture
def content_languages(settings):
    settings.CONTENT_LANGUAGES = ["en", "ru"]


def listed(response) -> list[str]:
    return sorted(f.text_en for f in response.context["cl"].result_list)


def filter_choices(response, title: str) -> list[str]:
    [spec] = [s for s in response.context["cl"].filter_specs if s.title == title]
    return [choice["display"] for choice in spec.choices(response.context["cl"])]


def test_findings_list_filters_the_findings_missing_a_language(
    board_client, country, content_languages
):
    session = make_session()
    translated, never, emptied = make_findings(session, country, count=3)
    Finding.objects.filter(pk=translated.pk).update(text_ru="Переведено")
    Finding.objects.filter(pk=emptied.pk).update(text_ru="")

    everything = board_client.get(FINDINGS)
    missing_russian = board_client.get(FINDINGS, {"missing": "ru"})
    missing_english = board_client.get(FINDINGS, {"missing": "en"})

    assert filter_choices(everything, "translation") == [
        "All",
        "Missing English",
        "Missing Russian",
    ]
    assert listed(missing_russian) == [never.text_en, emptied.text_en]
    assert listed(missing_english) == []
    assert 'href="?missing=ru"' in everything.text


def test_missing_translation_options_follow_the_setting(board_client, country, settings):
    settings.CONTENT_LANGUAGES = ["en"]
    make_findings(make_session(), country)
    response = board_client.get(FINDINGS)
    assert filter_choices(response, "translation") == ["All", "Missing English"]


@pytest.mark.parametrize("value", ["xx", "", "RU", "ru'--"])
def test_a_missing_translation_value_that_is_no_language_is_refused(
    board_client, country, content_languages, value
):
    make_findings(make_session(), country)
    response = board_client.get(FINDINGS, {"missing": value})
    # The admin's answer to a filter it cannot apply: back to the list, with "?e=1".
    assert response.status_code == 302
    assert response.url == f"{FINDINGS}?e=1"
    assert (
        board_client.get(reverse("admin:findings_finding_export"), {"missing": value}).status_code
        == 400
    )


@pytest.mark.parametrize("rows", [1, 100])
def test_findings_list_missing_a_language_costs_fixed_queries(
    board_client, django_assert_num_queries, country, content_languages, rows
):
    make_findings(make_session(), country, count=rows)
    # session, user, the second factor's device, user permissions, group
    # permissions, savepoint and release (history), dialogue filter, country
    # filter, theme filter, count (up to 10,000; no total count besides), page of
    # findings, and the session's sliding expiry (savepoint, update, release)
    with django_assert_num_queries(15):
        response = board_client.get(FINDINGS, {"missing": "ru"})
    assert len(response.context["cl"].result_list) == rows


def untranslated_section(page: str) -> str:
    return re.search(
        r'<div class="form-row field-untranslated_findings">.*?</div>\s*</div>', page, re.S
    ).group(0)


def test_dialogue_page_counts_its_findings_without_russian_and_links_to_them(
    board_client, country, content_languages
):
    dialogue = make_dialogue()
    first, second = make_session(dialogue), make_session(dialogue)
    translated, untranslated = make_findings(first, country, count=2)
    [other] = make_findings(second, Country.objects.get(code="KG"))
    Finding.objects.filter(pk=translated.pk).update(text_ru="Переведено")
    Finding.objects.filter(pk=other.pk).update(text_ru="")
    # Another dialogue's findings are not counted.
    make_findings(make_session(), country, count=3)

    page = board_client.get(reverse("admin:dialogues_dialogue_change", args=[dialogue.pk])).text

    section = untranslated_section(page)
    link = f"{FINDINGS}?session__dialogue__id__exact={dialogue.pk}&amp;missing=ru"
    assert f'<a href="{link}">2 findings have no Russian text</a>' in section
    assert "Findings without translation:" in html.unescape(section)
    listed_there = board_client.get(html.unescape(link))
    assert listed(listed_there) == sorted([untranslated.text_en, other.text_en])


def test_dialogue_page_says_when_every_finding_is_translated(
    board_client, country, content_languages
):
    dialogue = make_dialogue()
    [finding] = make_findings(make_session(dialogue), country)
    Finding.objects.filter(pk=finding.pk).update(text_ru="Переведено")

    page = board_client.get(reverse("admin:dialogues_dialogue_change", args=[dialogue.pk])).text

    section = untranslated_section(page)
    assert "Every finding has a Russian text." in section
    assert "<a " not in section


def test_the_count_is_on_a_saved_dialogue_only(board_client, content_languages):
    page = board_client.get(reverse("admin:dialogues_dialogue_add")).text
    assert "field-untranslated_findings" not in page


@pytest.mark.parametrize("rows", [1, 60])
def test_dialogue_page_with_the_count_costs_fixed_queries(
    board_client, django_assert_num_queries, country, content_languages, rows
):
    dialogue = make_dialogue()
    session = make_session(dialogue)
    make_findings(session, country, count=rows)
    make_findings(session, None, count=rows)
    url = reverse("admin:dialogues_dialogue_change", args=[dialogue.pk])
    # session, user, the second factor's device, user permissions, group
    # permissions, savepoint and release (history), the dialogue (with its counts),
    # its countries, the sessions, the count of findings without a translation, its
    # follow-up actions, two content-type look-ups for the admin's links, and the
    # session's sliding expiry (savepoint, update, release)
    with django_assert_num_queries(17):
        page = board_client.get(url).text
    assert f"{2 * rows} findings have no Russian text" in page


def test_a_language_added_later_is_named_in_the_filter_and_the_count():
    from findings.admin import missing_label, untranslated_count

    assert missing_label("kk") == "Missing Kazakh"
    assert untranslated_count("kk", 2) == "2 findings have no text in Kazakh"
    assert untranslated_count("kk", 0) == "Every finding has a text in Kazakh."
