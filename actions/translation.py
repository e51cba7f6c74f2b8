"""The actions' texts in every content language (see ``dialogues/translation.py``)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Action, ActionUpdate


@register(Action)
class ActionTranslation(TranslationOptions):
    fields = ["title", "description", "carried_by"]


@register(ActionUpdate)
class ActionUpdateTranslation(TranslationOptions):
    fields = ["note"]
