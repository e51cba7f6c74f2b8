import datetime
import re
from xml.etree import ElementTree

import pytest
from django.core.management import call_command

from dialogues.enums import Status
from dialogues.models import Country, Dialogue, Session
from findings.enums import Kind

from .conftest import make_dialogue, make_findings, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("load_demo")


def items(html, section_id):
    """The numbered items of one country's section: [(kind, number, text)]."""
    section = re.search(
        rf'<section class="country" id="{section_id}".*?</section>', html, re.S
    ).group(0)
    found = []
    for kind in ("successes", "problems"):
        column = re.search(rf'<div class="column {kind}">(.*?)</div>', section, re.S).group(1)
        for number, text in re.findall(r'<li value="(\d+)" id="finding-\d+">(.*?)</li>', column):
            found.append((kind, int(number), text))
    return found


def test_home_lists_published_dialogues_with_counts(client, demo):
    make_dialogue(title="A draft nobody may see", status=Status.DRAFT)
    response = client.get("/")
    assert "Role, impact of and barriers for the civil society" in response.text
    assert "2 sessions" in response.text
    assert "13 successes" in response.text
    assert "6 problems" in response.text
    assert "A draft nobody may see" not in response.text


def test_dialogue_page_shows_details_sessions_and_overview(client, demo):
    response = client.get("/dialogues/role-impact-barriers-civil-society-2024/")
    text = response.text
    assert "Regional Dialogues: Defending Civic Space" in text
    assert "16:00" in text and "18:30" in text and "(Bishkek time, UTC+0600)" in text
    assert "Online" in text
    assert "Kazakhstan, Kyrgyzstan, Tajikistan, Uzbekistan" in text
    overview = [
        (row["country__code"], row["success_count"], row["problem_count"])
        for row in response.context["overview"]
    ]
    assert overview == [("KZ", 9, 2), ("TJ", 2, 2), ("UZ", 2, 2)]


def test_session_page_lists_each_countrys_numbered_findings(client, demo):
    response = client.get(
        "/dialogues/role-impact-barriers-civil-society-2024/citizen-participation/"
    )
    kz = items(response.text, "country-kz")
    assert [(kind, n) for kind, n, _ in kz] == [("successes", n) for n in range(1, 10)] + [
        ("problems", 1),
        ("problems", 2),
    ]
    assert kz[8][2] == "Releasing caricatures of officials"
    assert items(response.text, "country-uz")[2] == (
        "problems",
        1,
        "The Law “On Social Partnership”, "
        "which unscrupulous bureaucrats interpret as an "
        "opportunity to exploit NGOs when they receive grants",
    )


