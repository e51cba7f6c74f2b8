"""Every operation of the API, driven by Schemathesis from the API's own OpenAPI schema
against the app in this process: no answer is a 5xx, and every answer (status,
content type, headers, body) is one the schema declares."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from i4c.wsgi import application

from .test_api import make_record


def served_schema() -> dict:
    """The schema /api/v1/openapi.json serves, made as its view makes it (without the
    database, which is closed while tests are collected)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(served_schema())
schema.app = application


@pytest.fixture
def api_settings(db, settings):
    settings.I4C_API_RATE_LIMIT = 0
    settings.I4C_SEARCH_MAX_RESULTS = 1000
    settings.I4C_PUBLIC_STATEMENT_TIMEOUT = 2.0
    settings.PAGE_CACHE_SECONDS = 600
    make_record()
    # The requests go through the WSGI handler in this thread, inside the test's
    # transaction: it must not close the connection after each (Django's own test
    # client makes sure of that too).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_its_schema_says(case, api_settings):
    case.call_and_validate(
        # Schemathesis asks for gzip as requests does, and its WSGI client does not unpack it.
        headers={"Accept-Encoding": "identity"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ],
    )
