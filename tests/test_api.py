"""The JSON API (/api/v1/): the contract's fields, published data only, refused
parameters named (400), cursor pages, conditional requests, CORS, the rate limit,
the statement timeout, and a fixed number of queries per request."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection  # noqa: F401 (read by the skipif condition below)
from django.utils import timezone

from actions.models import Action
from dialogues.enums import Status
from dialogues.models import Country, Theme
from findings.enums import Kind
from findings.models import Finding

from .conftest import make_dialogue, make_findings, make_session

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the statement timeout is PostgreSQL's"
)


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.I4C_API_RATE_LIMIT = 0
    settings.I4C_SEARCH_MAX_RESULTS = 1000
    settings.I4C_PUBLIC_STATEMENT_TIMEOUT = 2.0
    settings.CONTENT_LANGUAGES = ["en", "ru"]
    settings.PAGE_CACHE_SECONDS = 600


@pytest.fixture
def record():
    return make_record()


def make_record() -> dict:
    """A published dialogue (two countries, a session on a theme, findings, an action)
    and a draft with the same kinds of things."""
    kz, kg = Country.objects.get(code="KZ"), Country.objects.get(code="KG")
    theme = Theme.objects.create(name_en="Youth", name_ru="Молодёжь", slug="youth")
    dialogue = make_dialogue(
        title_en="Civic space",
        title_ru="Гражданское пространство",
        series_en="Regional Dialogues",
        summary_en="What the dialogue was for.",
    )
    dialogue.countries.set([kz, kg])
    session = make_session(
        dialogue, title_en="Participation", description_en="Who takes part.", position=1
    )
    session.themes.add(theme)
    success = make_findings(session, kz)[0]
    problem = Finding.objects.create(
        session=session,
        country=kg,
        kind=Kind.PROBLEM,
        position=1,
        text_en="Registration takes six months",
        text_ru="Регистрация занимает шесть месяцев",
    )
    problem.themes.add(theme)
    draft = make_dialogue(title_en="Draft dialogue", status=Status.DRAFT)
    draft_session = make_session(draft, position=1)
    draft_problem = Finding.objects.create(
        session=draft_session, country=kz, kind=Kind.PROBLEM, position=1, text_en="Not yet said"
    )
    action = Action.objects.create(
        dialogue=dialogue,
        session=session,
        title_en="Write to the ministry",
        title_ru="Написать в министерство",
        carried_by_en="I4C Board",
        due_date=datetime.date(2025, 3, 1),
    )
    action.countries.add(kg)
    action.problems.add(problem, draft_problem)
    draft_action = Action.objects.create(dialogue=draft, title_en="Secret", carried_by_en="x")
    return {
        "dialogue": dialogue,
        "session": session,
        "success": success,
        "problem": problem,
        "theme": theme,
        "action": action,
        "draft": draft,
        "draft_session": draft_session,
        "draft_problem": draft_problem,
        "draft_action": draft_action,
    }


def results(client, path, **params):
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def local(moment) -> str:
    """A datetime as the API writes it: ISO 8601 in the site's zone, with its offset."""
    return timezone.localtime(moment).isoformat()


# --- the objects -----------------------------------------------------------------


def test_a_dialogue_has_the_contracts_fields_and_its_sessions(client, record):
    dialogue, session = record["dialogue"], record["session"]
    assert client.get(f"/api/v1/dialogues/{dialogue.pk}/").json() == {
        "id": dialogue.pk,
        "url": f"http://testserver/dialogues/{dialogue.slug}/",
        "slug": dialogue.slug,
        "title": {"en": "Civic space", "ru": "Гражданское пространство"},
        "series": {"en": "Regional Dialogues"},
        "organiser": {},
        "summary": {"en": "What the dialogue was for."},
        "start": local(dialogue.start),
        "end": local(dialogue.end),
        "format": "online",
        "countries": ["KG", "KZ"],
        "published_at": local(dialogue.published_at),
        "report_url": f"http://testserver/dialogues/{dialogue.slug}/report/",
        "sessions": [
            {
                "id": session.pk,
                "url": f"http://testserver/dialogues/{dialogue.slug}/{session.slug}/",
                "slug": session.slug,
                "position": 1,
                "title": {"en": "Participation"},
            }
        ],
    }
    assert local(dialogue.start).endswith("+06:00")  # Asia/Bishkek, with its offset