def test_session_page_in_russian_names_countries_in_russian(client, demo):
    response = client.get(
        "/dialogues/role-impact-barriers-civil-society-2024/citizen-participation/",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert '<html lang="ru">' in response.text
    assert "Казахстан" in response.text


def test_draft_dialogue_is_404_for_the_public(client, country):
    session = make_session(make_dialogue(status=Status.DRAFT, slug="secret"))
    make_findings(session, country)

    def page(url):
        # Only the address itself (in the language switcher) may differ.
        return re.sub(r'name="(next|csrfmiddlewaretoken)"[^>]*', "", client.get(url).text)

    never = page("/dialogues/never-existed/")
    for url in ("/dialogues/secret/", f"/dialogues/secret/{session.slug}/"):
        assert client.get(url).status_code == 404
        # The same page as for an address that never existed: nothing tells them apart.
        assert page(url) == never


def test_draft_dialogue_is_previewed_by_the_board_with_a_banner(board_client, country):
    session = make_session(make_dialogue(status=Status.DRAFT, slug="secret"))
    make_findings(session, country)
    for url in ("/dialogues/secret/", f"/dialogues/secret/{session.slug}/"):
        response = board_client.get(url)
        assert response.status_code == 200
        assert "this dialogue is not published" in response.text


def test_unknown_addresses_are_404(client, demo):
    assert client.get("/dialogues/no-such-dialogue/").status_code == 404
    assert client.get("/dialogues/role-impact-barriers-civil-society-2024/nope/").status_code == 404
    assert client.get("/dialogues/%E2%82%AC/").status_code == 404


def fill(sessions, findings_per_list):
    dialogue = make_dialogue()
    countries = list(Country.objects.all())
    for _ in range(sessions):
        session = make_session(dialogue)
        for country in countries:
            for kind in Kind:
                make_findings(session, country, kind, count=findings_per_list)
    return dialogue


@pytest.mark.parametrize("size", [1, 42])
def test_home_query_count_is_fixed(uncached, client, django_assert_num_queries, size):
    for _ in range(size):
        fill(1, 1)
    # the newest dialogues with their sessions counted, their findings counted from the
    # list sizes
    with django_assert_num_queries(2):
        response = client.get("/")
    assert len(response.context["dialogues"]) == min(size, 6)


@pytest.mark.parametrize("size", [1, 20])
def test_dialogue_page_query_count_is_fixed(uncached, client, django_assert_num_queries, size):
    dialogue = fill(size, size)
    # the dialogue, its countries, its sessions with counts, the country overview,
    # its follow-up actions (none)
    with django_assert_num_queries(5):
        response = client.get(dialogue.get_absolute_url())
    assert len(response.context["sessions"]) == size


@pytest.mark.parametrize("size", [1, 42])
def test_session_page_query_count_is_fixed(uncached, client, django_assert_num_queries, size):
    dialogue = fill(1, size)
    session = dialogue.sessions.get()
    # the session with its dialogue, its list sizes with countries, the ids of the
    # page's findings, the findings, the actions answering its problems, the sibling
    # sessions
    with django_assert_num_queries(6):
        response = client.get(session.get_absolute_url())
    assert response.context["page"].paginator.count == size * 12
    # A long session is shown page by page.
    assert sum(len(g["successes"]) + len(g["problems"]) for g in response.context["groups"]) == min(
        size * 12, 300
    )


def listed_findings(response):
    return [finding.text for finding in response.context["page"].object_list]


def test_findings_browser_filters_by_country_either_case_and_kind(client, demo):
    for country in ("tj", "TJ"):
        response = client.get("/findings/", {"country": country, "kind": "problem"})
        assert response.status_code == 200
        assert listed_findings(response) == [
            "Representatives of public organizations do not know their rights and powers, "
            "are not informed about the legislative aspects of their activities",
            "Duplication of the work of international organizations and NGOs",
        ]
        assert response.text.count('class="finding finding-problem"') == 2


def test_findings_browser_filters_by_dialogue_session_theme_and_text(client, demo, country):
    other = make_session(make_dialogue(slug="other"))
    make_findings(other, country, count=3)
    session = other.dialogue.sessions.get()
    assert len(listed_findings(client.get("/findings/", {"dialogue": "other"}))) == 3
    assert len(listed_findings(client.get("/findings/", {"session": session.pk}))) == 3
    assert listed_findings(client.get("/findings/", {"q": "caricatures"})) == [
        "Releasing caricatures of officials"
    ]
    finding = other.findings.first()
    finding.themes.create(name="Civic education", slug="civic-education")
    assert listed_findings(client.get("/findings/", {"theme": "civic-education"})) == [finding.text]


@pytest.mark.parametrize(
    "query, message",
    [
        ({"kind": "maybe"}, "Select a valid choice. maybe is not one of the available choices."),
        ({"session": "abc"}, "Select a valid choice."),
        ({"country": "zz"}, "Select a valid choice."),
    ],
)
def test_findings_browser_explains_bad_filters(client, demo, query, message):
    response = client.get("/findings/", query)
    assert response.status_code == 400
    assert message in response.text
    assert 'class="finding ' not in response.text


def test_drafts_leak_nowhere(uncached, client, country):
    published = make_dialogue(title="Open dialogue", slug="open")
    published.countries.add(country)
    make_session(published).findings.create(
        country=country, kind=Kind.SUCCESS, position=1, text="Open finding"
    )
    draft = make_dialogue(title="Secret draft dialogue", slug="secret", status=Status.DRAFT)
    draft.countries.add(Country.objects.create(name="Secretland", code="SX"))
    session = make_session(draft, title="Secret session")
    Finding = session.findings.model
    Finding.objects.create(
        session=session, country=country, kind=Kind.SUCCESS, position=1, text="Secret finding"
    )
    theme = session.themes.create(name="Secret theme", slug="secret-theme")
    # Each page shows what is published (so an error page cannot pass), and no draft.
    pages = {
        "/": "Open dialogue",
        "/dialogues/": "Open dialogue",
        "/countries/": "Kazakhstan",
        "/countries/kz/": "Open finding",
        "/findings/": "Open finding",
        "/sitemap.xml": "/sitemap-dialogues.xml",
        "/sitemap-dialogues.xml": "/dialogues/open/",
        "/sitemap-sessions.xml": "/dialogues/open/",
        "/sitemap-countries.xml": "/countries/kz/",
        "/feed/": "Open dialogue",
    }
    for url, shown in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert shown in response.content.decode(), url
        for secret in ("Secret", "secret"):
            assert secret not in response.content.decode(), url
    assert listed_findings(client.get("/findings/", {"q": "Secret"})) == []
    assert client.get("/findings/", {"dialogue": "secret"}).status_code == 400
    assert client.get("/findings/", {"session": session.pk}).status_code == 400
    assert client.get("/findings/", {"theme": theme.slug}).status_code == 400
    kz = client.get("/countries/").context["countries"].get(code="KZ")
    assert (kz.success_count, kz.problem_count) == (1, 0)
    assert client.get("/countries/sx/").status_code == 404


def test_country_pages(client, demo):
    response = client.get("/countries/")
    counts = {c.code: (c.success_count, c.problem_count) for c in response.context["countries"]}
    # Turkmenistan and Mongolia are in no published dialogue yet: not listed.
    assert counts == {"KZ": (9, 2), "KG": (0, 0), "TJ": (2, 2), "UZ": (2, 2)}
    assert client.get("/countries/tm/").status_code == 404
    response = client.get("/countries/kz/")
    assert response.context["totals"] == {"successes": 9, "problems": 2}
    [entry] = response.context["dialogues"]
    [item] = entry["sessions"]
    assert [f.position for f in item["successes"]] == list(range(1, 10))
    assert client.get("/countries/KZ/")["Location"] == "/countries/kz/"
    assert client.get("/countries/zz/").status_code == 404
    assert client.get("/countries/kaz/").status_code == 404


def test_sitemap_feed_and_robots(client, demo):
    index = client.get("/sitemap.xml").content.decode()
    sections = ["countries", "dialogues", "pages", "sessions"]
    assert sorted(re.findall(r"<loc>http://testserver/sitemap-(\w+)\.xml</loc>", index)) == sections
    sessions = client.get("/sitemap-sessions.xml").content.decode()
    assert "/dialogues/role-impact-barriers-civil-society-2024/citizen-participation/" in sessions
    assert "/countries/kz/" in client.get("/sitemap-countries.xml").content.decode()
    assert client.get("/sitemap-nothing.xml").status_code == 404
    assert client.get("/sitemap-sessions.xml", {"p": "x"}).status_code == 404
    feed = client.get("/feed/")
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert "Role, impact of and barriers" in feed.content.decode()
    robots = client.get("/robots.txt").content.decode()
    assert robots.splitlines()[:2] == ["User-agent: *", "Disallow: /admin/"]


SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def xml_of(response):
    return ElementTree.fromstring(response.content)  # noqa: S314 (the site's own file)


def test_sitemap_lists_each_published_session_at_its_page_address(client, demo):
    make_session(make_dialogue(status=Status.DRAFT, slug="secret"))
    published = Session.objects.filter(dialogue__status=Status.PUBLISHED).select_related("dialogue")

    sitemap = xml_of(client.get("/sitemap-sessions.xml"))

    locations = [loc.text for loc in sitemap.findall("s:url/s:loc", SITEMAP)]
    assert locations == [
        f"http://testserver{session.get_absolute_url()}"
        for session in published.order_by("-dialogue__start", "position")
    ]
    assert not any("secret" in location for location in locations)


def test_sitemap_dates_each_dialogue_by_its_publication(client, demo):
    sitemap = xml_of(client.get("/sitemap-dialogues.xml"))

    entries = {
        url.find("s:loc", SITEMAP).text: url.find("s:lastmod", SITEMAP).text
        for url in sitemap.findall("s:url", SITEMAP)
    }
    assert entries == {
        f"http://testserver{dialogue.get_absolute_url()}": f"{dialogue.published_at:%Y-%m-%d}"
        for dialogue in Dialogue.objects.published()
    }


def test_dialogue_overview_bars_scale_to_the_largest_count(client, demo):
    response = client.get("/dialogues/role-impact-barriers-civil-society-2024/")
    bars = [
        (row["country__code"], row["success_bar"], row["problem_bar"])
        for row in response.context["overview"]
    ]
    assert bars == [("KZ", 100, 22), ("TJ", 22, 22), ("UZ", 22, 22)]
    assert '<rect width="100" height="10"></rect>' in response.text


@pytest.mark.parametrize("size", [1, 42])
def test_findings_browser_query_count_is_fixed(uncached, client, django_assert_num_queries, size):
    fill(1, size)
    # dialogue, country and theme menus (the sessions' menu waits for a dialogue), the
    # list sizes (the count), the ids of the page's findings, the findings
    with django_assert_num_queries(6):
        response = client.get("/findings/")
    assert response.context["page"].paginator.count == size * 12


@pytest.mark.parametrize("size", [1, 20])
def test_country_pages_query_count_is_fixed(uncached, client, django_assert_num_queries, size):
    fill(size, size)
    # the countries with their counts
    with django_assert_num_queries(1):
        client.get("/countries/")
    # the country, the actions answering its problems, its list sizes, the ids of the
    # page's findings, the findings
    with django_assert_num_queries(5):
        response = client.get("/countries/kz/")
    assert response.context["totals"] == {"successes": size * size, "problems": size * size}


def test_pages_link_to_the_csv_of_what_they_show(client, demo):
    session = "/dialogues/role-impact-barriers-civil-society-2024/citizen-participation/"
    response = client.get(session)
    session_id = response.context["session"].pk
    assert f'href="/findings/export.csv?session={session_id}" download' in response.text
    assert 'href="/findings/export.csv?country=kz" download' in client.get("/countries/kz/").text
    response = client.get("/findings/", {"country": "tj", "kind": "problem"})
    assert 'href="/findings/export.csv?country=tj&amp;kind=problem" download' in response.text


@pytest.mark.parametrize("size", [1, 42])
def test_list_feed_and_sitemap_query_counts_are_fixed(
    uncached, client, django_assert_num_queries, size
):
    for _ in range(size):
        fill(1, 1)
    # how many dialogues (the pages), the page's dialogues with their sessions counted,
    # their findings counted from the list sizes
    with django_assert_num_queries(3):
        assert len(client.get("/dialogues/").context["dialogues"]) == min(size, 20)
    # the newest published dialogues, 20 at most
    with django_assert_num_queries(1):
        assert client.get("/feed/").content.decode().count("<entry>") == min(size, 20)
    # the index: a count for each section of the database, and the dialogues' latest moment
    with django_assert_num_queries(4):
        assert client.get("/sitemap.xml").content.decode().count("<sitemap>") == 4
    # each section: a count (the sitemap's paginator) and the page of items
    counts = {"pages": (0, 3), "dialogues": (2, size), "sessions": (2, size), "countries": (2, 6)}
    for section, (queries, urls) in counts.items():
        with django_assert_num_queries(queries):
            sitemap = client.get(f"/sitemap-{section}.xml").content.decode()
        assert sitemap.count("<url>") == urls


def test_feed_holds_the_20_most_recently_published_dialogues(uncached, client):
    published = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    for n in range(21):
        make_dialogue(
            title=f"Published {n:02}", published_at=published + datetime.timedelta(days=n)
        )

    feed = client.get("/feed/").content.decode()

    assert feed.count("<entry>") == 20
    assert feed.index("Published 20") < feed.index("Published 19")
    assert "Published 00" not in feed


def test_theme_filter_finds_findings_of_sessions_on_that_theme(client, demo):
    response = client.get("/findings/", {"theme": "digital-advocacy"})
    assert response.context["page"].paginator.count == 19


def test_country_page_keeps_dialogues_that_start_together_apart(client, country):
    first = make_dialogue(title="First")
    second = make_dialogue(title="Second", start=first.start, end=first.end)
    for dialogue in (first, second, first):
        make_findings(make_session(dialogue), country, count=2)
    response = client.get("/countries/kz/")
    assert [entry["dialogue"].title for entry in response.context["dialogues"]] in (
        ["First", "Second"],
        ["Second", "First"],
    )
    assert response.text.count('class="dialogue-findings"') == 2


def test_draft_preview_offers_no_links_to_public_only_pages(board_client, country):
    dialogue = make_dialogue(status=Status.DRAFT, slug="secret")
    session = make_session(dialogue)
    make_findings(session, country)
    page = board_client.get(session.get_absolute_url()).text
    assert "Only the Board can see this preview." in page
    assert "Finding 1" in page
    assert "/findings/export.csv" not in page
    assert "/findings/?session=" not in page
    assert "/findings/?dialogue=" not in board_client.get("/dialogues/secret/").text

    # The same pages, once published, do link there.
    dialogue.status = Status.PUBLISHED
    dialogue.save()
    page = board_client.get(session.get_absolute_url()).text
    assert "Only the Board can see this preview." not in page
    assert f"/findings/export.csv?session={session.pk}" in page
    assert f"/findings/?session={session.pk}" in page
    assert "/findings/?dialogue=secret" in board_client.get("/dialogues/secret/").text


def test_findings_page_offers_a_way_past_the_filters(client, demo):
    response = client.get("/findings/")
    assert '<a href="#results-heading">Go to the results</a>' in response.text
    assert 'id="results-heading"' in response.text


def session_options(response) -> list[str]:
    menu = re.search(r'<select[^>]* name="session"[^>]*>(.*?)</select>', response.text, re.S)
    return re.findall(r"<option[^>]*>([^<]*)</option>", menu.group(1))


def test_the_sessions_menu_offers_the_sessions_of_the_chosen_dialogue(
    uncached, client, django_assert_num_queries
):
    first, second = make_dialogue(title="First"), make_dialogue(title="Second")
    opening = make_session(first, title="Opening", position=1)
    make_session(first, title="Closing", position=2)
    other = make_session(second, title="Elsewhere")
    make_session(make_dialogue(title="Draft", status=Status.DRAFT), title="Hidden")

    everything = client.get("/findings/")
    assert session_options(everything) == ["All sessions"]
    assert "Choose a dialogue to choose one of its sessions." in everything.text

    chosen = client.get("/findings/", {"dialogue": first.slug})
    assert session_options(chosen) == ["All sessions", "First — Opening", "First — Closing"]
    # A session page's link names the session alone: its dialogue's sessions are offered.
    response = client.get("/findings/", {"session": opening.pk})
    assert session_options(response) == ["All sessions", "First — Opening", "First — Closing"]
    assert f'<option value="{opening.pk}" selected>' in response.text
    # Any published session is accepted, whatever the menu shows.
    both = {"dialogue": first.slug, "session": other.pk}
    assert client.get("/findings/", both).status_code == 200
    garbage = [
        {"dialogue": "draft-1"},
        {"dialogue": "nothing"},
        {"dialogue": "a\x00b"},
        {"session": "x1"},
        {"session": "\u00b2"},
        {"session": "9" * 30},
        {"session": "\x00"},
    ]
    for query in garbage:
        response = client.get("/findings/", query)
        assert response.status_code == 400, query
        assert session_options(response) == ["All sessions"], query
