"""Searching the findings: stems, parts of words, both languages, ranking, the
highlighted snippet, and what keeps a search from tying up the database."""

import re
import threading

import psycopg2
import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction

from dialogues.models import Country
from findings.enums import Kind
from findings.filters import FindingFilter
from findings.models import Finding
from findings.search import bounded

from .conftest import make_dialogue, make_session

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="full-text search is PostgreSQL's"
)


@pytest.fixture(autouse=True)
def _search_settings(settings):
    settings.I4C_SEARCH_RATE_LIMIT = 0
    settings.I4C_SEARCH_MAX_RESULTS = 1000
    settings.I4C_PUBLIC_STATEMENT_TIMEOUT = 2.0
    settings.PAGE_CACHE_SECONDS = 0


def add(session, country, text_en, text_ru=None, kind=Kind.SUCCESS) -> Finding:
    position = Finding.objects.next_position(
        session_id=session.pk, country_id=country and country.pk, kind=kind
    )
    return Finding.objects.create(
        session=session,
        country=country,
        kind=kind,
        position=position,
        text_en=text_en,
        text_ru=text_ru,
    )


@pytest.fixture
def findings():
    session = make_session()
    kz = Country.objects.get(code="KZ")
    kg = Country.objects.get(code="KG")
    return {
        "petitions": add(session, kz, "Online petitions reached 40,000 signatures"),
        "registration": add(
            session,
            kg,
            "Registration of a new NGO takes up to six months",
            "Регистрация новой НКО занимает до шести месяцев",
        ),
        "petition_ru": add(session, kg, "A petition went online", "Онлайн-петиция собрала подписи"),
        "organization": add(session, None, "The organization was fined"),
        "organisations": add(session, None, "Two organisations were fined"),
        "laws": add(session, kz, "The law on funding was amended"),
    }


def found(client, q, **headers) -> list[str]:
    response = client.get("/findings/", {"q": q}, **headers)
    assert response.status_code == 200, q
    return [finding.text_en for finding in response.context["page"].object_list]


def test_parts_of_words_are_found_in_either_language(client, findings):
    assert sorted(found(client, "petit")) == [
        "A petition went online",
        "Online petitions reached 40,000 signatures",
    ]
    # Inside a Russian word, written as the text has it (SQLite folds the case of
    # Latin letters only).
    assert found(client, "гистрац") == ["Registration of a new NGO takes up to six months"]
    assert found(client, "zebra") == []


@postgresql_only
def test_parts_of_russian_words_are_found_in_any_case_on_postgresql(client, findings):
    assert found(client, "регистр") == ["Registration of a new NGO takes up to six months"]
    assert found(client, "РЕГИСТР") == ["Registration of a new NGO takes up to six months"]


@postgresql_only
def test_words_are_found_by_their_stems_in_both_languages(client, findings):
    # Russian morphology: the plural genitive finds the singular.
    assert found(client, "петиции") == ["A petition went online"]
    assert found(client, "регистрации") == ["Registration of a new NGO takes up to six months"]
    # English: plural and singular, either way round.
    assert found(client, "laws") == ["The law on funding was amended"]
    assert found(client, "organizations") == ["The organization was fined"]
    # The stemmer keeps the spellings apart: -isation and -ization stem differently.
    assert found(client, "organisation") == ["Two organisations were fined"]
    assert "The organization was fined" not in found(client, "organisations")
    # A search in either language, whatever the reader's language.
    assert found(client, "регистрации", HTTP_ACCEPT_LANGUAGE="en") == found(
        client, "регистрации", HTTP_ACCEPT_LANGUAGE="ru"
    )


@postgresql_only
def test_a_findings_country_is_found_by_its_names_and_code_and_follows_a_rename(client, findings):
    assert found(client, "Казахстан petitions") == ["Online petitions reached 40,000 signatures"]
    assert found(client, "kyrgyzstan registration") == [
        "Registration of a new NGO takes up to six months"
    ]
    assert found(client, "KZ law") == ["The law on funding was amended"]
    Country.objects.filter(code="KZ").update(name_en="Qazaqstan")
    assert found(client, "qazaqstan law") == ["The law on funding was amended"]
    assert found(client, "kazakhstan law") == []


