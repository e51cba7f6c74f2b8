import io

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

    def write(self, outfile, encoding):
        """The whole feed written into memory first, handed to the response at once:
        written straight into it, each of a feed's thousand small pieces went through
        the response's own ``write``, which took about a third of a 40-entry feed's time."""
        buffer = io.StringIO()
        super().write(buffer, encoding)
        outfile.write(buffer.getvalue())

    def add_item_elements(self, handler, item):
        langs = {name: code for name, code in item["content_langs"].items() if code}
        super().add_item_elements(_LanguageMarkingHandler(handler, langs), item)


# The newest this many: a feed says what is new; the dialogue list pages through the rest.
FEED_ENTRIES = 20


class DialogueFeed(Feed):
    feed_type = ContentLanguageAtomFeed
    title = _("I4C Regional Dialogues")
    subtitle = _("Dialogues published by the I4C Central Asia & Mongolia hub")
    link = reverse_lazy("home")

    def items(self):
        dialogues = list(Dialogue.objects.published().order_by("-published_at")[:FEED_ENTRIES])
        # Each text and its language chosen once per entry, for the reader's language.
        page = content_language()
        for dialogue in dialogues:
            dialogue.feed_title = marked_text(dialogue, "title", page)
            title = pick(dialogue, "title", page)[1]
            dialogue.feed_summary, summary = pick(dialogue, "summary", page)
            dialogue.feed_langs = {
                "title": title if title != page else None,
                "summary": summary if summary != page else None,
            }
        return dialogues

    def item_title(self, dialogue):
        return dialogue.feed_title

    def item_description(self, dialogue):
        return dialogue.feed_summary

    def item_extra_kwargs(self, dialogue):
        return {"content_langs": dialogue.feed_langs}

    def item_pubdate(self, dialogue):
        return dialogue.published_at

    def item_updateddate(self, dialogue):
        return dialogue.published_at
