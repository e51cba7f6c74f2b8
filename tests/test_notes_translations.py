"""The admin page "Add translations from notes" of a session, and the pairing behind it."""

import html
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.db import IntegrityError
from django.urls import reverse
from reversion.models import Revision, Version

from dialogues.models import Country, Session
from findings.demo import DIALOGUE, SESSIONS, load_demo
from findings.enums import Kind
from findings.models import Finding

from .conftest import make_findings, make_session, sign_in_with_second_factor
from .pageforms import form_data

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
RUSSIAN_NOTES = (DATA / "notes_demo_session1_ru.txt").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _two_content_languages(settings):
    settings.CONTENT_LANGUAGES = ["en", "ru"]
    settings.LANGUAGE_CODE = "en"


def translations_url(session):
    return reverse("admin:dialogues_session_translations", args=[session.pk])


def buttons(response) -> list[str]:
    form = response.text[response.text.index('id="notes_form"') :]
    return re.findall(r'<input type="submit"[^>]* name="(_\w+)"', form)


def press(client, session, page, button, **changes):
    """Fill the page's form as a person would, then press ``button``."""
    data = form_data(page.content, "notes_form")
    data.update(changes)
    return client.post(translations_url(session), {**data, button: button}, follow=True)


def preview(client, session, notes, **changes):
    page = client.get(translations_url(session))
    return press(client, session, page, "_preview", notes=notes, **changes)


