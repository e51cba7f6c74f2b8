"""Content in several languages: which language a reader gets, and from which column.

Every translatable field has one column per content language in the same row
(``title_en``, ``title_ru``; ``settings.CONTENT_LANGUAGES``, django-modeltranslation).
A reader gets their language, else the first of the others that has the text
(English first): ``pick`` for an object, ``localized`` for a query.
"""

from django.conf import settings
from django.db.models import F, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _


def content_language(language: str | None = None) -> str:
    """``language`` (else the active one) as a content language; English when it is none."""
    language = (language or translation.get_language() or "en").split("-")[0]
    return language if language in settings.CONTENT_LANGUAGES else "en"


def resolution_order(language: str | None = None) -> list[str]:
    """The reader's language first, then the others in the settings' order (English first)."""
    first = content_language(language)
    return [first, *(code for code in settings.CONTENT_LANGUAGES if code != first)]


def pick(obj, field: str, language: str | None = None) -> tuple[str, str]:
    """The text of ``obj.field`` for a reader of ``language``, and the language it is in.

    ``("", language)`` when no language has it. Reads the row's own columns: no query.
    """
    order = resolution_order(language)
    for code in order:
        value = getattr(obj, f"{field}_{code}", None)
        if value:
            return value, code
    return "", order[0]


def localized(path: str, language: str | None = None):
    """The column ``path`` (``"text"``, ``"country__name"``) in SQL, as ``pick`` reads it.

    NULL when no language has a text, so that ``nulls_last`` still puts regional
    findings (no country) last.
    """
    columns = [
        NullIf(F(f"{path}_{code}"), Value(""), output_field=TextField())
        for code in resolution_order(language)
    ]
    return Coalesce(*columns, output_field=TextField()) if len(columns) > 1 else columns[0]


# How a page says which language a text is in, when it is not the page's.
MARKS = {"en": _("in English"), "ru": _("in Russian")}


def language_mark(code: str) -> str:
    """“in English” in the active language: said next to a text in another language."""
    if code in MARKS:
        return str(MARKS[code])
    return _("in %(language)s") % {"language": get_language_info(code)["name_translated"]}


def marked_text(obj, field: str, language: str | None = None) -> str:
    """Plain text (a page title, a menu, a feed): the text, with its language said when other."""
    value, code = pick(obj, field, language)
    if value and code != content_language(language):
        return f"{value} ({language_mark(code)})"
    return value
