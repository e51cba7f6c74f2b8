"""The filters of ``/actions/``, shared with its CSV export."""

import django_filters
from django.db.models import F, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from dialogues.content import localized
from dialogues.models import Country, Dialogue
from findings.filters import ContentFilter, TitleFilter

from .enums import OVERDUE, OVERDUE_LABEL, ActionStatus
from .models import Action, ActionUpdate


def newest_update_first(actions):
    """Actions whose latest update is newest first; those without updates after, newest
    first. Ties broken by id, so that the order never shifts between requests."""
    latest = ActionUpdate.objects.filter(action=OuterRef("pk")).order_by("-date", "-pk")
    return actions.annotate(last_update_date=Subquery(latest.values("date")[:1])).order_by(
        F("last_update_date").desc(nulls_last=True), "-created", "-pk"
    )


class ActionFilter(django_filters.FilterSet):
    """Filters the actions of published dialogues; every menu offers published choices only."""

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ActionStatus, empty_label=_("All statuses")
    )
    country = ContentFilter(
        label=_("Country"),
        field_name="countries",
        to_field_name="code",
        queryset=Country.objects.none(),
        empty_label=_("All countries"),
    )
    dialogue = TitleFilter(
        label=_("Dialogue"),
        to_field_name="slug",
        queryset=Dialogue.objects.none(),
        empty_label=_("All dialogues"),
    )
    overdue = django_filters.ChoiceFilter(
        label=_("Due date"),
        choices=[(OVERDUE, OVERDUE_LABEL)],
        empty_label=_("Any"),
        method="filter_overdue",
    )

    class Meta:
        model = Action
        fields = ["status", "country", "dialogue", "overdue"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("country"):
            data = data.copy()
            data["country"] = data["country"].strip().upper()
        kwargs.setdefault("queryset", Action.objects.published())
        super().__init__(data, *args, **kwargs)
        published = Dialogue.objects.published()
        self.filters["dialogue"].queryset = published.filter(
            pk__in=Action.objects.values("dialogue_id")
        ).order_by("-start")
        self.filters["country"].queryset = Country.objects.filter(
            pk__in=Action.objects.published().values("countries")
        ).order_by(localized("name"))

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value == OVERDUE else queryset
