import html.parser
import io
import json
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.core.management import CommandError, call_command

from actions.models import Action
from dialogues.enums import Status
from dialogues.models import Dialogue
from findings import views as finding_views
from findings.enums import Kind
from findings.models import Finding
from opendata.mirror import file_name

from .conftest import make_dialogue, make_findings, make_session

pytestmark = pytest.mark.django_db

SITE = "https://dialogues.example.org"
DEMO = "role-impact-barriers-civil-society-2024"
LIVE_HOSTS = ("testserver", "127.0.0.1", "http://localhost")
DRAFT_WORDS = (
    "Hidden draft dialogue",
    "hidden-draft-dialogue",
    "hidden-draft-session",
    "Hidden draft action",
)


@pytest.fixture
def site(settings):
    settings.ALLOWED_HOSTS = ["testserver", "dialogues.example.org"]
    settings.LANGUAGES = [("en", "English"), ("ru", "Russian")]
    settings.PAGE_CACHE_SECONDS = 600


@pytest.fixture
def demo_and_draft(country):
    call_command("load_demo", stdout=io.StringIO())
    draft = make_dialogue(title=DRAFT_WORDS[0], slug=DRAFT_WORDS[1], status=Status.DRAFT)
    draft.countries.add(country)
    session = make_session(draft, title="Hidden draft session", slug=DRAFT_WORDS[2])
    for finding in make_findings(session, country, Kind.PROBLEM, count=2):
        finding.text = f"Hidden draft finding {finding.position}"
        finding.save()
    Action.objects.create(dialogue=draft, title="Hidden draft action", carried_by="Board")
    return Action.objects.create(
        dialogue=Dialogue.objects.get(slug=DEMO), title="Training on public councils"
    )


def export(folder: Path, *args) -> str:
    out = io.StringIO()
    call_command("export_site", str(folder), "--site-url", SITE, *args, stdout=out)
    return out.getvalue()


class Links(html.parser.HTMLParser):
    """The links (href, src) and the element ids of a page, and whether it has a form."""

    def __init__(self):
        super().__init__()
        self.links, self.ids, self.forms = [], set(), 0

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)
            if name == "id":
                self.ids.add(value)
        self.forms += tag == "form"


def read(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text())
    return links


def check_links(folder: Path, *, anchors: bool = True) -> int:
    """Every link of every page leads to a file of the folder (and, with ``anchors``, to
    an element of it for a link with a fragment), or to another site. Returns the
    number of links."""
    pages = {path: read(path) for path in folder.rglob("*.html")}
    checked = 0
    for path, page in pages.items():
        where = path.relative_to(folder)
        for link in page.links:
            checked += 1
            parts = urlsplit(link)
            if parts.scheme in ("http", "https"):
                assert not any(host in link for host in LIVE_HOSTS), (where, link)
                continue
            assert not parts.scheme or parts.scheme == "mailto", (where, link)
            if parts.scheme == "mailto":
                continue
            assert not link.startswith("/"), (where, link)
            assert not parts.query, (where, link)
            target = path if not parts.path else (path.parent / unquote(parts.path)).resolve()
            assert target.is_relative_to(folder.resolve()), (where, link)
            assert target.is_file(), (where, link)
            if anchors and parts.fragment and target.suffix == ".html":
                assert parts.fragment in pages[folder / target.relative_to(folder.resolve())].ids, (
                    where,
                    link,
                )
    return checked


