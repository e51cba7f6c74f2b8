"""The findings browser's filters (``/findings/``), shared with the CSV export."""

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dialogues.content import localized, marked_text
from dialogues.models import Country, Dialogue, Session, Theme

from .enums import Kind
from .models import Finding, public_countries, public_themes
from .search import matching


class MenuSelect(forms.Select):
    """A menu written out directly rather than through one template per option: the
    sessions' menu grows with every dialogue, and each option's template costs more
    than the rest of the page. The same markup as Django's ``Select``."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(key), " selected" if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return format_html("<select{}>{}</select>", flatatt(final), options)


class SessionChoiceField(forms.ModelChoiceField):
    widget = MenuSelect

    def label_from_instance(self, obj):
        return f"{marked_text(obj.dialogue, 'title')} — {marked_text(obj, 'title')}"


class SessionFilter(django_filters.ModelChoiceFilter):
    field_class = SessionChoiceField


class ContentChoiceField(forms.ModelChoiceField):
    """A menu of dialogues, countries or themes, each named in the reader's language."""

    field = "name"
    widget = MenuSelect

    def label_from_instance(self, obj):
        return marked_text(obj, self.field)


class TitleChoiceField(ContentChoiceField):
    field = "title"


class ContentFilter(django_filters.ModelChoiceFilter):
    field_class = ContentChoiceField


class TitleFilter(django_filters.ModelChoiceFilter):
    field_class = TitleChoiceField


class FindingFilterForm(forms.Form):
    """The findings' filters, whose sessions' menu offers one dialogue's sessions:
    the one chosen, or the chosen session's.

    Any published session is still accepted (the session pages link here with
    ``?session=``), but a menu of every session would grow with the archive, and
    sessions are named by their dialogue anyway. The menu follows the values as
    validated, so nothing the address holds reaches a query unchecked.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._offer_sessions(None)

    def clean(self):
        cleaned_data = super().clean()
        session = cleaned_data.get("session")
        self._offer_sessions(cleaned_data.get("dialogue") or (session and session.dialogue))
        return cleaned_data

    def _offer_sessions(self, dialogue):
        field = self.fields["session"]
        if dialogue is None:
            shown = []
            field.help_text = _("Choose a dialogue to choose one of its sessions.")
        else:
            shown = field.queryset.filter(dialogue=dialogue)
            field.help_text = ""
        field.widget.choices = [
            ("", field.empty_label),
            *((s.pk, field.label_from_instance(s)) for s in shown),
        ]


class FindingFilter(django_filters.FilterSet):
    """Filters published findings; every menu offers published choices only."""

    q = django_filters.CharFilter(
        label=pgettext_lazy("search the findings", "Search"), method="search"
    )
    dialogue = TitleFilter(
        label=_("Dialogue"),
        field_name="session__dialogue",
        to_field_name="slug",
        queryset=Dialogue.objects.none(),
        empty_label=_("All dialogues"),
    )
    session = SessionFilter(
        label=_("Session"), queryset=Session.objects.none(), empty_label=_("All sessions")
    )
    country = ContentFilter(
        label=_("Country"),
        to_field_name="code",
        queryset=Country.objects.none(),
        empty_label=_("All countries"),
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Kind, empty_label=_("Both"))
    theme = ContentFilter(
        label=_("Theme"),
        method="filter_theme",
        to_field_name="slug",
        queryset=Theme.objects.none(),
        empty_label=_("All themes"),
    )

    class Meta:
        model = Finding
        fields = ["q", "dialogue", "session", "country", "kind", "theme"]
        form = FindingFilterForm

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("country"):
            data = data.copy()
            data["country"] = data["country"].strip().upper()
        kwargs.setdefault("queryset", Finding.objects.published())
        super().__init__(data, *args, **kwargs)
        published = Dialogue.objects.published()
        self.filters["dialogue"].queryset = published.order_by("-start")
        self.filters["country"].queryset = public_countries().order_by(localized("name"))
        self.filters["session"].queryset = (
            Session.objects.filter(dialogue__in=published)
            .select_related("dialogue")
            # The menu's labels only: not the dialogues' summaries, for every session.
            .only(
                "dialogue_id",
                *(f"title_{code}" for code in settings.CONTENT_LANGUAGES),
                *(f"dialogue__title_{code}" for code in settings.CONTENT_LANGUAGES),
            )
            .order_by("-dialogue__start", "position")
        )
        self.filters["theme"].queryset = public_themes().order_by(localized("name"))

    def unsearched(self, queryset=None):
        """The findings every filter but the search chooses (the filters must be valid).

        A search is bounded (``search.bounded``), which adds the search's own
        conditions to these: once each, so that the database estimates them right.
        """
        assert self.is_valid(), "the filters are not valid"
        queryset = self.queryset if queryset is None else queryset
        for name, value in self.form.cleaned_data.items():
            if name != "q":
                queryset = self.filters[name].filter(queryset, value)
        return queryset

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
        return matching(queryset, value)
