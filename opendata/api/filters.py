"""The API's filters: the findings page's own, and a session's dialogue."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from dialogues.models import Dialogue, Session
from findings.filters import FindingFilter
from findings.search import bounded


class FindingApiFilter(FindingFilter):
    """``/findings/``'s filters, names and values (``dialogue`` slug, ``session`` id,
    ``country`` code, ``kind``, ``theme`` slug, ``q``), with the same published choices.

    A search (``q``) is bounded as on the page: the ``I4C_SEARCH_MAX_RESULTS``
    most recently added matches (``findings.search.bounded``), here listed in id
    order like every list of the API rather than ranked.
    """

    @extend_schema_field(OpenApiTypes.STR)  # a theme's slug, for the schema
    def filter_theme(self, queryset, name, theme):
        return super().filter_theme(queryset, name, theme)

    def filter_queryset(self, queryset):
        matches = super().filter_queryset(queryset)
        value = (self.form.cleaned_data.get("q") or "").strip()
        if not value:
            return matches
        return queryset.filter(pk__in=bounded(self.unsearched(queryset), value))


class SessionApiFilter(django_filters.FilterSet):
    dialogue = django_filters.ModelChoiceFilter(
        label=_("Dialogue"), queryset=Dialogue.objects.published()
    )

    class Meta:
        model = Session
        fields = ["dialogue"]
