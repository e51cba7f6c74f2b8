"""The fields written in every content language (``settings.CONTENT_LANGUAGES``).

django-modeltranslation adds one column per language to the same row
(``title_en``, ``title_ru``, ...); English is required, the others optional.
"""

from modeltranslation.translator import TranslationOptions, register

from .models import Country, Dialogue, Session, Theme


@register(Country)
class CountryTranslation(TranslationOptions):
    fields = ["name"]
    # An unnamed language is NULL, not "": the names are unique in each language.
    empty_values = {"name": None}


@register(Theme)
class ThemeTranslation(TranslationOptions):
    fields = ["name"]
    empty_values = {"name": None}


@register(Dialogue)
class DialogueTranslation(TranslationOptions):
    fields = ["title", "series", "organiser", "summary"]


@register(Session)
class SessionTranslation(TranslationOptions):
    fields = ["title", "description"]
