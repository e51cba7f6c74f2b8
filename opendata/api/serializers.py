"""The objects of the API, as the open-data contract names their fields.

Every object has ``id`` and ``url`` (its public page, absolute). A translated
text is an object keyed by content language with only the languages that have
it: ``{"en": "...", "ru": "..."}``. Nothing here queries: the views select and
prefetch what each serializer reads.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actions.models import Action
from dialogues.models import Country, Dialogue, Session, Theme
from findings.models import Finding

from ..bulk import translated


def _translated_schema() -> dict:
    return {
        "type": "object",
        "description": _("The text in each content language that has it, by language code."),
        "properties": {code: {"type": "string"} for code in settings.CONTENT_LANGUAGES},
        "additionalProperties": False,
    }


@extend_schema_field(_translated_schema())
class TranslatedField(serializers.Field):
    """``{"en": obj.<field>_en, "ru": ...}``, leaving out the languages without a text."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "*")
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return translated(obj, self.field_name)


@extend_schema_field({"type": "string", "format": "uri"})
class PageField(serializers.Field):
    """The absolute address of the object's public page (``get_absolute_url``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "*")
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return self.context["request"].build_absolute_uri(self.address(obj))

    def address(self, obj) -> str:
        return obj.get_absolute_url()


class ReportField(PageField):
    def address(self, dialogue) -> str:
        return reverse("dialogue_report", kwargs={"slug": dialogue.slug})


class ThemeFindingsField(PageField):
    def address(self, theme) -> str:
        return f"{reverse('finding_list')}?theme={theme.slug}"


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class IdsField(serializers.Field):
    """The ids of a prefetched list (``Prefetch(..., to_attr=...)``)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, objects):
        return [obj.pk for obj in objects]


def _codes(**kwargs):
    return serializers.SlugRelatedField(slug_field="code", many=True, read_only=True, **kwargs)


def _slugs(**kwargs):
    return serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True, **kwargs)


class SessionInDialogueSerializer(serializers.ModelSerializer):
    url = PageField()
    title = TranslatedField()

    class Meta:
        model = Session
        fields = ["id", "url", "slug", "position", "title"]


class DialogueSerializer(serializers.ModelSerializer):
    url = PageField()
    title = TranslatedField()
    series = TranslatedField()
    organiser = TranslatedField()
    summary = TranslatedField()
    countries = _codes()
    report_url = ReportField()
    sessions = SessionInDialogueSerializer(many=True, read_only=True)

    class Meta:
        model = Dialogue
        fields = [
            "id",
            "url",
            "slug",
            "title",
            "series",
            "organiser",
            "summary",
            "start",
            "end",
            "format",
            "countries",
            "published_at",
            "report_url",
            "sessions",
        ]


class SessionSerializer(serializers.ModelSerializer):
    url = PageField()
    title = TranslatedField()
    description = TranslatedField()
    themes = _slugs()

    class Meta:
        model = Session
        fields = ["id", "url", "slug", "dialogue", "position", "title", "description", "themes"]


class FindingSerializer(serializers.ModelSerializer):
    url = PageField()
    dialogue = serializers.IntegerField(source="session.dialogue_id", read_only=True)
    country = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    text = TranslatedField()
    themes = _slugs()

    class Meta:
        model = Finding
        fields = [
            "id",
            "url",
            "dialogue",
            "session",
            "country",
            "kind",
            "position",
            "text",
            "themes",
            "updated",
        ]


class CountrySerializer(serializers.ModelSerializer):
    url = PageField()
    name = TranslatedField()

    class Meta:
        model = Country
        fields = ["id", "code", "url", "name"]


class ThemeSerializer(serializers.ModelSerializer):
    url = ThemeFindingsField()
    name = TranslatedField()

    class Meta:
        model = Theme
        fields = ["id", "slug", "url", "name"]


class ActionSerializer(serializers.ModelSerializer):
    url = PageField()
    title = TranslatedField()
    description = TranslatedField()
    carried_by = TranslatedField()
    countries = _codes()
    # Published problems only: an action may answer a problem of a draft dialogue.
    problems = IdsField(source="public_problems")

    class Meta:
        model = Action
        fields = [
            "id",
            "url",
            "dialogue",
            "session",
            "title",
            "description",
            "carried_by",
            "countries",
            "due_date",
            "status",
            "problems",
            "updated",
        ]