def test_export_writes_every_public_page_in_both_languages_with_working_links(
    site, demo_and_draft, tmp_path
):
    folder = tmp_path / "copy"
    output = export(folder)

    files = [path for path in folder.rglob("*") if path.is_file()]
    size = sum(path.stat().st_size for path in files)
    assert output == (
        f"Wrote {len(files)} files ({size:,} bytes) into {folder}, in en, ru, for {SITE}.\n"
    )
    names = {path.relative_to(folder).as_posix() for path in files}
    for language in ("en", "ru"):
        for page in (
            "index.html",
            "dialogues/index.html",
            f"dialogues/{DEMO}/index.html",
            f"dialogues/{DEMO}/citizen-participation/index.html",
            f"dialogues/{DEMO}/enabling-environment/index.html",
            f"dialogues/{DEMO}/report/index.html",
            f"dialogues/{DEMO}/report/index--style-list.html",
            f"dialogues/{DEMO}/report.docx",
            f"dialogues/{DEMO}/report.pdf",
            "countries/index.html",
            "countries/kz/index.html",
            "findings/index.html",
            "findings/index--country-kz.html",
            "findings/export.csv",
            "actions/index.html",
            "actions/export.csv",
            "open-data/index.html",
        ):
            assert f"{language}/{page}" in names
        assert f"{language}/actions/{demo_and_draft.pk}/index.html" in names
    assert {"index.html", "favicon.ico", "open-data/findings.json"} <= names
    assert any(re.fullmatch(r"static/css/site\.[0-9a-f]{12}\.css", name) for name in names)

    assert check_links(folder) > 500


def test_export_holds_no_draft_and_no_address_of_the_live_host(site, demo_and_draft, tmp_path):
    folder = tmp_path / "copy"
    export(folder)

    for path in folder.rglob("*"):
        relative = path.relative_to(folder).as_posix()
        assert not any(word in relative for word in DRAFT_WORDS)
        if path.is_file():
            content = path.read_bytes()
            for word in (*DRAFT_WORDS, "Hidden draft finding"):
                assert word.encode() not in content, (relative, word)
            for host in LIVE_HOSTS:
                assert host.encode() not in content, (relative, host)
    data = json.loads((folder / "open-data/findings.json").read_text())
    assert [d["slug"] for d in data["dialogues"]] == [DEMO]
    assert data["url"] == f"{SITE}/open-data/"
    csv = (folder / "en/findings/export.csv").read_bytes().decode("utf-8-sig")
    assert csv.count("\r\n") == Finding.objects.filter(session__dialogue__slug=DEMO).count() + 1
    assert f"{SITE}/dialogues/{DEMO}/citizen-participation/#finding-" in csv


def test_export_has_each_page_in_each_language_and_switches_between_them(
    site, demo_and_draft, tmp_path
):
    folder = tmp_path / "copy"
    export(folder)

    session = f"dialogues/{DEMO}/citizen-participation/index.html"
    english = (folder / "en" / session).read_text()
    russian = (folder / "ru" / session).read_text()
    assert '<html lang="en">' in english and '<html lang="ru">' in russian
    assert "<h2>Sessions of this dialogue</h2>" in english
    assert "Роль, влияние и барьеры гражданского общества" in russian
    switch = re.search(r'<nav class="language" aria-label="Language">(.*?)</nav>', english).group(1)
    assert switch == (
        '<strong lang="en" aria-current="true">English</strong> · '
        f'<a href="../../../../ru/{session}" lang="ru" hreflang="ru">Русский</a>'
    )
    top = (folder / "index.html").read_text()
    assert '<a href="en/index.html" hreflang="en">English</a>' in top
    assert '<a href="ru/index.html" hreflang="ru">Русский</a>' in top


def test_export_replaces_search_and_filters_with_a_note_pointing_to_the_csv(
    site, demo_and_draft, tmp_path
):
    folder = tmp_path / "copy"
    export(folder)

    for path in folder.rglob("*.html"):
        assert read(path).forms == 0, path
    home = (folder / "en/index.html").read_text()
    assert (
        '<p class="static-note">This copy of the site is made of files: it cannot search or '
        'filter. <a href="findings/export.csv" download>Every finding is in the CSV file.</a></p>'
    ) in home
    actions = (folder / "en/actions/index.html").read_text()
    assert '<a href="export.csv" download>Every follow-up action is in the CSV file.</a>' in actions
    # The live site's search, API and feeds are on the live site.
    open_data = (folder / "en/open-data/index.html").read_text()
    assert f'href="{SITE}/api/v1/"' in open_data
    assert f'href="{SITE}/feed/"' in open_data