def pairs(response) -> list[tuple[str, ...]]:
    """The preview's rows, each cell's text without its markup."""
    table = response.text[response.text.index('<table id="translations-preview">') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr[^>]*>\s*(.*?)\s*</tr>", table, re.S)[1:]
    return [
        tuple(
            html.unescape(" ".join(re.sub(r"<[^>]+>", "", cell).split()))
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        )
        for row in rows
    ]


def problems(response) -> list[str]:
    listed = re.search(r'<ul class="errorlist" id="notes-problems">(.*?)</ul>', response.text, re.S)
    if listed is None:
        return []
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", listed[1], re.S)]


def message_texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def demo_first_session(texts="findings") -> list[tuple[str, str, int, str]]:
    """(code, kind, number, text) of the demo's first session in one language."""
    return sorted(
        (code, kind, number, text)
        for kind, by_country in SESSIONS[0][texts].items()
        for code, items in by_country.items()
        for number, text in enumerate(items, start=1)
    )


def russian_texts(session) -> list[tuple[str, str, int, str | None]]:
    return sorted(
        (f.country.code, f.kind, f.position, f.text_ru)
        for f in Finding.objects.filter(session=session).select_related("country")
    )


@pytest.fixture
def demo_without_russian():
    """The demo's first session, its findings' Russian texts removed."""
    load_demo()
    session = Session.objects.get(dialogue__slug=DIALOGUE["slug"], slug=SESSIONS[0]["slug"])
    Finding.objects.filter(session=session).update(text_ru=None)
    Revision.objects.all().delete()
    return session


# The demo's Russian notes


def test_session_page_links_to_the_translations_page(board_client):
    session = make_session()
    response = board_client.get(reverse("admin:dialogues_session_change", args=[session.pk]))
    assert f'<a href="{translations_url(session)}">Add translations from notes</a>' in response.text


def test_translations_page_asks_the_notes_and_their_language_russian_first(board_client):
    session = make_session(title="Digital advocacy")
    response = board_client.get(translations_url(session))
    assert response.context["title"] == "Add translations from notes"
    assert form_data(response.content, "notes_form") == {
        "csrfmiddlewaretoken": response.context["csrf_token"],
        "previewed": "",
        "notes": "",
        "default_kind": Kind.SUCCESS,
        "language": "ru",
    }
    assert buttons(response) == ["_preview"]
    change_url = reverse("admin:dialogues_session_change", args=[session.pk])
    assert (
        f'&rsaquo; <a href="{change_url}">Digital advocacy</a>\n'
        "&rsaquo; Add translations from notes"
    ) in response.text


def test_demo_russian_notes_pair_the_19_findings_and_save_them(board_client, demo_without_russian):
    session = demo_without_russian
    response = preview(board_client, session, RUSSIAN_NOTES)
    assert problems(response) == []
    assert "<h2>19 findings would get their Russian text</h2>" in response.text
    english = dict(
        ((code, kind, number), text) for code, kind, number, text in demo_first_session()
    )
    russian = demo_first_session("findings_ru")
    names = {"KZ": "Kazakhstan", "TJ": "Tajikistan", "UZ": "Uzbekistan"}
    kinds = {Kind.SUCCESS: "successes", Kind.PROBLEM: "problems"}
    rows = pairs(response)
    # Country by country (by name), successes then problems, by number: each finding's
    # English text beside the Russian item of the same country, kind and number.
    assert [(row[0], row[1], row[2], row[4], row[5]) for row in rows] == [
        (
            f"{names[code]}, {kinds[kind]}",
            str(number),
            english[code, kind, number],
            text,
            "Added",
        )
        for code, kind, number, text in sorted(
            russian, key=lambda row: (names[row[0]], row[1] != Kind.SUCCESS, row[2])
        )
    ]
    assert rows[0][3] == "4"  # Kazakhstan's first success is on line 4
    assert rows[-1][3] == "21–22"  # Uzbekistan's last problem, wrapped over two lines
    assert buttons(response) == ["_preview", "_save"]
    assert russian_texts(session) == [(c, k, n, None) for c, k, n, _ in russian]

    response = press(board_client, session, response, "_save")
    change_url = reverse("admin:dialogues_session_change", args=[session.pk])
    assert response.redirect_chain == [(change_url, 302)]
    assert message_texts(response) == ["Added 19 translations into Russian from the notes."]
    assert russian_texts(session) == russian
    # The English texts are as they were.
    assert (
        sorted(
            (f.country.code, f.kind, f.position, f.text_en)
            for f in Finding.objects.filter(session=session).select_related("country")
        )
        == demo_first_session()
    )
    versions = Version.objects.get_for_model(Finding).select_related("revision__user")
    assert {(v.revision.user.username, v.revision.comment) for v in versions} == {
        ("aigerim", "Translations added from notes")
    }
    assert sorted(int(v.object_id) for v in versions) == sorted(
        Finding.objects.filter(session=session).values_list("pk", flat=True)
    )


def test_findings_entered_from_russian_notes_get_their_english_text(board_client):
    session = make_session()
    notes_url = reverse("admin:dialogues_session_notes", args=[session.pk])
    page = board_client.get(notes_url)
    data = form_data(page.content, "notes_form")
    data.update(notes="KZ: 1) Страх\nПроблемы:\nKZ: 1) Нет единства", language="ru")
    page = board_client.post(notes_url, {**data, "_preview": "Preview"})
    board_client.post(notes_url, {**form_data(page.content, "notes_form"), "_save": "Save"})

    response = preview(
        board_client, session, "Kazakhstan: 1) Fear\nProblems:\nKazakhstan: 1) No unity",
        language="en",
    )  # fmt: skip
    assert pairs(response) == [
        ("Kazakhstan, successes", "1", "Страх", "1", "Fear", "Added"),
        ("Kazakhstan, problems", "1", "Нет единства", "3", "No unity", "Added"),
    ]
    assert '<td><span lang="ru">Страх</span></td>' in response.text
    response = press(board_client, session, response, "_save")
    assert message_texts(response) == ["Added 2 translations into English from the notes."]
    assert sorted(session.findings.values_list("kind", "text_en", "text_ru")) == [
        (Kind.PROBLEM, "No unity", "Нет единства"),
        (Kind.SUCCESS, "Fear", "Страх"),
    ]


# Every mismatch is a problem, with its line


@pytest.fixture
def kazakhstan_successes(country):
    """A session whose findings are Kazakhstan's successes 1 to 3 (“Finding 1” ...)."""
    session = make_session()
    make_findings(session, country, Kind.SUCCESS, count=3)
    return session


@pytest.mark.parametrize(
    ("notes", "expected"),
    [
        pytest.param(
            "Казахстан: 1) Один; 2) Два; 3) Три; 4) Четыре",
            [
                "Line 1: Kazakhstan, successes: 4 items in the notes, 3 findings in the session.",
                "Line 1: Kazakhstan, successes: the session has no finding number 4.",
            ],
            id="item with no finding",
        ),
        pytest.param(
            "Казахстан: 1) Один\n2) Два",
            [
                "Line 1: Kazakhstan, successes: 2 items in the notes, 3 findings in the session.",
                "Line 1: Kazakhstan, successes: finding number 3 (“Finding 3”) has no item "
                "in the notes.",
            ],
            id="finding with no item",
        ),
        pytest.param(
            "Казахстан: 1) Один; 2) Два; 3) Три\nПроблемы:\nКазахстан: 1) Страх",
            [
                "Line 3: Kazakhstan, problems: 1 item in the notes, 0 findings in the session.",
                "Line 3: Kazakhstan, problems: the session has no finding number 1.",
            ],
            id="list with no findings",
        ),
        pytest.param(
            "Казахстан: 1) Один; 2) Два; 3) Три\nМонголия: 1) Один; 2) Два",
            [
                "Line 2: Mongolia has no findings in this session: its items cannot be "
                "paired with any. Check the country, or the session."
            ],
            id="country not in the session",
        ),
        pytest.param(
            "Проблемы:\nКазахстан: 1) Один; 2) Два; 3) Три",
            [
                "Kazakhstan, successes: 0 items in the notes, 3 findings in the session.",
                "Kazakhstan, successes: finding number 1 (“Finding 1”) has no item in the notes.",
                "Kazakhstan, successes: finding number 2 (“Finding 2”) has no item in the notes.",
                "Kazakhstan, successes: finding number 3 (“Finding 3”) has no item in the notes.",
                "Line 2: Kazakhstan, problems: 3 items in the notes, 0 findings in the session.",
                "Line 2: Kazakhstan, problems: the session has no finding number 1.",
                "Line 2: Kazakhstan, problems: the session has no finding number 2.",
                "Line 2: Kazakhstan, problems: the session has no finding number 3.",
            ],
            id="wrong kind",
        ),
        pytest.param(
            "Казахстан: 1) Один; 2) Два; 3) Три\nНарния: 1) Один",
            [
                "Line 2: Unknown country “Нарния”: use its English or Russian name or its ISO "
                "code, for example KZ."
            ],
            id="unknown country",
        ),
    ],
)
def test_every_mismatch_is_listed_and_nothing_can_be_saved(
    board_client, kazakhstan_successes, notes, expected
):
    session = kazakhstan_successes
    response = preview(board_client, session, notes)
    assert problems(response) == expected
    assert buttons(response) == ["_preview"]
    # A save forced anyway saves nothing and shows the same problems.
    response = press(board_client, session, response, "_save")
    assert response.redirect_chain == []
    assert problems(response) == expected
    assert set(session.findings.values_list("text_ru", flat=True)) == {None}


def test_mismatched_rows_are_shown_beside_the_pairs(board_client, kazakhstan_successes):
    response = preview(board_client, kazakhstan_successes, "KZ: 1) Один; 2) Два\nMN: 1) Три")
    assert pairs(response) == [
        ("Kazakhstan, successes", "1", "Finding 1", "1", "Один", "Added"),
        ("Kazakhstan, successes", "2", "Finding 2", "1", "Два", "Added"),
        ("Kazakhstan, successes", "3", "Finding 3", "—", "—", "No item in the notes"),
    ]
    assert "<h2>Pairs read so far: correct the problems to save them</h2>" in response.text


# Replacing translations


@pytest.fixture
def partly_translated(kazakhstan_successes):
    session = kazakhstan_successes
    Finding.objects.filter(session=session, position=1).update(text_ru="Старый")
    Finding.objects.filter(session=session, position=2).update(text_ru="Два")
    return session


def test_a_different_existing_translation_is_a_problem_without_the_tick(
    board_client, partly_translated
):
    session = partly_translated
    response = preview(board_client, session, "KZ: 1) Новый; 2) Два; 3) Три")
    assert pairs(response) == [
        ("Kazakhstan, successes", "1", "Finding 1", "1", "Новый", "Replaces: Старый"),
        ("Kazakhstan, successes", "2", "Finding 2", "1", "Два", "Unchanged: already this text"),
        ("Kazakhstan, successes", "3", "Finding 3", "1", "Три", "Added"),
    ]
    assert problems(response) == [
        "Line 1: Kazakhstan, successes: finding number 1 already has another text in this "
        "language (“Старый”). Tick “Replace existing translations” to replace it."
    ]
    assert (
        '<p class="warning" id="notes-replacements">1 finding already has another Russian '
        "text: it is replaced only if you tick “Replace existing translations”.</p>"
    ) in response.text
    assert buttons(response) == ["_preview"]
    # Ticking the box and saving without a new preview saves nothing.
    response = press(board_client, session, response, "_save", replace="on")
    assert response.context["not_previewed"] is True
    assert russian_texts(session) == [
        ("KZ", Kind.SUCCESS, 1, "Старый"),
        ("KZ", Kind.SUCCESS, 2, "Два"),
        ("KZ", Kind.SUCCESS, 3, None),
    ]


def test_with_the_tick_existing_translations_are_replaced(board_client, partly_translated):
    session = partly_translated
    response = preview(board_client, session, "KZ: 1) Новый; 2) Два; 3) Три", replace="on")
    assert problems(response) == []
    assert "<h2>2 findings would get their Russian text</h2>" in response.text
    response = press(board_client, session, response, "_save")
    assert message_texts(response) == [
        "Added 1 translation into Russian from the notes. Replaced 1 existing translation."
    ]
    assert russian_texts(session) == [
        ("KZ", Kind.SUCCESS, 1, "Новый"),
        ("KZ", Kind.SUCCESS, 2, "Два"),
        ("KZ", Kind.SUCCESS, 3, "Три"),
    ]


def test_notes_that_change_nothing_cannot_be_saved(board_client, partly_translated):
    Finding.objects.filter(session=partly_translated, position=1).update(text_ru="Один")
    Finding.objects.filter(session=partly_translated, position=3).update(text_ru="Три")
    response = preview(board_client, partly_translated, "KZ: 1) Один; 2) Два; 3) Три")
    assert problems(response) == []
    assert "<h2>0 findings would get their Russian text</h2>" in response.text
    assert buttons(response) == ["_preview"]


# Saving what was previewed, all or nothing


@pytest.mark.parametrize(
    "changes",
    [
        {"notes": "KZ: 1) Один; 2) Два; 3) Четыре"},
        {"language": "en"},
        {"default_kind": Kind.PROBLEM},
        {"previewed": "0" * 64},
    ],
    ids=["notes changed", "language changed", "kind changed", "digest forged"],
)
def test_save_of_notes_other_than_the_previewed_ones_is_refused(
    board_client, kazakhstan_successes, changes
):
    session = kazakhstan_successes
    response = preview(board_client, session, "KZ: 1) Один; 2) Два; 3) Три")
    assert buttons(response) == ["_preview", "_save"]
    response = press(board_client, session, response, "_save", **changes)
    assert response.redirect_chain == []
    assert response.context["not_previewed"] is True
    assert set(session.findings.values_list("text_ru", flat=True)) == {None}
    assert set(session.findings.values_list("text_en", flat=True)) == {
        "Finding 1",
        "Finding 2",
        "Finding 3",
    }


def test_a_translation_refused_by_the_database_partway_leaves_nothing_saved(
    board_client, demo_without_russian, monkeypatch
):
    session = demo_without_russian
    response = preview(board_client, session, RUSSIAN_NOTES)
    assert buttons(response) == ["_preview", "_save"]
    real_save = Finding.save
    written = []

    def save(self, *args, **kwargs):
        if len(written) == 1:
            raise IntegrityError("the second write fails")
        real_save(self, *args, **kwargs)
        written.append(self.pk)

    monkeypatch.setattr(Finding, "save", save)
    response = press(board_client, session, response, "_save")
    assert len(written) == 1  # the first translation was written before the second failed
    assert response.redirect_chain == []
    assert problems(response) == [
        "A translation could not be saved (someone else may have changed the same findings "
        "at the same moment), so nothing was saved. Preview the notes again."
    ]
    assert set(session.findings.values_list("text_ru", flat=True)) == {None}
    assert Revision.objects.count() == 0


def test_a_translation_added_by_someone_else_since_the_preview_stops_the_save(
    board_client, kazakhstan_successes
):
    session = kazakhstan_successes
    response = preview(board_client, session, "KZ: 1) Один; 2) Два; 3) Три")
    Finding.objects.filter(session=session, position=2).update(text_ru="Другой")
    response = press(board_client, session, response, "_save")
    assert response.redirect_chain == []
    assert problems(response) == [
        "Line 1: Kazakhstan, successes: finding number 2 already has another text in this "
        "language (“Другой”). Tick “Replace existing translations” to replace it."
    ]
    assert russian_texts(session) == [
        ("KZ", Kind.SUCCESS, 1, None),
        ("KZ", Kind.SUCCESS, 2, "Другой"),
        ("KZ", Kind.SUCCESS, 3, None),
    ]


# Cost, permissions, garbage


def test_preview_query_count_is_the_same_for_1_and_19_findings(
    board_client, django_assert_num_queries, demo_without_russian
):
    kazakhstan = Country.objects.get(code="KZ")
    small = make_session(demo_without_russian.dialogue, position=3)
    make_findings(small, kazakhstan, Kind.SUCCESS, count=1)
    for session, notes in [(small, "KZ: 1) Один"), (demo_without_russian, RUSSIAN_NOTES)]:
        page = board_client.get(translations_url(session))
        data = {**form_data(page.content, "notes_form"), "notes": notes, "_preview": "Preview"}
        # The signed-in user: session, user, authenticator, permissions (2); the session
        # (with its findings counted by the admin's queryset); the countries; the
        # session's findings with their countries; the user's session saved (3, in a
        # savepoint).
        with django_assert_num_queries(11):
            response = board_client.post(translations_url(session), data)
        assert problems(response) == []


def test_translations_page_is_403_without_the_change_finding_permission(client):
    user = User.objects.create_user("viewer", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_session", "change_session", "view_finding", "add_finding"]
        )
    )
    sign_in_with_second_factor(client, user)
    session = make_session()
    make_findings(session, Country.objects.get(code="KZ"), Kind.SUCCESS, count=1)
    assert client.get(translations_url(session)).status_code == 403
    response = client.post(
        translations_url(session),
        {"notes": "KZ: 1) Один", "language": "ru", "default_kind": Kind.SUCCESS, "_save": "Save"},
    )
    assert response.status_code == 403
    assert list(session.findings.values_list("text_ru", flat=True)) == [None]
    change = client.get(reverse("admin:dialogues_session_change", args=[session.pk]))
    assert "Add findings from notes" in change.text
    assert "Add translations from notes" not in change.text


