import datetime

import reversion
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.db import IntegrityError
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language_info, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline
from modeltranslation.utils import get_translation_fields
from reversion.errors import RevertError

from i4c.history import VersionAdmin

from .enums import Status
from .models import Country, Dialogue, Session, Theme
from .numbering import NumberedInlineFormSet, NumberedRowForm
from .zones import zone_help


class CountryAdminForm(forms.ModelForm):
    class Meta:
        model = Country
        fields = ["name", "code"]

    def clean_code(self):
        # Board members type "kz"; ISO writes "KZ".
        return self.cleaned_data["code"].strip().upper()


# The translatable fields show once per content language (name [en], name [ru]):
# English is required, the others may stay empty (modeltranslation's admin).


@admin.register(Country)
class CountryAdmin(TranslationAdmin):
    form = CountryAdminForm
    list_display = [*get_translation_fields("name"), "code"]
    search_fields = [*get_translation_fields("name"), "code"]


@admin.register(Theme)
class ThemeAdmin(TranslationAdmin):
    list_display = [*get_translation_fields("name"), "slug"]
    search_fields = [*get_translation_fields("name"), "slug"]
    prepopulated_fields = {"slug": ["name"]}


class YearListFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = Dialogue.objects.dates("start", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    # Years a date can hold in every time zone: year 1 in Bishkek is year 0 in UTC.
    FIRST, LAST = datetime.MINYEAR + 1, datetime.MAXYEAR - 1

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        # "²".isdigit() is true, and int() refuses it: ASCII digits only.
        if not (value.isascii() and value.isdigit() and self.FIRST <= int(value) <= self.LAST):
            raise IncorrectLookupParameters(value)
        return queryset.filter(start__year=int(value))


class SessionInlineForm(NumberedRowForm):
    class Meta:
        model = Session
        fields = ["position", "title", "slug"]
        help_texts = {"position": _("Leave empty to put the session after the last one.")}


class SessionInlineFormSet(NumberedInlineFormSet):
    def describe_list(self, key):
        return gettext("the sessions")


ADMIN_MEDIA = forms.Media(css={"all": ["css/admin.css"]})


class SessionInline(TranslationTabularInline):
    model = Session
    form = SessionInlineForm
    formset = SessionInlineFormSet
    fields = ["position", "title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    ordering = ["position"]
    extra = 1
    show_change_link = True


class NumberTakenMeanwhileMixin:
    """Numbers are checked when the form is read; another Board member may take one
    before this one is saved. The database refuses the second (a unique constraint):
    say so, with nothing saved, instead of an error page."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            message = gettext(
                "Someone else saved an item with the same number in the same list at "
                "the same moment, so nothing was saved. Check the numbers and save again."
            )
            if getattr(request, "reverting", False):
                # django-reversion restores the old version before this form is saved,
                # and keeps it unless the form fails with its error (a redirect would
                # count as success): it then undoes the restore and shows the message.
                raise RevertError(message) from None
            self.message_user(request, message, messages.ERROR)
            return redirect(request.get_full_path())


class DialogueAdminBase(NumberTakenMeanwhileMixin, TranslationAdmin, VersionAdmin):
    """The dialogue admin without what it says of the dialogue's findings.

    It is registered by the findings app, which adds that: ``dialogues`` never
    imports ``findings``.
    """

    list_display = ["title", "start_date", "status", "session_count", "finding_count"]
    actions = ["publish", "return_to_draft"]
    list_filter = ["status", YearListFilter, "countries"]
    search_fields = [*get_translation_fields("title", "series", "summary"), "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["countries"]
    readonly_fields = ["published_at", "public_page", "report"]
    inlines = [SessionInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "series", "organiser"]}),
        (_("When and how"), {"fields": ["start", "end", "format"]}),
        (_("Content"), {"fields": ["summary", "countries"]}),
        (_("Publication"), {"fields": ["status", "published_at", "public_page", "report"]}),
    ]

    @property
    def media(self):
        return super().media + ADMIN_MEDIA

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in {"start", "end"}:
            field.help_text = zone_help()
        return field

    def get_queryset(self, request):
        # Counted in the changelist query itself, not one query per row; the findings
        # from the sizes of the sessions' lists (kept by the findings app), not the findings.
        return (
            super()
            .get_queryset(request)
            .annotate(
                session_count=Count("sessions", distinct=True),
                finding_count=Coalesce(Sum("sessions__list_sizes__count"), 0),
            )
        )

    @admin.display(description=_("public page"))
    def public_page(self, obj):
        if obj is None or obj.pk is None:
            return _("Shown once the dialogue is saved.")
        if obj.is_published:
            return format_html(
                '<a href="{}">{}</a>', obj.get_absolute_url(), _("Published: open the public page")
            )
        return format_html(
            '<strong>{}</strong> <a href="{}">{}</a>',
            _("Draft: the public cannot see it."),
            obj.get_absolute_url(),
            _("Preview it"),
        )

    @admin.display(description=_("report"))
    def report(self, obj):
        """The report's three forms in each content language (a draft's: the preview)."""
        if obj is None or obj.pk is None:
            return _("Shown once the dialogue is saved.")
        forms = [
            ("dialogue_report", _("printable page")),
            ("dialogue_report_docx", _("Word document (.docx)")),
            ("dialogue_report_pdf", _("PDF")),
        ]
        rows = []
        for code in settings.CONTENT_LANGUAGES:
            links = format_html_join(
                " · ",
                '<a href="{}?lang={}">{}</a>',
                ((reverse(name, kwargs={"slug": obj.slug}), code, label) for name, label in forms),
            )
            language = get_language_info(code)["name_translated"]
            rows.append(format_html("<li>{}: {}</li>", language, links))
        return format_html(
            '<ul class="report-links">{}</ul>', format_html_join("", "{}", ((row,) for row in rows))
        )

    def _move(self, request, queryset, *, to: Status, comment: str) -> int:
        """Move the selected dialogues to ``to``: one revision and one log entry each."""
        moved = 0
        for dialogue in queryset.exclude(status=to):
            with reversion.create_revision():
                dialogue.move_to(to)
                reversion.set_user(request.user)
                reversion.set_comment(comment)
            self.log_change(request, dialogue, [{"changed": {"fields": ["status"]}}])
            moved += 1
        return moved

    @admin.action(description=_("Publish the selected dialogues"), permissions=["change"])
    def publish(self, request, queryset):
        count = self._move(request, queryset, to=Status.PUBLISHED, comment=gettext("Published"))
        message = ngettext("%(count)d dialogue published.", "%(count)d dialogues published.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Return the selected dialogues to draft"), permissions=["change"])
    def return_to_draft(self, request, queryset):
        count = self._move(request, queryset, to=Status.DRAFT, comment=gettext("Returned to draft"))
        message = ngettext(
            "%(count)d dialogue returned to draft.", "%(count)d dialogues returned to draft.", count
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.display(description=_("date"), ordering="start")
    def start_date(self, obj):
        return timezone.localdate(obj.start) if obj.start else None

    @admin.display(description=_("sessions"), ordering="session_count")
    def session_count(self, obj):
        return obj.session_count

    @admin.display(description=_("findings"), ordering="finding_count")
    def finding_count(self, obj):
        return obj.finding_count

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        say_renumbered(self, request, formset)


def say_renumbered(model_admin, request, formset):
    """Tell the Board member which lists a save numbered again in the new order."""
    lists = [formset.describe_list(key) for key in getattr(formset, "renumbered_lists", [])]
    if lists:
        model_admin.message_user(
            request,
            gettext("Numbered again in the new order: %(lists)s.") % {"lists": "; ".join(lists)},
            messages.INFO,
        )


class SessionAdminBase(TranslationAdmin, VersionAdmin):
    """The session admin without its findings inline.

    It is registered by the findings app, which adds the inline: ``dialogues``
    never imports ``findings``.
    """

    list_display = ["title", "dialogue", "position"]
    list_filter = ["dialogue"]
    list_select_related = ["dialogue"]
    search_fields = [
        *get_translation_fields("title", "description"),
        *(f"dialogue__{name}" for name in get_translation_fields("title")),
    ]
    autocomplete_fields = ["dialogue", "themes"]
    prepopulated_fields = {"slug": ["title"]}
    ordering = ["-dialogue__start", "position"]

    @property
    def media(self):
        return super().media + ADMIN_MEDIA
