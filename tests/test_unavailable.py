"""A database that cannot be reached gets a short 503 page, not a traceback."""

import pytest
from django.db import OperationalError, connection

from .conftest import make_session

pytestmark = pytest.mark.django_db


def database_down(execute, sql, params, many, context):
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


@pytest.mark.parametrize("cache_seconds", [600, 0], ids=["cached", "uncached"])
def test_pages_answer_503_while_the_database_is_down(client, settings, cache_seconds):
    settings.PAGE_CACHE_SECONDS = cache_seconds
    url = make_session().get_absolute_url()
    client.raise_request_exception = False
    with connection.execute_wrapper(database_down):
        english = client.get(url)
        russian = client.get(url, headers={"accept-language": "ru"})
    assert english.status_code == 503
    assert english["Retry-After"] == "30"
    assert "<h1>Temporarily unavailable</h1>" in english.text
    assert "Traceback" not in english.text
    assert russian.status_code == 503
    assert "<h1>Временно недоступно</h1>" in russian.text
    assert client.get(url).status_code == 200


def test_other_errors_stay_a_500(client):
    client.raise_request_exception = False
    with connection.execute_wrapper(lambda *args: 1 / 0):
        response = client.get("/")
    assert response.status_code == 500
    assert "<h1>Server error</h1>" in response.text


def test_the_503_page_forbids_framing_and_inline_code(client):
    url = make_session().get_absolute_url()
    page = client.get(url)
    client.raise_request_exception = False
    with connection.execute_wrapper(database_down):
        unavailable = client.get(url)
    assert unavailable.status_code == 503
    assert unavailable["Content-Security-Policy"] == page["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in unavailable["Content-Security-Policy"]
    assert unavailable["X-Frame-Options"] == "DENY"
