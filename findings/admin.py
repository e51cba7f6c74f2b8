import hashlib
from functools import partial

import reversion
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.models import LogEntry
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import SEARCH_VAR
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language_info, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline
from modeltranslation.utils import get_translation_fields

from dialogues.admin import (
    ADMIN_MEDIA,
    DialogueAdminBase,
    NumberTakenMeanwhileMixin,
    SessionAdminBase,
    say_renumbered,
)
from dialogues.models import Country, Dialogue, Session, Theme
from i4c.history import VersionAdmin, changeable_content_types

from . import export, importer
from .admin_history import FindingHistoryMixin
from .admin_notes import add_findings_from_notes, add_translations_from_notes
from .forms import (
    ADD_COUNTRIES_LABEL,
    FindingForm,
    FindingInlineForm,
    FindingInlineFormSet,
    SessionForm,
)
from .lists import CappedPaginator
from .models import Finding, ImportPreview, missing_text

# The digest of the file whose preview may be confirmed; the text is an ImportPreview.
IMPORT_SESSION_KEY = "findings_import"


def language_name(code: str) -> str:
    """The language's name in the admin's language: “Russian”."""
    return get_language_info(code)["name_translated"]


# Said of English and Russian in words of their own: a language's name put into a
# sentence does not take the case the sentence needs in Russian.


def missing_label(code: str) -> str:
    """The filter's option: “Missing Russian”."""
    if code == "en":
        return gettext("Missing English")
    if code == "ru":
        return gettext("Missing Russian")
    return gettext("Missing %(language)s") % {"language": language_name(code)}


def untranslated_count(code: str, count: int) -> str:
    """“3 findings have no Russian text”, “Every finding has a Russian text.”"""
    values = {"count": count, "language": language_name(code)}
    if code == "ru" and count:
        message = ngettext(
            "%(count)s finding has no Russian text",
            "%(count)s findings have no Russian text",
            count,
        )
    elif code == "ru":
        message = gettext("Every finding has a Russian text.")
    elif count:
        message = ngettext(
            "%(count)s finding has no text in %(language)s",
            "%(count)s findings have no text in %(language)s",
            count,
        )
    else:
        message = gettext("Every finding has a text in %(language)s.")
    return message % values


class MissingTranslationFilter(admin.SimpleListFilter):
    """Findings without a text in one content language: an option per language of the
    setting. Part of the list's query: it costs no query of its own."""

    title = _("translation")
    parameter_name = "missing"

    def lookups(self, request, model_admin):
        return [(code, missing_label(code)) for code in settings.CONTENT_LANGUAGES]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value not in settings.CONTENT_LANGUAGES:
            raise IncorrectLookupParameters(value)
        return queryset.filter(missing_text(value))


def untranslated_url(dialogue_id, language: str) -> str:
    """The findings list showing the dialogue's findings without a text in ``language``."""
    query = {
        "session__dialogue__id__exact": dialogue_id,
        MissingTranslationFilter.parameter_name: language,
    }
    return f"{reverse('admin:findings_finding_changelist')}?{urlencode(query)}"


@admin.register(Dialogue)
class DialogueAdmin(DialogueAdminBase):
    """The dialogue admin, saying how many of its findings lack a translation."""

    readonly_fields = [*DialogueAdminBase.readonly_fields, "untranslated_findings"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets, (_("Translation"), {"fields": ["untranslated_findings"]})]

    @admin.display(description=_("findings without translation"))
    def untranslated_findings(self, obj):
        """For each content language but English, how many of the dialogue's findings have
        no text in it, linking to them. One query, whatever the languages."""
        languages = [code for code in settings.CONTENT_LANGUAGES if code != "en"]
        if obj is None or obj.pk is None or not languages:
            return "-"
        counts = Finding.objects.filter(session__dialogue=obj).aggregate(
            **{code: Count("pk", filter=missing_text(code)) for code in languages}
        )
        lines = []
        for code in languages:
            text = untranslated_count(code, counts[code])
            if counts[code]:
                text = format_html('<a href="{}">{}</a>', untranslated_url(obj.pk, code), text)
            lines.append((text,))
        return format_html_join(mark_safe("<br>"), "{}", lines)


