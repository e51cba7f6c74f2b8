"""Pages that show a bounded part of many findings: in the public order, page by page."""

import re

import pytest

from dialogues.enums import Status
from dialogues.models import Country, Theme
from findings.enums import Kind
from findings.lists import in_list_order
from findings.models import Finding

from .conftest import make_dialogue, make_findings, make_session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached")]


def texts(response) -> list[str]:
    return [finding.text for finding in response.context["page"].object_list]


def every_page(client, url, query=None) -> list[str]:
    """The findings of every page of ``url``, in the order they are shown."""
    first = client.get(url, query or {})
    shown = texts(first)
    for number in range(2, first.context["page"].paginator.num_pages + 1):
        shown += texts(client.get(url, {**(query or {}), "page": number}))
    return shown


@pytest.fixture
def many(country):
    """Two published dialogues (one starting later), a draft, lists of every country and
    kind, numbered with gaps, regional ones, and findings on a theme."""
    theme = Theme.objects.create(name="Youth", slug="youth")
    older, newer = make_dialogue(), make_dialogue()
    draft = make_dialogue(status=Status.DRAFT)
    n = 0
    for dialogue in (older, newer, draft):
        for _ in range(2):
            session = make_session(dialogue)
            for where in [*Country.objects.order_by("pk"), None]:
                for kind in Kind:
                    for finding in make_findings(session, where, kind, count=3):
                        n += 1
                        finding.text = f"Finding {n:03}"
                        finding.position = finding.position * 2 + 100  # with gaps
                        finding.save()
                        if n % 5 == 0:
                            finding.themes.add(theme)
    # A whole session on the theme: every one of its findings is on it.
    newer.sessions.last().themes.add(theme)
    return theme


def expected(**filters) -> list[str]:
    return list(
        in_list_order(Finding.objects.published().filter(**filters).distinct()).values_list(
            "text", flat=True
        )
    )


def test_findings_pages_follow_the_public_order_to_the_last_page(client, many, country):
    assert len(expected()) == 168
    assert every_page(client, "/findings/") == expected()
    assert every_page(client, "/findings/", {"country": "kz"}) == expected(country=country)
    assert every_page(client, "/findings/", {"kind": "problem", "country": "kz"}) == expected(
        kind=Kind.PROBLEM, country=country
    )
    response = client.get("/findings/")
    assert "168 findings · page 1 of 4" in re.sub(r"\s+", " ", response.text)


def test_a_theme_pages_its_own_findings_and_its_sessions(client, many):
    on_theme = list(
        in_list_order(
            Finding.objects.published().filter(
                pk__in=Finding.objects.filter(themes=many).values("pk")
            )
            | Finding.objects.published().filter(session__themes=many)
        ).values_list("text", flat=True)
    )
    assert every_page(client, "/findings/", {"theme": "youth"}) == on_theme
    response = client.get("/findings/", {"theme": "youth"})
    assert response.context["page"].paginator.count == len(on_theme) > 50


@pytest.mark.parametrize(
    "url",
    [
        "/findings/?page=x",
        "/findings/?page=0",
        "/findings/?page=-1",
        "/findings/?page=99999999999999999999999",
        "/findings/?page=5",
        "/findings/?theme=youth&page=3",
        "/findings/?q=Finding&page=9",
        "/findings/?q=Finding&page=x",
        "/countries/kz/?page=2",
        "/countries/kz/?page=%00",
    ],
)
def test_a_page_that_does_not_exist_is_404(client, many, url):
    assert client.get(url).status_code == 404


def test_a_long_session_is_shown_page_by_page_with_whole_counts(client, country):
    session = make_session()
    kg = Country.objects.get(code="KG")
    make_findings(session, country, Kind.SUCCESS, count=250)
    make_findings(session, kg, Kind.PROBLEM, count=100)
    url = session.get_absolute_url()

    first = client.get(url)
    assert [(g["country"].code, len(g["successes"]), len(g["problems"])) for g in first.context[
        "groups"
    ]] == [("KZ", 250, 0), ("KG", 0, 50)]  # fmt: skip
    # The country menu leads to the page where each country's findings start.
    assert '<a href="#country-kz">' in first.text
    assert '<a href="#country-kg">' in first.text
    assert '<h3>Problems <span class="count">(100)</span></h3>' in first.text

    second = client.get(url, {"page": 2})
    [group] = second.context["groups"]
    assert (group["country"].code, [f.position for f in group["problems"]]) == (
        "KG",
        list(range(51, 101)),
    )
    assert '<a href="?page=1#country-kz">' in second.text
    assert '<li value="51"' in second.text
    assert client.get(url, {"page": 3}).status_code == 404


def test_a_country_with_many_findings_is_shown_page_by_page(client, country):
    older, newer = make_session(), make_session()
    make_findings(older, country, Kind.PROBLEM, count=200)
    make_findings(newer, country, Kind.SUCCESS, count=150)
    first = client.get("/countries/kz/")
    assert first.context["totals"] == {"successes": 150, "problems": 200}
    # The newest dialogue first.
    [newest, rest] = first.context["dialogues"]
    assert newest["dialogue"] == newer.dialogue
    assert [len(newest["sessions"][0]["successes"]), len(rest["sessions"][0]["problems"])] == [
        150,
        150,
    ]
    second = client.get("/countries/kz/", {"page": 2})
    [entry] = second.context["dialogues"]
    assert [f.position for f in entry["sessions"][0]["problems"]] == list(range(151, 201))
    assert 'rel="prev" href="?page=1"' in second.text


@pytest.mark.parametrize("size", [1, 42])
def test_a_themes_pages_cost_the_same_queries_for_few_or_many(
    client, django_assert_num_queries, country, size
):
    theme = Theme.objects.create(name="Youth", slug="youth")
    session = make_session()
    for finding in make_findings(session, country, Kind.SUCCESS, count=size * 3):
        finding.themes.add(theme)
    # the theme (the filter's value); the dialogue, country and theme menus;
    # the list sizes, the theme's own counts per list, the sessions on the theme; the
    # ids of the page's findings, the findings
    for page in ("1", "last"):
        number = "1" if page == "1" else str((size * 3 + 49) // 50)
        with django_assert_num_queries(9):
            response = client.get("/findings/", {"theme": "youth", "page": number})
        assert response.context["page"].paginator.count == size * 3


def test_the_home_page_shows_the_newest_dialogues_and_the_list_pages_through_all(
    client, django_assert_num_queries
):
    dialogues = [make_dialogue(title=f"Dialogue {n:02}") for n in range(1, 26)]
    make_dialogue(title="A draft", status=Status.DRAFT)
    newest = sorted(dialogues, key=lambda d: (d.start, d.pk), reverse=True)
    titles = [d.title for d in newest]

    home = client.get("/")
    assert [d.title for d in home.context["dialogues"]] == titles[:6]
    assert 'href="/dialogues/">All dialogues</a>' in home.text

    first = client.get("/dialogues/")
    assert [d.title for d in first.context["dialogues"]] == titles[:20]
    assert "page 1 of 2" in first.text and 'href="?page=2"' in first.text
    second = client.get("/dialogues/", {"page": 2})
    assert [d.title for d in second.context["dialogues"]] == titles[20:]
    assert "A draft" not in first.text + second.text + home.text
    for bad in ("3", "0", "x"):
        assert client.get("/dialogues/", {"page": bad}).status_code == 404


def test_the_home_page_links_to_all_dialogues_only_when_it_does_not_show_them_all(client):
    for n in range(6):
        make_dialogue(title=f"Dialogue {n}")
    assert "All dialogues" not in client.get("/").text
