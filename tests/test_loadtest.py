"""The load test's baseline (loadtest/): a trivial view that the page cache leaves alone."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.urls("loadtest.urls")
def test_the_trivial_view_costs_no_query_and_no_cache_lookup(
    client, settings, django_assert_num_queries
):
    settings.PAGE_CACHE_SECONDS = 600
    with django_assert_num_queries(0):
        response = client.get("/loadtest/trivial/")
    assert response.content == b"ok\n"
    assert "X-Page-Cache" not in response
    # The same settings cache the site's own pages.
    assert [client.get("/countries/")["X-Page-Cache"] for _ in range(2)] == ["miss", "hit"]
