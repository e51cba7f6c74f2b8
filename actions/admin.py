from django import forms
from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline
from modeltranslation.utils import get_translation_fields

from dialogues.admin import ADMIN_MEDIA
from dialogues.models import Dialogue
from findings.admin import DialogueAdmin as DialogueAdminBase
from findings.models import Finding
from i4c.history import VersionAdmin

from .enums import OVERDUE, OVERDUE_LABEL
from .models import Action, ActionUpdate
from .services import sync_status


class ActionUpdateInline(TranslationTabularInline):
    model = ActionUpdate
    fields = ["date", "note", "status"]
    ordering = ["date", "pk"]
    extra = 1

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "date":
            field.initial = timezone.localdate
        if db_field.name in get_translation_fields("note"):
            field.widget.attrs["rows"] = 3
        return field


def problem_label(finding) -> str:
    """A problem as the Board picks it: its text, where and when it was reported.

    Reads the finding's country, session and dialogue: select them first.
    """
    session = finding.session
    return gettext("%(text)s (%(where)s, problem %(number)s; %(session)s, %(date)s)") % {
        "text": Truncator(finding.text).chars(80),
        "where": finding.country.display_name if finding.country_id else gettext("Regional"),
        "number": finding.position,
        "session": Truncator(session.title).chars(40),
        "date": date_format(timezone.localdate(session.dialogue.start)),
    }


class ProblemAutocompleteView(AutocompleteJsonView):
    """The admin's search-as-you-type for problems, each named with its place
    (several dialogues may report a problem in the same words)."""

    def get_queryset(self):
        return super().get_queryset().select_related("session__dialogue", "country")

    def serialize_result(self, obj, to_field_name):
        return {"id": str(getattr(obj, to_field_name)), "text": problem_label(obj)}


class ProblemSelect(AutocompleteSelectMultiple):
    def get_url(self):
        return reverse(f"{self.admin_site.name}:actions_action_problems")


class ProblemField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return problem_label(obj)


class OverdueFilter(admin.SimpleListFilter):
    title = _("due date")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [(OVERDUE, OVERDUE_LABEL)]

    def queryset(self, request, queryset):
        # Any other value lists every action, as the other filters do with a stale value.
        return queryset.overdue() if self.value() == OVERDUE else queryset


@admin.register(Action)
class ActionAdmin(TranslationAdmin, VersionAdmin):
    list_display = ["title", "dialogue", "carried_by", "due_date", "status", "overdue"]
    list_filter = ["status", "countries", OverdueFilter, "dialogue"]
    list_select_related = ["dialogue"]
    search_fields = get_translation_fields("title", "description", "carried_by")
    autocomplete_fields = ["dialogue", "session", "countries", "problems"]
    readonly_fields = ["status", "public_page"]
    inlines = [ActionUpdateInline]
    ordering = ["-dialogue__start", "-created"]
    fieldsets = [
        (None, {"fields": ["dialogue", "session", "title", "description"]}),
        (_("Who and when"), {"fields": ["carried_by", "countries", "due_date"]}),
        (_("What it answers"), {"fields": ["problems"]}),
        (
            _("Progress"),
            {
                "fields": ["status", "public_page"],
                "description": _(
                    "The status is the one set by the latest update that sets one: "
                    "add an update below to change it."
                ),
            },
        ),
    ]

    @property
    def media(self):
        return super().media + ADMIN_MEDIA

    def get_urls(self):
        view = ProblemAutocompleteView.as_view(admin_site=self.admin_site)
        return [
            path(
                "problems/autocomplete/",
                self.admin_site.admin_view(view),
                name="actions_action_problems",
            ),
            *super().get_urls(),
        ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "problems":
            kwargs["widget"] = ProblemSelect(db_field, self.admin_site)
            kwargs["form_class"] = ProblemField
            kwargs["queryset"] = Finding.objects.select_related("session__dialogue", "country")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # In the admin's transaction: the updates and the status are saved together.
        sync_status(form.instance)

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, obj):
        return obj.is_overdue()

    @admin.display(description=_("public page"))
    def public_page(self, obj):
        if obj is None or obj.pk is None:
            return _("Shown once the action is saved.")
        if obj.dialogue.is_published:
            return format_html(
                '<a href="{}">{}</a>', obj.get_absolute_url(), _("Open the public page")
            )
        return format_html(
            '<strong>{}</strong> <a href="{}">{}</a>',
            _("The dialogue is a draft: the public cannot see this action."),
            obj.get_absolute_url(),
            _("Preview it"),
        )


class ActionInline(TranslationTabularInline):
    """The dialogue's actions on its admin page; updates and problems on the action's own."""

    model = Action
    fields = ["title", "carried_by", "due_date", "status"]
    readonly_fields = ["status"]
    extra = 0
    show_change_link = True
    verbose_name_plural = _("follow-up actions agreed at this dialogue")


# The dialogue's admin, with its actions: the findings app's (which adds the count of
# untranslated findings) registered again from here, so that neither ``dialogues`` nor
# ``findings`` imports ``actions``.
admin.site.unregister(Dialogue)


@admin.register(Dialogue)
class DialogueAdmin(DialogueAdminBase):
    inlines = [*DialogueAdminBase.inlines, ActionInline]