def test_a_session_finding_country_theme_and_action_have_the_contracts_fields(client, record):
    dialogue, session, problem = record["dialogue"], record["session"], record["problem"]
    session_url = f"http://testserver/dialogues/{dialogue.slug}/{session.slug}/"
    assert client.get(f"/api/v1/sessions/{session.pk}/").json() == {
        "id": session.pk,
        "url": session_url,
        "slug": session.slug,
        "dialogue": dialogue.pk,
        "position": 1,
        "title": {"en": "Participation"},
        "description": {"en": "Who takes part."},
        "themes": ["youth"],
    }
    problem.refresh_from_db()
    assert client.get(f"/api/v1/findings/{problem.pk}/").json() == {
        "id": problem.pk,
        "url": f"{session_url}#finding-{problem.pk}",
        "dialogue": dialogue.pk,
        "session": session.pk,
        "country": "KG",
        "kind": "problem",
        "position": 1,
        "text": {"en": "Registration takes six months", "ru": "Регистрация занимает шесть месяцев"},
        "themes": ["youth"],
        "updated": local(problem.updated),
    }
    assert client.get("/api/v1/countries/kg/").json() == {
        "id": Country.objects.get(code="KG").pk,
        "code": "KG",
        "url": "http://testserver/countries/kg/",
        "name": {"en": "Kyrgyzstan", "ru": "Кыргызстан"},
    }
    assert results(client, "/api/v1/themes/") == [
        {
            "id": record["theme"].pk,
            "slug": "youth",
            "url": "http://testserver/findings/?theme=youth",
            "name": {"en": "Youth", "ru": "Молодёжь"},
        }
    ]
    action = record["action"]
    action.refresh_from_db()
    assert client.get(f"/api/v1/actions/{action.pk}/").json() == {
        "id": action.pk,
        "url": f"http://testserver/actions/{action.pk}/",
        "dialogue": dialogue.pk,
        "session": session.pk,
        "title": {"en": "Write to the ministry", "ru": "Написать в министерство"},
        "description": {},
        "carried_by": {"en": "I4C Board"},
        "countries": ["KG"],
        "due_date": "2025-03-01",
        "status": "planned",
        # The draft's problem it also answers is not named.
        "problems": [problem.pk],
        "updated": local(action.updated),
    }


def test_a_list_is_next_previous_and_results(client, record):
    body = client.get("/api/v1/findings/").json()
    assert body == {
        "next": None,
        "previous": None,
        "results": body["results"],
    }
    assert [f["id"] for f in body["results"]] == [record["success"].pk, record["problem"].pk]


# --- drafts -----------------------------------------------------------------------


def test_no_list_shows_a_draft_or_what_belongs_to_it(client, record):
    assert [d["id"] for d in results(client, "/api/v1/dialogues/")] == [record["dialogue"].pk]
    assert [s["id"] for s in results(client, "/api/v1/sessions/")] == [record["session"].pk]
    assert record["draft_problem"].pk not in [f["id"] for f in results(client, "/api/v1/findings/")]
    assert [a["id"] for a in results(client, "/api/v1/actions/")] == [record["action"].pk]


