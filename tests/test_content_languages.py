"""Content in the reader's language: English and Russian in the same rows, the
reader's language first, another one marked with its ``lang`` where it is missing."""

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation
from reversion.models import Version

from dialogues.content import language_mark
from dialogues.models import Country, Dialogue, Session
from findings import export
from findings.demo import DIALOGUE, SESSIONS
from findings.enums import Kind
from findings.models import Finding

from .conftest import make_dialogue, make_findings, make_session
from .pageforms import form_data
from .test_pages import fill, items

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SESSION_URL = "/dialogues/role-impact-barriers-civil-society-2024/citizen-participation/"
RU = {"HTTP_ACCEPT_LANGUAGE": "ru"}


@pytest.fixture
def demo():
    call_command("load_demo")


@pytest.fixture
def content_languages(settings):
    settings.CONTENT_LANGUAGES = ["en", "ru"]


def mark(code, page):
    """The visible mark, as the page's language says it (“in English”)."""
    with translation.override(page):
        return language_mark(code)


def translated(message, page):
    with translation.override(page):
        return translation.gettext(message)


def main(html: str) -> str:
    return re.search(r"<main.*?</main>", html, re.S).group(0)


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def test_russian_session_page_of_the_demo_shows_russian_titles_and_findings(
    client, demo, content_languages
):
    html = client.get(SESSION_URL, **RU).text
    first = SESSIONS[0]
    assert re.search(r"<h1>(.*?)</h1>", html).group(1) == first["title_ru"]
    assert title(html).startswith(f"{first['title_ru']} · {DIALOGUE['title_ru']} · ")
    expected = [
        (column, number, text)
        for kind, column in ((Kind.SUCCESS, "successes"), (Kind.PROBLEM, "problems"))
        for number, text in enumerate(first["findings_ru"][kind]["KZ"], start=1)
    ]
    assert items(html, "country-kz") == expected
    assert items(html, "country-uz")[2] == (
        "problems",
        1,
        "Закон «О социальном партнёрстве», который недобросовестные чиновники трактуют как "
        "возможность использовать НКО, когда те получают гранты",
    )
    # Every text has its Russian version: nothing is marked as English.
    assert 'lang="en"' not in main(html)
    assert "language-mark" not in html


def test_english_session_page_of_the_demo_is_all_english(client, demo, content_languages):
    html = client.get(SESSION_URL).text
    assert items(html, "country-kz")[8] == ("successes", 9, "Releasing caricatures of officials")
    assert "language-mark" not in html


def test_finding_without_russian_text_shows_the_english_one_marked(
    client, country, content_languages
):
    session = make_session(title="Digital advocacy", title_ru="Цифровая адвокация")
    [finding] = make_findings(session, country)
    html = client.get(session.get_absolute_url(), **RU).text
    assert re.search(rf'<li value="1" id="finding-{finding.pk}">(.*?)</li>', html).group(1) == (
        f'<span lang="en">{finding.text_en}</span> '
        f'<small class="language-mark">({mark("en", "ru")})</small>'
    )
    assert re.search(r"<h1>(.*?)</h1>", html).group(1) == "Цифровая адвокация"


def test_every_public_page_marks_english_text_on_a_russian_page(client, country, content_languages):
    dialogue = make_dialogue(
        title="Civic space", series="Regional Dialogues", summary="Held online."
    )
    dialogue.countries.add(country)
    session = make_session(dialogue, title="Digital advocacy")
    make_findings(session, country)
    marked = f'<small class="language-mark">({mark("en", "ru")})</small>'
    english = f'<span lang="en">Civic space</span> {marked}'
    for url in (
        "/",
        "/dialogues/",
        dialogue.get_absolute_url(),
        session.get_absolute_url(),
        "/countries/kz/",
    ):
        assert english in client.get(url, **RU).text, url
    page = client.get(dialogue.get_absolute_url(), **RU).text
    assert title(page).startswith(f"Civic space ({mark('en', 'ru')}) · ")
    assert (
        '<div class="summary"><div lang="en"><p>Held online.</p></div>'
        f'<p class="language-mark">({mark("en", "ru")})</p></div>'
    ) in page
    findings = client.get("/findings/", **RU).text
    assert (
        f'<p class="finding-text"><span lang="en">Finding 1</span> '
        f'<small class="language-mark">({mark("en", "ru")})</small></p>'
    ) in findings
    # The sessions' menu, offered once a dialogue is chosen.
    chosen = client.get("/findings/", {"dialogue": dialogue.slug}, **RU).text
    assert f"Civic space ({mark('en', 'ru')}) — Digital advocacy ({mark('en', 'ru')})" in chosen