@postgresql_only
def test_the_best_match_comes_first(client):
    session = make_session()
    once = add(session, None, "Fees rose for registration, and the offices moved away")
    add(session, None, "Nothing about it here")
    twice = add(session, None, "Registration: the registration fees rose")
    response = client.get("/findings/", {"q": "registration"})
    assert [f.pk for f in response.context["page"].object_list] == [twice.pk, once.pk]


def test_matched_words_are_highlighted_and_typed_markup_is_escaped(client):
    session = make_session()
    add(session, None, 'Registration <script>alert("x")</script> fees & costs < 5')
    # A part of a word: marked in the whole text, every character escaped.
    html = client.get("/findings/", {"q": "egistratio"}).text
    assert (
        '<p class="finding-text">R<mark>egistratio</mark>n &lt;script&gt;alert(&quot;x&quot;)'
        "&lt;/script&gt; fees &amp; costs &lt; 5</p>"
    ) in html
    assert "<script>alert" not in html


@postgresql_only
def test_the_databases_headline_is_escaped_and_only_its_marks_become_tags(client):
    session = make_session()
    # The database's marks are characters the text may hold too: they are taken out first.
    add(session, None, 'Registration \ue000fees\ue001 & "costs" <script>alert(1)</script> rose')
    html = client.get("/findings/", {"q": "registration"}).text
    text = re.search(r'<p class="finding-text">(.*?)</p>', html).group(1)
    # ts_headline leaves tags out of the snippet; the rest is escaped.
    assert text == "<mark>Registration</mark> fees &amp; &quot;costs&quot;  alert(1)  rose"


def test_a_text_in_another_language_is_highlighted_with_its_language_said(client):
    session = make_session()
    add(session, None, "Registration fees rose")
    html = client.get("/findings/", {"q": "fees"}, HTTP_ACCEPT_LANGUAGE="ru").text
    text = re.search(r'<p class="finding-text">(.*?)</p>', html).group(1)
    assert text.startswith('<span lang="en">Registration <mark>fees</mark> rose</span> ')


def test_a_common_word_ranks_the_most_recent_matches_and_says_so(client, settings):
    settings.I4C_SEARCH_MAX_RESULTS = 3
    session = make_session()
    matches = [add(session, None, f"Registration case {n}") for n in range(5)]
    add(session, None, "Something else")
    response = client.get("/findings/", {"q": "registration"})
    assert sorted(f.pk for f in response.context["page"].object_list) == [f.pk for f in matches[2:]]
    assert "This search matches 3 findings or more" in response.text
    export = client.get("/findings/export.csv", {"q": "registration"})
    rows = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert len(rows) == 1 + 5
    few = client.get("/findings/", {"q": "else"})
    assert "findings or more" not in few.text


def test_a_search_page_costs_the_same_queries_with_one_match_or_many(
    client, django_assert_num_queries
):
    session = make_session()
    add(session, None, "Unique registration")
    # dialogue, country and theme menus (no dialogue chosen: no sessions' menu), the
    # matches' ids (chosen once), the count, the page of findings
    with django_assert_num_queries(6):
        assert len(found(client, "registration")) == 1
    for n in range(30):
        add(session, None, f"Registration again {n}")
    with django_assert_num_queries(6):
        assert len(found(client, "registration")) == 31


def test_drafts_are_not_found(client):
    draft = make_session(make_dialogue(status="draft"))
    add(draft, None, "Secret registration")
    assert found(client, "registration") == []
    assert found(client, "egistratio") == []


# --- the indexes serve the queries ------------------------------------------


def plan(client, q) -> str:
    """The plan of the query that chooses the matches of the search ``q`` (the page
    then reads those rows by their ids)."""
    assert client.get("/findings/", {"q": q}).status_code == 200
    findings = Finding.objects.filter(pk__in=bounded(FindingFilter({"q": q}).unsearched(), q))
    with transaction.atomic(), connection.cursor() as cursor:
        # Few rows: the planner would rather read the table, or walk the primary
        # key; make it show the index it can use.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        return findings.explain()


@postgresql_only
def test_whole_words_are_looked_up_in_the_gin_index(client, findings):
    text = plan(client, "ab")
    assert "Bitmap Index Scan on findings_finding_search_vector_gin" in text, text
    assert "Seq Scan on findings_finding" not in text, text