@pytest.mark.parametrize(
    ("endpoint", "name"),
    [
        ("dialogues", "draft"),
        ("sessions", "draft_session"),
        ("findings", "draft_problem"),
        ("actions", "draft_action"),
    ],
)
def test_a_draft_by_its_id_is_a_json_404(client, record, endpoint, name):
    response = client.get(f"/api/v1/{endpoint}/{record[name].pk}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}


def test_a_draft_is_refused_by_every_filter_as_if_it_did_not_exist(client, record):
    draft, session = record["draft"], record["draft_session"]
    for path, params, name in [
        ("/api/v1/sessions/", {"dialogue": draft.pk}, "dialogue"),
        ("/api/v1/findings/", {"dialogue": draft.slug}, "dialogue"),
        ("/api/v1/findings/", {"session": session.pk}, "session"),
    ]:
        response = client.get(path, params)
        assert response.status_code == 400
        assert list(response.json()) == [name]
    # Searching the draft's text finds nothing either.
    assert results(client, "/api/v1/findings/", q=record["draft_problem"].text_en) == []


def test_a_signed_in_board_member_gets_the_published_record_only(client, record, settings):
    settings.I4C_REQUIRE_2FA = False
    staff = User.objects.create_superuser("board", password="a long passphrase 1")
    client.force_login(staff)
    assert [d["id"] for d in results(client, "/api/v1/dialogues/")] == [record["dialogue"].pk]
    assert client.get(f"/api/v1/dialogues/{record['draft'].pk}/").status_code == 404


# --- filters --------------------------------------------------------------------------


def test_findings_are_filtered_with_the_findings_pages_names_and_values(client, record):
    success, problem = record["success"].pk, record["problem"].pk
    dialogue = record["dialogue"]

    def ids(**params):
        return [f["id"] for f in results(client, "/api/v1/findings/", **params)]

    assert ids(country="kz") == [success]
    assert ids(country="KG", kind="problem") == [problem]
    assert ids(kind="success") == [success]
    assert ids(dialogue=dialogue.slug) == [success, problem]
    assert ids(session=record["session"].pk) == [success, problem]
    # On the theme: the problem has it, and its session has it too.
    assert ids(theme="youth") == [success, problem]
    assert ids(q="registration") == [problem]
    assert ids(q="Регистрация", country="KG") == [problem]
    assert ids(q="registration", country="KZ") == []
    # Parameters the API does not read are left alone.
    assert ids(utm_source="mail") == [success, problem]


def test_a_search_lists_at_most_the_newest_matches_as_the_page_ranks(client, record, settings):
    session = record["session"]
    newer = make_findings(session, Country.objects.get(code="TJ"), count=3)
    settings.I4C_SEARCH_MAX_RESULTS = 2
    assert [f["id"] for f in results(client, "/api/v1/findings/", q="Finding")] == [
        f.pk for f in newer[1:]
    ]


def test_sessions_are_filtered_by_dialogue(client, record):
    other = make_session(make_dialogue(), position=1)
    assert [s["id"] for s in results(client, "/api/v1/sessions/", dialogue=other.dialogue_id)] == [
        other.pk
    ]


# --- refused parameters --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("/api/v1/findings/", {"country": "XX"}, "country"),
        ("/api/v1/findings/", {"kind": "x"}, "kind"),
        ("/api/v1/findings/", {"session": "abc"}, "session"),
        ("/api/v1/findings/", {"dialogue": "no-such-dialogue"}, "dialogue"),
        ("/api/v1/findings/", {"theme": "no-such-theme"}, "theme"),
        ("/api/v1/findings/", {"page_size": "abc"}, "page_size"),
        ("/api/v1/findings/", {"page_size": "0"}, "page_size"),
        ("/api/v1/findings/", {"page_size": "501"}, "page_size"),
        ("/api/v1/findings/", {"cursor": "not a cursor"}, "cursor"),
        # Well encoded, but its position is not an id.
        ("/api/v1/findings/", {"cursor": "cD1hYmM="}, "cursor"),
        ("/api/v1/sessions/", {"dialogue": "abc"}, "dialogue"),
        ("/api/v1/dialogues/", {"page_size": "-5"}, "page_size"),
        ("/api/v1/findings/abc/", {}, "id"),
        ("/api/v1/findings/99999999999999999999999/", {}, "id"),
        ("/api/v1/countries/k1/", {}, "code"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, record, path, params, name):
    response = client.get(path, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == [name]
    assert all(isinstance(message, str) and message for message in body[name])


def test_an_unknown_address_under_the_api_is_a_json_404(client, db):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert client.get("/api/v1/findings").headers["Location"] == "/api/v1/findings/"
    assert client.get("/api/v1/countries/zz/").json() == {
        "detail": "No Country matches the given query."
    }


def test_the_api_only_reads(client, record):
    response = client.post("/api/v1/findings/", {}, content_type="application/json")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "POST" not allowed.'}


# --- pages --------------------------------------------------------------------------------


def test_cursor_pages_walk_every_finding_once_while_findings_are_added(client, record):
    session = record["session"]
    make_findings(session, Country.objects.get(code="TJ"), count=3)
    expected = list(Finding.objects.published().order_by("pk").values_list("pk", flat=True))
    body = client.get("/api/v1/findings/", {"page_size": 2}).json()
    seen = [f["id"] for f in body["results"]]
    assert body["previous"] is None
    # A finding added before the first ones does not shift the pages that follow.
    make_findings(session, Country.objects.get(code="UZ"), count=1)
    while body["next"]:
        assert body["next"].startswith("http://testserver/api/v1/findings/?cursor=")
        body = client.get(body["next"]).json()
        seen += [f["id"] for f in body["results"]]
    added = Finding.objects.published().order_by("-pk").first().pk
    assert seen == [*expected, added]
    previous = client.get(body["previous"]).json()
    assert [f["id"] for f in previous["results"]] == seen[-4:-2]


def test_page_size_may_be_500_at_most(client, record):
    body = client.get("/api/v1/findings/", {"page_size": 500}).json()
    assert len(body["results"]) == 2
    assert client.get("/api/v1/findings/", {"page_size": 1}).json()["next"] is not None


# --- conditional requests -------------------------------------------------------------


def test_an_unchanged_list_is_304_by_its_etag_or_its_date(client, record):
    first = client.get("/api/v1/findings/", {"kind": "problem"})
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('W/"') and first["Cache-Control"] == "no-cache"
    again = client.get("/api/v1/findings/", {"kind": "problem"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Access-Control-Allow-Origin"] == "*"
    by_date = client.get("/api/v1/findings/", {"kind": "problem"}, HTTP_IF_MODIFIED_SINCE=modified)
    assert by_date.status_code == 304


def test_the_etag_differs_by_address_query_and_language(client, record):
    def etag(path, params=None, **headers):
        return client.get(path, params, **headers)["ETag"]

    tags = {
        etag("/api/v1/findings/"),
        etag("/api/v1/findings/", {"kind": "problem"}),
        etag("/api/v1/dialogues/"),
        etag("/api/v1/findings/", HTTP_ACCEPT_LANGUAGE="ru"),
    }
    assert len(tags) == 4
    assert etag("/api/v1/findings/") == etag("/api/v1/findings/")


def test_any_change_to_the_record_makes_the_answer_new(client, record):
    first = client.get("/api/v1/countries/")
    problem = record["problem"]
    problem.text_en = "Registration takes a year"
    problem.save()
    again = client.get("/api/v1/countries/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert client.get(f"/api/v1/findings/{problem.pk}/", HTTP_IF_NONE_MATCH=first["ETag"]).json()[
        "text"
    ]["en"] == ("Registration takes a year")


def test_errors_carry_no_etag(client, record):
    assert not client.get("/api/v1/findings/", {"kind": "x"}).has_header("ETag")
    assert not client.get("/api/v1/findings/0/").has_header("ETag")


# --- CORS ---------------------------------------------------------------------------------


def test_any_origin_may_read_the_api_without_credentials(client, record):
    response = client.get("/api/v1/themes/", HTTP_ORIGIN="https://research.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert not response.has_header("Access-Control-Allow-Credentials")
    refused = client.get("/api/v1/findings/", {"kind": "x"}, HTTP_ORIGIN="https://a.example")
    assert refused["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_for_a_conditional_read_is_answered(client, db):
    response = client.options(
        "/api/v1/findings/",
        HTTP_ORIGIN="https://research.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]


def test_cors_is_for_the_api_and_its_reads_only(client, record):
    assert not client.get("/findings/").has_header("Access-Control-Allow-Origin")
    assert not client.get("/admin/login/").has_header("Access-Control-Allow-Origin")
    post = client.post("/api/v1/findings/", {}, HTTP_ORIGIN="https://a.example")
    assert not post.has_header("Access-Control-Allow-Origin")


# --- the rate limit -----------------------------------------------------------------------


def test_too_many_requests_from_one_address_get_a_json_429(client, record, settings):
    settings.I4C_API_RATE_LIMIT = 2
    here = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get("/api/v1/themes/", **here).status_code == 200
    assert client.get("/api/v1/countries/", **here).status_code == 200
    refused = client.get("/api/v1/findings/", **here)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("Request was throttled.")
    assert refused["Access-Control-Allow-Origin"] == "*"
    # Another address is counted apart.
    assert client.get("/api/v1/findings/", REMOTE_ADDR="203.0.113.8").status_code == 200


def test_the_limit_counts_the_address_the_proxy_saw(client, record, settings):
    settings.I4C_API_RATE_LIMIT = 1
    settings.I4C_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.I4C_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    assert (
        client.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code
        == 200
    )
    assert (
        client.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy).status_code
        == 200
    )
    assert (
        client.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code
        == 429
    )


# --- the statement timeout ------------------------------------------------------------


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_request_that_runs_too_long_gets_a_json_503(client, settings):
    from .test_search import lock_findings_for, statement_timeout

    settings.I4C_PUBLIC_STATEMENT_TIMEOUT = 0.2
    make_session()
    lock_findings_for(3)
    response = client.get("/api/v1/findings/")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("Preparing this answer took too long")
    assert statement_timeout() == "0"


# --- the schema and the docs ------------------------------------------------------------


def test_the_schema_lists_every_endpoint_with_its_errors(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert sorted(schema["paths"]) == [
        "/api/v1/actions/",
        "/api/v1/actions/{id}/",
        "/api/v1/countries/",
        "/api/v1/countries/{code}/",
        "/api/v1/dialogues/",
        "/api/v1/dialogues/{id}/",
        "/api/v1/findings/",
        "/api/v1/findings/{id}/",
        "/api/v1/sessions/",
        "/api/v1/sessions/{id}/",
        "/api/v1/themes/",
    ]
    for operations in schema["paths"].values():
        assert sorted(operations["get"]["responses"]) == ["200", "304", "400", "404", "429", "503"]
    findings = schema["paths"]["/api/v1/findings/"]["get"]["parameters"]
    assert sorted(p["name"] for p in findings) == [
        "country",
        "cursor",
        "dialogue",
        "kind",
        "page_size",
        "q",
        "session",
        "theme",
    ]


def test_the_docs_page_loads_its_script_and_styles_from_the_site(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.text
    assert "<style" not in html
    assert "<script>" not in html
    assert '<script src="/api/v1/docs/?script="></script>' in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "http" not in html.replace("http-equiv", "")
    script = client.get("/api/v1/docs/", {"script": ""})
    assert script["Content-Type"].startswith("application/javascript")
    assert '"/api/v1/openapi.json"' in script.text


# --- queries ----------------------------------------------------------------------------------


def more_of_everything(record, n):
    """``n`` more of each object in the published dialogue."""
    dialogue = record["dialogue"]
    kz = Country.objects.get(code="KZ")
    for _ in range(n):
        other = make_dialogue()
        other.countries.add(kz)
        session = make_session(other, position=1)
        session.themes.add(
            Theme.objects.create(name_en=f"Theme {session.pk}", slug=f"t{session.pk}")
        )
        finding = make_findings(session, kz, Kind.PROBLEM)[0]
        finding.themes.add(record["theme"])
        action = Action.objects.create(dialogue=other, title_en="Act", carried_by_en="Board")
        action.countries.add(kz)
        action.problems.add(finding)
    return dialogue


# The content version (ETag) is the first query of every request; then the page.
BUDGETS = {
    # dialogues, their countries, their sessions
    "/api/v1/dialogues/": 4,
    # sessions with their dialogues, their themes
    "/api/v1/sessions/": 3,
    # findings with their sessions, dialogues and countries, their themes
    "/api/v1/findings/": 3,
    "/api/v1/countries/": 2,
    "/api/v1/themes/": 2,
    # actions, their countries, their published problems
    "/api/v1/actions/": 4,
}


@pytest.mark.parametrize("path", list(BUDGETS))
@pytest.mark.parametrize("extra", [0, 30])
def test_a_page_costs_the_same_queries_for_one_object_or_many(
    client, record, django_assert_num_queries, path, extra
):
    more_of_everything(record, extra)
    with django_assert_num_queries(BUDGETS[path]):
        response = client.get(path, {"page_size": 500})
    assert response.status_code == 200
    # Countries are the hub's, whatever the number of dialogues.
    assert len(response.json()["results"]) >= (1 if "countries" in path else 1 + extra)


@pytest.mark.parametrize("extra", [0, 30])
def test_filters_and_objects_cost_a_fixed_number_of_queries(
    client, record, django_assert_num_queries, extra
):
    more_of_everything(record, extra)
    # version, the country and the kind's... the country checked, findings, themes
    with django_assert_num_queries(4):
        assert (
            client.get("/api/v1/findings/", {"country": "KZ", "page_size": 500}).status_code == 200
        )
    # version, the dialogue checked, sessions, themes
    with django_assert_num_queries(4):
        client.get("/api/v1/sessions/", {"dialogue": record["dialogue"].pk})
    # version, the dialogue, its countries, its sessions
    with django_assert_num_queries(4):
        client.get(f"/api/v1/dialogues/{record['dialogue'].pk}/")
    # A 304 costs the version only.
    etag = client.get("/api/v1/findings/")["ETag"]
    with django_assert_num_queries(1):
        assert client.get("/api/v1/findings/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_api_is_never_kept_in_the_page_cache(client, record, settings):
    settings.PAGE_CACHE_SECONDS = 600
    first = client.get("/api/v1/themes/")
    assert not first.has_header("X-Page-Cache")
    assert "Accept-Language" in first["Vary"]
    Theme.objects.filter(slug="youth").update(name_en="Young people")  # behind the app's back
    # Not served from a cache: the new name at once, though the version did not change.
    assert results(client, "/api/v1/themes/")[0]["name"]["en"] == "Young people"


def test_head_gets_the_headers_of_get_and_no_body(client, record):
    get = client.get("/api/v1/findings/")
    head = client.head("/api/v1/findings/")
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]
    assert client.head("/api/v1/findings/", HTTP_IF_NONE_MATCH=get["ETag"]).status_code == 304


def test_no_other_app_imports_the_open_data_app():
    """The API reads every app; none of them, nor the project, reads it (settings name
    its middleware and classes as strings, as they name every app)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    imported = set()
    for app in ("i4c", "dialogues", "findings", "actions", "reports"):
        for path in (root / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module:
                    imported.add(node.module.split(".")[0])
                elif isinstance(node, ast.Import):
                    imported.update(alias.name.split(".")[0] for alias in node.names)
    assert "dialogues" in imported  # the walk did read the imports
    assert "opendata" not in imported


def test_answers_are_compressed_and_their_weak_etag_still_matches(client, record):
    import gzip
    import json

    response = client.get("/api/v1/findings/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["results"][0]["id"] == (
        record["success"].pk
    )
    etag = response["ETag"]
    assert etag == client.get("/api/v1/findings/")["ETag"]
    again = client.get("/api/v1/findings/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert not client.get("/findings/export.csv", HTTP_ACCEPT_ENCODING="gzip").has_header(
        "Content-Encoding"
    )
