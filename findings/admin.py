from django.contrib import admin
from django.db.models import Count, F
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin

from dialogues.admin import SessionAdminBase
from dialogues.models import Session

from .forms import FindingForm, FindingInlineForm, FindingInlineFormSet
from .models import Finding


class FindingInline(admin.TabularInline):
    model = Finding
    form = FindingInlineForm
    formset = FindingInlineFormSet
    fields = ["country", "kind", "position", "text"]
    ordering = [F("country__name").asc(nulls_first=True), "-kind", "position"]
    extra = 3

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("country")


@admin.register(Session)
class SessionAdmin(SessionAdminBase):
    inlines = [FindingInline]
    list_display = [*SessionAdminBase.list_display, "finding_count"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(finding_count=Count("findings"))

    @admin.display(description=_("findings"), ordering="finding_count")
    def finding_count(self, obj):
        return obj.finding_count


@admin.register(Finding)
class FindingAdmin(VersionAdmin):
    form = FindingForm
    list_display = ["short_text", "country", "kind", "position", "session", "dialogue"]
    list_filter = ["session__dialogue", "country", "kind", "themes"]
    list_select_related = ["session__dialogue", "country"]
    search_fields = ["text"]
    autocomplete_fields = ["session", "country", "themes"]
    ordering = [
        "-session__dialogue__start",
        "session__position",
        "country__name",
        "-kind",
        "position",
    ]

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return Truncator(obj.text).chars(90)

    @admin.display(description=_("dialogue"), ordering="session__dialogue__start")
    def dialogue(self, obj):
        return obj.session.dialogue