def test_translations_page_is_403_without_the_permission_to_change_the_session(client):
    user = User.objects.create_user("editor", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_session", "change_finding"])
    )
    sign_in_with_second_factor(client, user)
    assert client.get(translations_url(make_session())).status_code == 403


@pytest.mark.parametrize("object_id", ["999999", "abc", "1 OR 1=1", "-1"])
def test_translations_page_of_no_such_session_is_404(board_client, object_id):
    url = reverse("admin:dialogues_session_translations", args=[object_id])
    assert board_client.get(url).status_code == 404
    assert board_client.post(url, {"notes": "KZ: 1) a", "_preview": "Preview"}).status_code == 404


def test_items_in_another_alphabet_than_the_chosen_language_are_problems(
    board_client, kazakhstan_successes
):
    session = kazakhstan_successes
    response = preview(
        board_client, session, "KZ: 1) Один; 2) Два\n3) Three", language="en", replace="on"
    )
    assert problems(response) == [
        "Line 1: Kazakhstan, successes, item 1 does not look written in English: check “Language”.",
        "Line 1: Kazakhstan, successes, item 2 does not look written in English: check “Language”.",
    ]
    response = press(board_client, session, response, "_save")
    assert response.redirect_chain == []
    assert sorted(session.findings.values_list("text_en", flat=True)) == [
        "Finding 1",
        "Finding 2",
        "Finding 3",
    ]