def test_missing_english_description_falls_back_to_russian_marked_or_shows_nothing(
    client, content_languages
):
    described = make_session(title="Digital advocacy", description_ru="Только по-русски.")
    html = client.get(described.get_absolute_url()).text
    assert (
        '<div class="summary"><div lang="ru"><p>Только по-русски.</p></div>'
        f'<p class="language-mark">({mark("ru", "en")})</p></div>'
    ) in html
    bare = make_session(title="Enabling environment")
    assert '<div class="summary">' not in client.get(bare.get_absolute_url()).text


def test_dialogue_overview_names_countries_in_the_readers_language(
    client, country, content_languages
):
    nameless = Country.objects.create(name="Afghanistan", code="AF")
    session = make_session()
    make_findings(session, country)
    make_findings(session, nameless)
    make_findings(session, None)
    html = client.get(session.dialogue.get_absolute_url(), **RU).text
    rows = re.findall(r'<th scope="row">(.*?)</th>', html)
    assert rows == [
        f'<a href="/countries/af/"><span lang="en">Afghanistan</span> '
        f'<small class="language-mark">({mark("en", "ru")})</small></a>',
        '<a href="/countries/kz/">Казахстан</a>',
        translated("Regional", "ru"),
    ]


def test_feed_entries_are_in_the_readers_language_marked_where_they_are_not(
    client, demo, content_languages
):
    make_dialogue(title="Civic space", summary="Held online.")
    feed = client.get("/feed/", **RU).content.decode()
    assert '<feed xml:lang="ru" xmlns="http://www.w3.org/2005/Atom">' in feed
    assert f"<title>{DIALOGUE['title_ru']}</title>" in feed
    assert f'<title xml:lang="en">Civic space ({mark("en", "ru")})</title>' in feed
    assert '<summary type="html" xml:lang="en">Held online.</summary>' in feed
    english = client.get("/feed/").content.decode()
    assert f"<title>{DIALOGUE['title']}</title>" in english
    assert 'xml:lang="ru"' not in english


def test_search_finds_a_finding_by_words_of_either_language(client, demo, content_languages):
    for query, page in (("карикатур", {}), ("caricatures", RU), ("Caricatures", {})):
        response = client.get("/findings/", {"q": query}, **page)
        assert [f.text_en for f in response.context["page"].object_list] == [
            "Releasing caricatures of officials"
        ], query


def download(client, query="", **headers):
    response = client.get(f"/findings/export.csv{query}", **headers)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_public_export_gives_text_cells_in_the_readers_language(client, demo, content_languages):
    kz = "?country=kz&kind=problem"
    english = download(client, kz)
    russian = download(client, kz, **RU)
    assert english[0] == russian[0] == export.HEADER
    text, country = export.HEADER.index("text"), export.HEADER.index("country")
    assert [(row[country], row[text]) for row in english[1:]] == [
        ("Kazakhstan", "Lack of unity and partnership"),
        ("Kazakhstan", "Competitiveness in finding money and receiving it"),
    ]
    assert [(row[country], row[text]) for row in russian[1:]] == [
        ("Казахстан", "Отсутствие единства и партнёрства"),
        ("Казахстан", "Конкуренция в поиске и получении финансирования"),
    ]
    # Only the text cells change: the same rows, ids, links and columns.
    for en_row, ru_row in zip(english, russian, strict=True):
        assert [c for i, c in enumerate(en_row) if i not in (country, text)] == [
            c for i, c in enumerate(ru_row) if i not in (country, text)
        ]
    assert download(client, kz + "&lang=ru") == russian
    assert download(client, kz + "&lang=en", **RU) == english