class FindingInline(TranslationTabularInline):
    model = Finding
    form = FindingInlineForm
    formset = FindingInlineFormSet
    fields = ["country", "kind", "position", "text"]
    ordering = [F("country__name").asc(nulls_first=True), "-kind", "position"]
    extra = 3

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("country")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "country" and isinstance(field.widget, RelatedFieldWidgetWrapper):
            # A plain menu: the edit, add, delete and view icons on every row of the
            # table only crowd it, and countries have their own page.
            field.widget = field.widget.widget
        if db_field.name in get_translation_fields("text"):
            # Most findings are a line or two; the admin's CSS gives the box the row's width.
            field.widget.attrs["rows"] = 3
        return field


def check_countries(model_admin, request, dialogue, countries, *, add: bool, page: str):
    """After a save: name the findings' countries that the dialogue does not list, or,
    when the Board member asked for it, add them to its participating countries."""
    outside = dialogue.countries_outside(countries)
    if not outside:
        return
    # Adding countries changes the dialogue: it takes the permission to change one.
    add = add and request.user.has_perm("dialogues.change_dialogue")
    names = ", ".join(country.display_name for country in outside)
    values = {"countries": names, "dialogue": dialogue}
    if add:
        dialogue.countries.add(*outside)
        # Recorded in the dialogue's history too, within this save's revision.
        reversion.add_to_revision(dialogue)
        model_admin.message_user(
            request,
            gettext("Added to the participating countries of “%(dialogue)s”: %(countries)s.")
            % values,
            messages.SUCCESS,
        )
        return
    message = ngettext(
        "Findings are saved for %(countries)s, which is not among the participating "
        "countries of “%(dialogue)s”. To add it, tick “%(label)s” on %(page)s and save again.",
        "Findings are saved for %(countries)s, which are not among the participating "
        "countries of “%(dialogue)s”. To add them, tick “%(label)s” on %(page)s and save again.",
        len(outside),
    )
    link = format_html('<a href="{}">{}</a>', page, gettext("the page"))
    values = {key: conditional_escape(value) for key, value in values.items()}
    label = conditional_escape(ADD_COUNTRIES_LABEL)
    model_admin.message_user(
        request,
        mark_safe(message % {**values, "label": label, "page": link}),  # noqa: S308 (escaped)
        messages.WARNING,
    )


@admin.register(Session)
class SessionAdmin(NumberTakenMeanwhileMixin, SessionAdminBase):
    form = SessionForm
    # Named here: modeltranslation's admin lays out the form's model fields only (each
    # translatable one once per language), and would leave the box out.
    fields = [*SessionForm.Meta.fields, "add_countries_to_dialogue"]
    inlines = [FindingInline]
    list_display = [*SessionAdminBase.list_display, "finding_count"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(finding_count=Coalesce(Sum("list_sizes__count"), 0))
        )

    def get_urls(self):
        # Before the default URLs: their "<path:object_id>/" would swallow ".../notes/".
        view = self.admin_site.admin_view
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/notes/",
                view(partial(add_findings_from_notes, self)),
                name=f"{name}_notes",
            ),
            path(
                "<path:object_id>/translations/",
                view(partial(add_translations_from_notes, self)),
                name=f"{name}_translations",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("findings"), ordering="finding_count")
    def finding_count(self, obj):
        return obj.finding_count

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        say_renumbered(self, request, formset)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        check_countries(
            self,
            request,
            form.instance.dialogue,
            Country.objects.filter(findings__session=form.instance).distinct(),
            add=form.cleaned_data.get("add_countries_to_dialogue", False),
            page=reverse("admin:dialogues_session_change", args=[form.instance.pk]),
        )