@postgresql_only
def test_a_search_puts_each_of_its_conditions_once_in_the_query_that_chooses(findings):
    # Twice, PostgreSQL multiplies the condition's selectivity by itself: a search
    # matching 4% of a million findings looked like one matching 0.6%, and was read
    # through the index, every match, instead of the newest findings first (8x slower).
    def choosing(q) -> str:
        chosen = bounded(FindingFilter({"q": q}).unsearched(), q)
        return str(Finding.objects.filter(pk__in=chosen).query)

    assert choosing("Kazakhstan grants").count("@@") == 1
    # The whole words in one part of the union, the part of a word in the other.
    sql = choosing("petit")
    assert sql.count("@@") == 1
    assert sql.count("%petit%") == 2  # in each language's text


@postgresql_only
def test_parts_of_words_are_looked_up_in_the_trigram_indexes(client, findings):
    text = plan(client, "petit")
    for index in (
        "findings_finding_search_vector_gin",
        "findings_finding_text_en_trgm",
        "findings_finding_text_ru_trgm",
    ):
        assert f"Bitmap Index Scan on {index}" in text, text
    assert "Seq Scan on findings_finding" not in text, text


# --- the statement timeout -------------------------------------------------


def lock_findings_for(seconds: float) -> threading.Event:
    """Another connection holds the findings table locked for ``seconds``: every
    statement that reads it waits, as a slow query would make it."""
    params = connection.get_connection_params()
    locked = threading.Event()

    def hold():
        other = psycopg2.connect(**params)
        with other.cursor() as cursor:
            cursor.execute("LOCK TABLE findings_finding IN ACCESS EXCLUSIVE MODE")
            locked.set()
            threading.Event().wait(seconds)
        other.rollback()
        other.close()

    threading.Thread(target=hold, daemon=True).start()
    assert locked.wait(5)
    return locked


def statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_public_search_that_runs_too_long_gets_a_page_saying_so(client, settings):
    settings.I4C_PUBLIC_STATEMENT_TIMEOUT = 0.2
    make_session()
    lock_findings_for(3)
    response = client.get("/findings/", {"q": "registration"})
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "<h1>This search took too long</h1>" in response.text
    assert "Narrow it: add words" in response.text
    # The connection is unlimited again for whoever uses it next.
    assert statement_timeout() == "0"


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_too_long_page_is_in_the_readers_language(client, settings):
    settings.I4C_PUBLIC_STATEMENT_TIMEOUT = 0.2
    make_session()
    lock_findings_for(3)
    response = client.get("/findings/", {"q": "регистрация"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 503
    assert '<html lang="ru">' in response.text


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_staff_are_not_limited_by_the_public_timeout(client, settings):
    settings.I4C_PUBLIC_STATEMENT_TIMEOUT = 0.2
    settings.I4C_REQUIRE_2FA = False
    make_session()
    staff = User.objects.create_user("board", password="a long passphrase 1", is_staff=True)
    client.force_login(staff)
    lock_findings_for(0.6)
    response = client.get("/findings/", {"q": "registration"})
    assert response.status_code == 200
    assert "0 findings" in response.text


# --- the rate limit -----------------------------------------------------------


def test_searches_over_the_limit_get_429_with_retry_after(client, settings):
    settings.I4C_SEARCH_RATE_LIMIT = 2
    settings.I4C_CLIENT_IP_HEADER = ""
    make_session()
    here = {"REMOTE_ADDR": "203.0.113.7"}
    for word in ("one", "two"):
        assert client.get("/findings/", {"q": word}, **here).status_code == 200
    # Browsing without a search is not counted, nor refused.
    assert client.get("/findings/", **here).status_code == 200
    refused = client.get("/findings/", {"q": "three"}, **here)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "<h1>Too many searches</h1>" in refused.text
    assert "more than 2 times in the last minute" in refused.text
    assert client.get("/findings/export.csv", {"q": "three"}, **here).status_code == 429
    # Another address is counted apart.
    assert client.get("/findings/", {"q": "three"}, REMOTE_ADDR="203.0.113.8").status_code == 200
    ru = client.get("/findings/", {"q": "три"}, HTTP_ACCEPT_LANGUAGE="ru", **here)
    assert ru.status_code == 429
    assert '<html lang="ru">' in ru.text
