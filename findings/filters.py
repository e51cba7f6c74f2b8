"""The findings browser's filters (``/findings/``), shared with the CSV export."""

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dialogues.models import Country, Dialogue, Session, Theme

from .enums import Kind
from .models import Finding, public_countries


def in_list_order(findings):
    """The one order of ``/findings/`` and of its CSV: newest dialogue first, then
    session by session, country by country (regional last), successes, problems, by number.

    Ties are broken by ids: two dialogues may start at the same moment, and pages
    must not shift between requests. Regional last on every database (SQLite
    would put NULL first).
    """
    return findings.order_by(
        "-session__dialogue__start",
        "session__dialogue_id",
        "session__position",
        "session_id",
        F("country__name").asc(nulls_last=True),
        "-kind",
        "position",
        "pk",
    )


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.dialogue.title} — {obj.title}"


class SessionFilter(django_filters.ModelChoiceFilter):
    field_class = SessionChoiceField


class FindingFilter(django_filters.FilterSet):
    """Filters published findings; every menu offers published choices only."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    dialogue = django_filters.ModelChoiceFilter(
        label=_("Dialogue"),
        field_name="session__dialogue",
        to_field_name="slug",
        queryset=Dialogue.objects.none(),
        empty_label=_("All dialogues"),
    )
    session = SessionFilter(
        label=_("Session"), queryset=Session.objects.none(), empty_label=_("All sessions")
    )
    country = django_filters.ModelChoiceFilter(
        label=_("Country"),
        to_field_name="code",
        queryset=Country.objects.none(),
        empty_label=_("All countries"),
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Kind, empty_label=_("Both"))
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"),
        method="filter_theme",
        to_field_name="slug",
        queryset=Theme.objects.none(),
        empty_label=_("All themes"),
    )

    class Meta:
        model = Finding
        fields = ["q", "dialogue", "session", "country", "kind", "theme"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("country"):
            data = data.copy()
            data["country"] = data["country"].strip().upper()
        kwargs.setdefault("queryset", Finding.objects.published())
        super().__init__(data, *args, **kwargs)
        published = Dialogue.objects.published()
        self.filters["dialogue"].queryset = published.order_by("-start")
        self.filters["country"].queryset = public_countries().order_by("name")
        self.filters["session"].queryset = (
            Session.objects.filter(dialogue__in=published)
            .select_related("dialogue")
            .order_by("-dialogue__start", "position")
        )
        self.filters["theme"].queryset = (
            Theme.objects.filter(
                Q(findings__session__dialogue__in=published) | Q(sessions__dialogue__in=published)
            )
            .distinct()
            .order_by("name")
        )

    def filter_theme(self, queryset, name, theme):
        """A finding is on a theme when it has it, or when its session has it.

        Subqueries rather than joins: no finding is listed twice, no DISTINCT needed.
        """
        if theme is None:
            return queryset
        return queryset.filter(
            Q(pk__in=theme.findings.values("pk")) | Q(session__in=theme.sessions.values("pk"))
        )

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if connection.vendor == "postgresql":
            # Findings are written in English and in Russian: stem with both, and
            # keep a plain substring match for parts of words.
            vector = SearchVector("text", config="english") + SearchVector("text", config="russian")
            query = SearchQuery(value, config="english", search_type="websearch") | SearchQuery(
                value, config="russian", search_type="websearch"
            )
            return queryset.annotate(search=vector).filter(
                Q(search=query) | Q(text__icontains=value)
            )
        return queryset.filter(text__icontains=value)
