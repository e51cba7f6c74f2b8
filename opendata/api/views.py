"""The read-only endpoints. Each states its queries: a page costs the same number of
queries with 1 object or 500 (``tests/test_api.py`` counts them)."""

import calendar
import hashlib

from django.conf import settings
from django.db.models import Prefetch
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError

from actions.models import Action
from dialogues.models import Country, Dialogue, Session, Theme
from findings.enums import Kind
from findings.models import Finding, public_countries, public_themes
from i4c.pagecache import version_and_time

from . import serializers as api
from .filters import FindingApiFilter, SessionApiFilter


class Unchanged(Exception):
    """The reader has this answer already: the 304 to send instead of running the view."""

    def __init__(self, response):
        self.response = response


def _codes():
    return Prefetch("countries", queryset=Country.objects.only("code").order_by("code"))


def _slugs():
    return Prefetch("themes", queryset=Theme.objects.only("slug").order_by("slug"))


def _texts(*fields: str) -> list[str]:
    return [f"{field}_{code}" for field in fields for code in settings.CONTENT_LANGUAGES]


class RecordViewSet(viewsets.GenericViewSet):
    """Published data for everyone, signed in or not, with conditional requests.

    Every answer of a list or an object carries an ETag made of the page cache's
    content version (``i4c.pagecache``, replaced by every change to the record),
    the request's address (path and query) and language, and a Last-Modified of
    when that version was made; a reader who sends either back gets 304 Not
    Modified while nothing has changed, after one query (the version). A 304
    counts against the rate limit like any request. Ids in addresses that are
    not whole numbers are refused (400) before the database sees them.
    """

    lookup_value_regex = "[^/]+"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # content negotiation, the rate limit
        version, changed = version_and_time()
        language = translation.get_language()
        key = f"{version}\n{language}\n{request.build_absolute_uri()}"
        # Weak: the same whether compressed or not (ApiGZipMiddleware), as Django's
        # gzip would make it anyway, so that a 304 carries the ETag its 200 did.
        self.etag = 'W/"' + hashlib.sha256(key.encode()).hexdigest()[:40] + '"'
        self.last_modified = calendar.timegm(changed.utctimetuple())
        response = get_conditional_response(
            request._request, etag=self.etag, last_modified=self.last_modified
        )
        if response is not None:
            raise Unchanged(response)

    def handle_exception(self, exc):
        if isinstance(exc, Unchanged):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code in (200, 304) and hasattr(self, "etag"):
            response["ETag"] = self.etag
            response["Last-Modified"] = http_date(self.last_modified)
            # Kept, but asked again each time: a 304 costs one query.
            response["Cache-Control"] = "no-cache"
        return response

    def get_object(self):
        name = self.lookup_url_kwarg or self.lookup_field
        self.kwargs[name] = self.valid_lookup(self.kwargs[name])
        return super().get_object()

    def valid_lookup(self, value: str):
        field = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
        try:
            return field.run_validation(value)
        except ValidationError as error:
            raise ValidationError({"id": error.detail}) from error


class ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, RecordViewSet):
    pass


def described(many, one=None, **list_schema):
    """The operations' descriptions in the docs (translated; the docstrings are for us)."""
    views = {"list": extend_schema(description=many, **list_schema)}
    if one is not None:
        views["retrieve"] = extend_schema(description=one)
    return extend_schema_view(**views)


@described(
    _("Published dialogues, in id order, each with its sessions."),
    _("A published dialogue, with its sessions."),
)
class DialogueViewSet(ReadViewSet):
    """Published dialogues, each with its sessions. Queries: the content version, the
    dialogues, their countries, their sessions."""

    serializer_class = api.DialogueSerializer
    queryset = Dialogue.objects.published().prefetch_related(
        _codes(),
        Prefetch(
            "sessions",
            queryset=Session.objects.only("dialogue", "slug", "position", *_texts("title")),
        ),
    )


@described(
    _("Sessions of published dialogues, in id order; dialogue (an id) keeps one dialogue's."),
    _("A session of a published dialogue."),
)
class SessionViewSet(ReadViewSet):
    """Sessions of published dialogues; ``dialogue`` (an id) keeps one dialogue's.
    Queries: the version, the sessions with their dialogues' slugs, their themes
    (and the dialogue asked for, checked to be published)."""

    serializer_class = api.SessionSerializer
    filterset_class = SessionApiFilter
    queryset = (
        Session.objects.filter(dialogue__in=Dialogue.objects.published())
        .select_related("dialogue")
        .only("dialogue", "dialogue__slug", "slug", "position", *_texts("title", "description"))
        .prefetch_related(_slugs())
    )


@described(
    _(
        "Findings of published dialogues, in id order, filtered as on the findings page. "
        "A search (q) lists its most recently added matches, as many as the page ranks."
    ),
    _("A finding of a published dialogue."),
    parameters=[
        OpenApiParameter(
            "kind", enum=Kind.values, description=FindingApiFilter.base_filters["kind"].label
        )
    ],
)
class FindingViewSet(ReadViewSet):
    """Findings of published dialogues, filtered as on ``/findings/``. Queries: the
    version, the findings with their sessions' and countries' codes, their themes
    (and one per filter given, which checks its value among the published ones)."""

    serializer_class = api.FindingSerializer
    filterset_class = FindingApiFilter
    queryset = (
        Finding.objects.published()
        .select_related("session__dialogue", "country")
        .only(
            "kind",
            "position",
            "updated",
            *_texts("text"),
            "session",
            "session__slug",
            "session__dialogue",
            "session__dialogue__slug",
            "country",
            "country__code",
        )
        .prefetch_related(_slugs())
    )


@described(
    _("The countries of published dialogues and findings."),
    _("A country, by its two-letter code (KZ or kz)."),
)
class CountryViewSet(ReadViewSet):
    """Countries of published dialogues or findings, by code (``KZ``, any case)."""

    serializer_class = api.CountrySerializer
    queryset = public_countries().only("code", *_texts("name"))
    lookup_field = "code"

    def valid_lookup(self, value: str):
        field = serializers.RegexField(r"^[A-Za-z]{2}$")
        try:
            return field.run_validation(value).upper()
        except ValidationError as error:
            raise ValidationError({"code": error.detail}) from error


@described(_("The themes of published findings and sessions."))
class ThemeViewSet(mixins.ListModelMixin, RecordViewSet):
    """Themes of published findings or sessions."""

    serializer_class = api.ThemeSerializer
    queryset = public_themes().only("slug", *_texts("name"))


@described(
    _("Follow-up actions agreed at published dialogues, in id order."),
    _("A follow-up action agreed at a published dialogue."),
)
class ActionViewSet(ReadViewSet):
    """Follow-up actions agreed at published dialogues. Queries: the version, the
    actions, their countries, the published problems they answer."""

    serializer_class = api.ActionSerializer
    queryset = Action.objects.published().prefetch_related(
        _codes(),
        Prefetch(
            "problems",
            queryset=Finding.objects.published().only("id").order_by("id"),
            to_attr="public_problems",
        ),
    )
