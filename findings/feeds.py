from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from dialogues.models import Dialogue


class DialogueFeed(Feed):
    feed_type = Atom1Feed
    title = _("I4C Regional Dialogues")
    subtitle = _("Dialogues published by the I4C Central Asia & Mongolia hub")
    link = reverse_lazy("home")

    def items(self):
        return Dialogue.objects.published().order_by("-published_at")[:50]

    def item_title(self, dialogue):
        return dialogue.title

    def item_description(self, dialogue):
        return dialogue.summary

    def item_pubdate(self, dialogue):
        return dialogue.published_at

    def item_updateddate(self, dialogue):
        return dialogue.published_at