def test_public_export_falls_back_to_english_where_russian_is_missing(
    client, country, content_languages
):
    session = make_session()
    first, second = make_findings(session, country, count=2)
    Finding.objects.filter(pk=second.pk).update(text_ru="Второй")
    for method in ["orm", "copy"] if connection.vendor == "postgresql" else ["orm"]:
        chunks = export.csv_chunks(
            Finding.objects.filter(session=session), url_base="", language="ru", method=method
        )
        rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline="")))
        assert [row[export.HEADER.index("text")] for row in rows[1:]] == ["Finding 1", "Второй"]


@pytest.mark.parametrize("lang", ["xx", "", "EN-GB"])
def test_public_export_refuses_an_unknown_language(client, demo, content_languages, lang):
    response = client.get("/findings/export.csv", {"lang": lang})
    assert response.status_code == 400
    assert response.content.decode() == "Language: choose one of en, ru.\n"


def test_admin_export_gives_each_language_its_column_in_a_russian_admin(
    board_client, demo, content_languages
):
    response = board_client.get(reverse("admin:findings_finding_export"), **RU)
    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"), newline="")
        )
    )
    header = rows[0]
    cells = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    english = {row["text_en"] for row in cells}
    russian = {row["text_ru"] for row in cells}
    assert "Releasing caricatures of officials" in english
    assert not any(re.search("[а-я]", text) for text in english)
    assert "Публикация карикатур на чиновников" in russian
    assert all(re.search("[а-я]", text) for text in russian)
    # The country and themes are named in English, the language every one has.
    assert {row["country"] for row in cells} >= {"Kazakhstan", "Tajikistan"}
    assert not any(re.search("[а-я]", row["country"] + row["themes"]) for row in cells)


def test_restoring_a_version_brings_back_both_languages(board_client, country, content_languages):
    session = make_session()
    url = reverse("admin:findings_finding_add")
    data = form_data(board_client.get(url).content, "finding_form")
    data.update(
        session=session.pk,
        country=country.pk,
        kind=Kind.SUCCESS,
        position="1",
        text_en="Online petitions",
        text_ru="Онлайн-петиции",
    )
    assert board_client.post(url, data).status_code == 302
    finding = Finding.objects.get()
    change = reverse("admin:findings_finding_change", args=[finding.pk])
    data = form_data(board_client.get(change).content, "finding_form")
    assert (data["text_en"], data["text_ru"]) == ("Online petitions", "Онлайн-петиции")
    data.update(text_en="A mistake", text_ru="Ошибка")
    assert board_client.post(change, data).status_code == 302
    versions = Version.objects.get_for_object(finding)
    assert [(v.field_dict["text_en"], v.field_dict["text_ru"]) for v in versions] == [
        ("A mistake", "Ошибка"),
        ("Online petitions", "Онлайн-петиции"),
    ]
    revision = reverse("admin:findings_finding_revision", args=[finding.pk, versions.last().pk])
    data = form_data(board_client.get(revision).content, "finding_form")
    assert board_client.post(revision, data).status_code == 302
    finding.refresh_from_db()
    assert (finding.text_en, finding.text_ru) == ("Online petitions", "Онлайн-петиции")


def test_finding_entered_in_a_russian_admin_keeps_each_language_in_its_column(
    board_client, country, content_languages
):
    session = make_session()
    url = reverse("admin:findings_finding_add")
    data = form_data(board_client.get(url, **RU).content, "finding_form")
    data.update(session=session.pk, country=country.pk, kind=Kind.PROBLEM, text_en="Fees")
    assert board_client.post(url, data, **RU).status_code == 302
    finding = Finding.objects.get()
    assert (finding.text_en, finding.text_ru) == ("Fees", "")