def test_export_writes_every_page_of_a_long_list_with_links_between_them(
    site, country, tmp_path, monkeypatch
):
    monkeypatch.setattr(finding_views, "PAGE_SIZE", 4)
    monkeypatch.setattr(finding_views, "LONG_PAGE_SIZE", 4)
    dialogue = make_dialogue(slug="long")
    make_findings(make_session(dialogue, slug="many"), country, count=10)
    folder = tmp_path / "copy"
    export(folder)

    session = folder / "en/dialogues/long/many"
    # The first page is linked as "?page=1" from the second, and without it from elsewhere.
    assert sorted(p.name for p in session.iterdir()) == [
        "index--page-1.html",
        "index--page-2.html",
        "index--page-3.html",
        "index.html",
    ]
    last = (session / "index--page-3.html").read_text()
    assert '<a rel="prev" href="index--page-2.html">Previous</a>' in last
    assert "page 3 of 3" in last
    findings = folder / "en/findings"
    assert (findings / "index--page-3.html").is_file()
    assert not (findings / "index--page-4.html").exists()
    # On the site too, a finding's link leads to its session's first page, whichever
    # page of a long session holds it: the anchors are not checked here.
    check_links(folder, anchors=False)


def test_export_refuses_a_folder_that_is_not_empty_unless_forced(site, tmp_path):
    folder = tmp_path / "copy"
    (folder / "en/dialogues/gone").mkdir(parents=True)
    (folder / "en/dialogues/gone/index.html").write_text("a page of an older copy")
    (folder / "notes.txt").write_text("mine")

    with pytest.raises(CommandError, match=r"copy is not empty: choose an empty or new folder"):
        export(folder)
    assert (folder / "en/dialogues/gone/index.html").is_file()

    export(folder, "--force")
    assert not (folder / "en/dialogues/gone").exists()
    assert (folder / "en/index.html").is_file()
    # Only the copy is replaced.
    assert (folder / "notes.txt").read_text() == "mine"


def test_export_says_clearly_when_it_cannot_write(site, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(CommandError, match=r"a-file is a file, not a folder"):
        export(blocker)
    with pytest.raises(CommandError, match=r"^Cannot write into .*a-file/copy: "):
        export(blocker / "copy")


def test_export_refuses_a_site_that_is_not_this_one(site, tmp_path):
    with pytest.raises(CommandError, match=r"elsewhere.example is not among the site's host"):
        call_command("export_site", str(tmp_path / "c"), "--site-url", "https://elsewhere.example")
    with pytest.raises(CommandError, match=r"--site-url must be the site's address"):
        call_command("export_site", str(tmp_path / "c"), "--site-url", "dialogues.example.org")


@pytest.mark.parametrize(
    ("path", "query", "name"),
    [
        ("/", "", "index.html"),
        ("/countries/kz/", "", "countries/kz/index.html"),
        ("/findings/", "page=2&country=kz", "findings/index--country-kz--page-2.html"),
        ("/findings/export.csv", "session=4", "findings/export--session-4.csv"),
        ("/actions/", "status=in_progress", "actions/index--status-in_progress.html"),
    ],
)
def test_file_names_keep_the_query_readable(path, query, name):
    assert file_name(path, query) == name


def test_file_names_of_queries_with_other_characters_stay_apart():
    one, other = file_name("/findings/", "q=a/b"), file_name("/findings/", "q=a?b")
    assert one != other
    assert re.fullmatch(r"findings/index--q-a_b--[0-9a-f]{10}\.html", one)
    assert posixpath.dirname(one) == "findings"


def test_export_names_each_file_it_writes_when_asked_to(site, tmp_path):
    out = io.StringIO()
    call_command("export_site", str(tmp_path / "copy"), "--site-url", SITE, verbosity=2, stdout=out)
    lines = out.getvalue().splitlines()
    assert "en/index.html" in lines and "ru/open-data/index.html" in lines
    assert lines[-1].startswith(f"Wrote {len(lines) - 1} files (")
