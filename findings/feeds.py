from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from dialogues.content import content_language, marked_text, pick
from dialogues.models import Dialogue


class _LanguageMarkingHandler:
    """Passes the feed writer's elements on, adding ``xml:lang`` to those named in ``langs``."""

    def __init__(self, handler, langs: dict[str, str]):
        self._handler = handler
        self._langs = langs

    def addQuickElement(self, name, contents=None, attrs=None):  # noqa: N802 (the SAX name)
        if name in self._langs:
            attrs = {**(attrs or {}), "xml:lang": self._langs[name]}
        self._handler.addQuickElement(name, contents, attrs)

    def __getattr__(self, name):
        return getattr(self._handler, name)


class ContentLanguageAtomFeed(Atom1Feed):
    """Atom in the reader's language (``xml:lang`` on the feed); a title or summary
    that is only in another language says which on its own element."""

    def add_item_elements(self, handler, item):
        langs = {name: code for name, code in item["content_langs"].items() if code}
        super().add_item_elements(_LanguageMarkingHandler(handler, langs), item)


class DialogueFeed(Feed):
    feed_type = ContentLanguageAtomFeed
    title = _("I4C Regional Dialogues")
    subtitle = _("Dialogues published by the I4C Central Asia & Mongolia hub")
    link = reverse_lazy("home")

    def items(self):
        return Dialogue.objects.published().order_by("-published_at")[:50]

    def item_title(self, dialogue):
        return marked_text(dialogue, "title")

    def item_description(self, dialogue):
        return pick(dialogue, "summary")[0]

    def item_extra_kwargs(self, dialogue):
        page = content_language()
        title, summary = pick(dialogue, "title")[1], pick(dialogue, "summary")[1]
        return {
            "content_langs": {
                "title": title if title != page else None,
                "summary": summary if summary != page else None,
            }
        }

    def item_pubdate(self, dialogue):
        return dialogue.published_at

    def item_updateddate(self, dialogue):
        return dialogue.published_at