class ThemeListFilter(admin.SimpleListFilter):
    """Findings with a theme, by a subquery: the list needs no DISTINCT to count or page."""

    title = _("theme")
    parameter_name = "theme"

    def lookups(self, request, model_admin):
        return [(str(theme.pk), str(theme)) for theme in Theme.objects.order_by("name")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        if not self.value().isdigit():
            raise IncorrectLookupParameters
        through = Finding.themes.through.objects.filter(theme_id=int(self.value()))
        return queryset.filter(pk__in=through.values("finding_id"))


@admin.register(Finding)
class FindingAdmin(FindingHistoryMixin, NumberTakenMeanwhileMixin, TranslationAdmin, VersionAdmin):
    form = FindingForm
    fields = [*FindingForm.Meta.fields, "add_countries_to_dialogue"]
    list_display = ["short_text", "country", "kind", "position", "session_title", "dialogue"]
    list_filter = [
        "session__dialogue",
        "country",
        "kind",
        ThemeListFilter,
        MissingTranslationFilter,
    ]
    list_select_related = ["session__dialogue", "country"]
    search_fields = get_translation_fields("text")
    autocomplete_fields = ["session", "country", "themes"]
    # The newest sessions' findings first, list by list: the order of the index
    # ``finding_admin_order``, so a page is read from it rather than sorting every finding.
    ordering = ["-session_id", "country_id", "-kind", "position", "-pk"]
    # Counted up to 10,000 (“more than 10,000”), and never the whole table besides:
    # a count of a million findings, or of a search through them, would cost more
    # than the page.
    paginator = CappedPaginator
    show_full_result_count = False
    # A search reads the texts themselves: it counts up to 1,000.
    search_count_cap = 1_000
    actions = ["export_selected"]

    @property
    def media(self):
        return super().media + ADMIN_MEDIA

    # Adds the export and import links to django-reversion's changelist.
    change_list_template = "admin/findings/finding/change_list.html"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        finding = form.instance
        add = form.cleaned_data.get("add_countries_to_dialogue", False)
        page = reverse("admin:findings_finding_change", args=[finding.pk])
        check_countries(
            self, request, finding.session.dialogue, [finding.country], add=add, page=page
        )

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        cap = self.search_count_cap if request.GET.get(SEARCH_VAR, "").strip() else None
        return CappedPaginator(queryset, per_page, orphans, allow_empty_first_page, cap=cap)

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return Truncator(obj.text).chars(90)

    @admin.display(description=_("session"), ordering="session__position")
    def session_title(self, obj):
        return _shortened(obj.session.title)

    @admin.display(description=_("dialogue"), ordering="session__dialogue__start")
    def dialogue(self, obj):
        return _shortened(obj.session.dialogue.title)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export.csv", view(self.export_view), name="findings_finding_export"),
            path("import/", view(self.import_view), name="findings_finding_import"),
            *super().get_urls(),
        ]

    def lookup_allowed(self, lookup, value, request=None):
        # A pattern typed into the address is compiled by the database, which
        # refuses a broken one with an error; the list offers no such filter.
        if lookup.endswith(("__regex", "__iregex")):
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_import_permission(self, request) -> bool:
        """An import adds findings and changes others: it needs both permissions."""
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        context = {
            "has_import_permission": self.has_import_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def _csv(self, request, findings, parts: list[str]):
        # The changelist's queryset may be DISTINCT (theme filter): select by id instead.
        findings = Finding.objects.filter(pk__in=findings.values("pk"))
        if not export.can_export(findings):
            # Checked before the first byte: once the headers are sent, an error
            # can only cut the download short.
            return _bad_filters()
        return export.csv_response(
            findings,
            request=request,
            filename=export.filename_of(parts),
            with_status=True,
        )

    @admin.action(description=_("Export selected findings as CSV"), permissions=["view"])
    def export_selected(self, request, queryset):
        return self._csv(request, queryset, ["selected"])

    def export_view(self, request):
        """The changelist's current filters and search as CSV, drafts included."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except (IncorrectLookupParameters, DisallowedModelAdminLookup):
            # The changelist itself redirects to "?e=1"; a download answers plainly.
            return _bad_filters()
        parts = export.filter_parts(changelist.get_filters_params())
        if changelist.query:
            parts.append(f"q-{changelist.query}")
        return self._csv(request, changelist.get_queryset(request), parts)

    def import_view(self, request):
        """Upload, preview every change and problem, then confirm: all rows or none."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form, plan, digest, overwrite = importer.ImportForm(), None, "", False
        if request.method == "POST" and "confirm" in request.POST:
            # Kept only for a preview that can be confirmed, and only until it is tried.
            kept = request.session.pop(IMPORT_SESSION_KEY, None)
            overwrite = request.POST.get("overwrite") == "1"
            text = None
            if kept and kept == request.POST.get("digest"):
                text = ImportPreview.take(user=request.user, digest=kept)
            # The digest covers the choice to overwrite: it cannot be added afterwards.
            if text is None or _digest(text, overwrite=overwrite) != kept:
                messages.error(request, gettext("Upload the file again: the preview has expired."))
                return redirect("admin:findings_finding_import")
            plan = importer.plan_import(text, overwrite=overwrite)
            if plan.is_valid:
                try:
                    importer.apply_import(plan, user=request.user)
                except IntegrityError:
                    # A number taken by a colleague between this check and the writing.
                    messages.error(
                        request,
                        gettext(
                            "Someone else saved a finding with a number this file uses at the "
                            "same moment, so nothing was imported. Upload the file again."
                        ),
                    )
                    return redirect("admin:findings_finding_import")
                messages.success(
                    request,
                    gettext("Imported: %(created)s created, %(changed)s changed.")
                    % {"created": len(plan.created), "changed": len(plan.changed)},
                )
                return redirect("admin:findings_finding_changelist")
            # The database changed since the preview: show why; the file must come again.
        elif request.method == "POST":
            # A new file replaces the last preview.
            request.session.pop(IMPORT_SESSION_KEY, None)
            ImportPreview.objects.filter(user=request.user).delete()
            files = request.FILES  # parsed here: the upload handler may refuse the file
            form = importer.ImportForm(
                request.POST, files, upload_refused=getattr(request, "upload_refused", False)
            )
            if form.is_valid():
                text = form.cleaned_data["file"]
                overwrite = form.cleaned_data["overwrite"]
                plan = importer.plan_import(text, overwrite=overwrite)
                if plan.is_valid:
                    # Only what can be confirmed is kept; the session, written on every
                    # request, holds just the digest.
                    digest = _digest(text, overwrite=overwrite)
                    ImportPreview.keep(user=request.user, text=text, digest=digest)
                    request.session[IMPORT_SESSION_KEY] = digest
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import findings from CSV"),
            "form": form,
            "plan": plan,
            "digest": digest,
            "overwrite": overwrite,
            "header": importer.expected_header(),
            "text_columns": ", ".join(export.text_columns(with_status=True)[1:]),
            "text_column": export.TEXT_COLUMN,
            "max_problems": importer.MAX_PROBLEMS,
        }
        return TemplateResponse(request, "admin/findings/finding/import.html", context)


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    """Every add, change and delete made in the admin, by whom and when, for the whole Board.

    Django shows these only in each user's own "Recent actions"; deletions in particular
    are seen nowhere else. The Board group may view them (migration 0004); nobody edits them.
    """

    list_display = [
        "action_time",
        "user",
        "content_type",
        "object_repr",
        "action_flag",
        "change_message_text",
    ]
    # Only the users and kinds of record the reader may see (get_queryset), not all of them.
    list_filter = [
        "action_flag",
        ("user", admin.RelatedOnlyFieldListFilter),
        ("content_type", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["user", "content_type"]
    search_fields = ["object_repr", "change_message"]
    date_hierarchy = "action_time"
    list_display_links = None

    def get_queryset(self, request):
        """Superusers see every entry; others only those about the models they may change.

        The log also records work on accounts and their authenticator apps, with the
        addresses they came from: that is for the people who manage accounts.
        """
        entries = super().get_queryset(request)
        if request.user.is_superuser:
            return entries
        return entries.filter(content_type__in=changeable_content_types(request.user))

    @admin.display(description=_("change message"))
    def change_message_text(self, entry):
        return entry.get_change_message()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _shortened(title: str):
    """A long title cut to fit a column of the list, whole on hovering."""
    short = Truncator(title).chars(40)
    if short == title:
        return title
    return format_html('<span title="{}">{}</span>', title, short)


def _digest(text: str, *, overwrite: bool) -> str:
    """Ties a confirmation to the file its preview showed, and to the choice to overwrite."""
    return hashlib.sha256(f"overwrite={int(overwrite)}\n{text}".encode()).hexdigest()


def _bad_filters():
    return HttpResponseBadRequest(
        gettext("These filters are not valid. Open the findings list and choose again.") + "\n",
        content_type="text/plain; charset=utf-8",
    )
