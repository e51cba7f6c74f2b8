"""The finding's text in every content language (see ``dialogues/translation.py``)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Finding


@register(Finding)
class FindingTranslation(TranslationOptions):
    fields = ["text"]