def test_demo_has_every_text_in_both_languages(demo, content_languages):
    dialogue = Dialogue.objects.get()
    for field in ("title", "series", "organiser", "summary"):
        assert getattr(dialogue, f"{field}_ru") == DIALOGUE[f"{field}_ru"]
    assert [(s.title_ru, s.description_ru) for s in Session.objects.order_by("position")] == [
        (spec["title_ru"], spec["description_ru"]) for spec in SESSIONS
    ]
    assert Finding.objects.filter(text_ru__isnull=True).count() == 0
    assert Finding.objects.exclude(text_ru="").count() == 19
    theme_names = Session.objects.get(position=2).themes.values_list("name_ru", flat=True)
    assert sorted(theme_names) == [
        "Благоприятная среда для гражданского общества",
        "Сужение гражданского пространства",
    ]


def test_load_demo_repairs_an_edited_russian_text(demo, content_languages):
    Finding.objects.filter(country__code="KZ", kind="problem", position=1).update(text_ru="ой")
    call_command("load_demo")
    assert Finding.objects.get(country__code="KZ", kind="problem", position=1).text_ru == (
        "Отсутствие единства и партнёрства"
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_keeps_every_text_as_english_and_the_russian_country_names():
    executor = MigrationExecutor(connection)
    before = [("dialogues", "0003_content_version"), ("findings", "0004_board_views_admin_log")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldCountry = old.get_model("dialogues", "Country")
    OldCountry.objects.create(name="Afghanistan", name_ru="", code="AF")
    OldSession = old.get_model("dialogues", "Session")
    OldFinding = old.get_model("findings", "Finding")
    dialogue = old.get_model("dialogues", "Dialogue").objects.create(
        title="Civic space",
        slug="civic-space",
        series="Regional Dialogues",
        start="2024-09-20T10:00:00Z",
        end="2024-09-20T12:00:00Z",
    )
    session = OldSession.objects.create(dialogue=dialogue, title="Laws", slug="laws")
    OldFinding.objects.create(
        session=session,
        country=OldCountry.objects.get(code="KZ"),
        kind="success",
        position=1,
        text="Online petitions",
        created="2024-09-20T10:00:00Z",
        updated="2024-09-20T10:00:00Z",
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    names = dict(Country.objects.values_list("code", "name_ru"))
    assert names == {
        "KZ": "Казахстан",
        "KG": "Кыргызстан",
        "TJ": "Таджикистан",
        "TM": "Туркменистан",
        "UZ": "Узбекистан",
        "MN": "Монголия",
        "AF": None,
    }
    assert Country.objects.get(code="AF").name_en == "Afghanistan"
    dialogue = Dialogue.objects.get()
    assert (dialogue.title_en, dialogue.series_en, dialogue.title_ru) == (
        "Civic space",
        "Regional Dialogues",
        None,
    )
    assert Session.objects.get().title_en == "Laws"
    assert Finding.objects.get().text_en == "Online petitions"


def load_settings(**env):
    return subprocess.run(
        [sys.executable, "-c", "import i4c.settings as s; print(s.CONTENT_LANGUAGES)"],
        env={"PATH": "/usr/bin:/bin", "DJANGO_SECRET_KEY": "x", "DJANGO_ALLOWED_HOSTS": "h", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_content_languages_come_from_the_environment_english_first():
    assert load_settings().stdout.strip() == "['en', 'ru']"
    assert load_settings(I4C_CONTENT_LANGUAGES="en").stdout.strip() == "['en']"
    assert load_settings(I4C_CONTENT_LANGUAGES=" en , ru ").stdout.strip() == "['en', 'ru']"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("en,kk", "I4C_CONTENT_LANGUAGES must list codes among en, ru, not 'kk'."),
        ("ru,en", "I4C_CONTENT_LANGUAGES must start with en (English is required)"),
        ("ru", "I4C_CONTENT_LANGUAGES must start with en (English is required)"),
        ("en,ru,en", "I4C_CONTENT_LANGUAGES must start with en (English is required)"),
        ("", "I4C_CONTENT_LANGUAGES must start with en (English is required)"),
    ],
)
def test_content_languages_refuse_a_list_they_cannot_use(value, message):
    result = load_settings(I4C_CONTENT_LANGUAGES=value)
    assert result.returncode != 0
    assert "ImproperlyConfigured: " + message in result.stderr


@pytest.mark.parametrize("size", [1, 20])
def test_pages_in_russian_cost_the_same_queries_as_in_english(
    uncached, client, django_assert_num_queries, content_languages, size
):
    dialogue = fill(size, size)
    Finding.objects.filter(position=1).update(text_ru="Вывод")
    session = dialogue.sessions.first()
    pages = [
        # dialogues with their sessions counted, their findings counted from the list sizes
        ("/", 2),
        # and how many dialogues there are (the list's pages)
        ("/dialogues/", 3),
        # the dialogue, its countries, its sessions with counts, the country overview,
        # its follow-up actions (none)
        (dialogue.get_absolute_url(), 5),
        # the session with its dialogue, its list sizes, the ids of the page's findings,
        # the findings, the actions answering its problems, the sibling sessions
        (session.get_absolute_url(), 6),
        # the countries with their counts
        ("/countries/", 1),
        # the country, the actions answering its problems, its list sizes, the ids of
        # the page's findings, the findings
        ("/countries/kz/", 5),
        # dialogue, country and theme menus (the sessions' waits for a dialogue), the
        # list sizes, the ids of the page's findings, the findings
        ("/findings/", 6),
        # a search: the three menus, the matches' ids, the count (up to 10,000), the
        # page of findings
        ("/findings/?q=Вывод", 6),
        # the published dialogues
        ("/feed/", 1),
    ]
    for url, queries in pages:
        for headers in ({}, RU):
            with django_assert_num_queries(queries):
                assert client.get(url, **headers).status_code == 200, url


def test_csv_import_in_a_russian_admin_writes_the_english_text(country, content_languages):
    from findings import importer

    from .test_import import HEADER, row

    session = make_session()
    first, second = make_findings(session, country, count=2)
    Finding.objects.filter(pk=first.pk).update(text_ru="Первый")
    Finding.objects.filter(pk=second.pk).update(text_ru="Второй")
    text = (
        HEADER
        + "\r\n"
        + row(session, id=str(first.pk), position="1", text="Finding 1")  # as it is
        + row(session, id=str(second.pk), position="2", text="Corrected")
        + row(session, country="KZ", position="", text="New")
    )
    with translation.override("ru"):
        plan = importer.plan_import(text, overwrite=True)
        assert plan.is_valid, plan.problems
        assert plan.unchanged == 1
        importer.apply_import(plan)
    assert list(Finding.objects.order_by("position").values_list("text_en", "text_ru")) == [
        ("Finding 1", "Первый"),
        ("Corrected", "Второй"),
        ("New", None),
    ]
    # The history records the Russian text the import left alone: a restore keeps it.
    [version] = Version.objects.get_for_object(second)
    assert (version.field_dict["text_en"], version.field_dict["text_ru"]) == ("Corrected", "Второй")


def test_notes_pasted_in_a_russian_admin_are_the_english_text(country, content_languages):
    from findings.notes import save_findings

    session = make_session()
    with translation.override("ru"):
        save_findings(
            session=session, text="Kazakhstan: 1) Online petitions", default_kind=Kind.SUCCESS
        )
    assert list(Finding.objects.values_list("text_en", "text_ru")) == [("Online petitions", None)]


def test_a_deleted_finding_comes_back_in_both_languages(board_client, country, content_languages):
    from .test_history import confirm_deletion

    session = make_session()
    [finding] = make_findings(session, country)
    Finding.objects.filter(pk=finding.pk).update(text_ru="Вывод 1")
    change = reverse("admin:findings_finding_change", args=[finding.pk])
    data = form_data(board_client.get(change).content, "finding_form")
    assert board_client.post(change, data).status_code == 302  # recorded in the history
    confirm_deletion(board_client, reverse("admin:findings_finding_delete", args=[finding.pk]))
    version = Version.objects.get_deleted(Finding).get()
    recover = reverse("admin:findings_finding_recover", args=[version.pk])
    data = form_data(board_client.get(recover).content, "finding_form")
    assert board_client.post(recover, data).status_code == 302
    restored = Finding.objects.get()
    assert (restored.pk, restored.text_en, restored.text_ru) == (finding.pk, "Finding 1", "Вывод 1")
