"""``{% content obj "field" %}``: a translatable text in the reader's language.

When the reader's language has no text, another language's is shown inside an
element that carries its ``lang`` (screen readers pronounce it right), with a
small visible mark (“in English”).
"""

from django import template
from django.template.defaultfilters import linebreaks_filter
from django.utils.html import format_html

from dialogues.content import content_language, language_mark, marked_text, pick
from dialogues.zones import zone_name

register = template.Library()


@register.simple_tag
def content(obj, field, block=False, plain=False):
    """The text of ``obj.field``; ``block`` for paragraphs, ``plain`` for a page title."""
    if obj is None:
        return ""
    if plain:
        return marked_text(obj, field)
    value, code = pick(obj, field)
    if not value:
        return ""
    if code == content_language():
        return linebreaks_filter(value, autoescape=True) if block else value
    mark = language_mark(code)
    if block:
        return format_html(
            '<div lang="{}">{}</div><p class="language-mark">({})</p>',
            code,
            linebreaks_filter(value, autoescape=True),
            mark,
        )
    return format_html(
        '<span lang="{}">{}</span> <small class="language-mark">({})</small>', code, value, mark
    )


@register.simple_tag
def time_zone_name():
    """The site's time zone as a reader says it (“Bishkek time”)."""
    return zone_name()
