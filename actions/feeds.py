import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogues.content import content_language, marked_text, pick
from findings.feeds import ContentLanguageAtomFeed

from .models import Action, ActionUpdate


class ActionUpdateFeed(Feed):
    """The newest progress notes on the actions of published dialogues."""

    feed_type = ContentLanguageAtomFeed
    title = _("I4C follow-up actions: progress")
    subtitle = _("Updates on what the I4C Network agreed to do about the problems it named")
    link = reverse_lazy("action_list")

    def items(self):
        return (
            ActionUpdate.objects.filter(action__in=Action.objects.published())
            .select_related("action")
            .order_by("-date", "-pk")[:50]
        )

    def item_title(self, update):
        title = marked_text(update.action, "title")
        if update.status:
            return f"{title}: {update.get_status_display()}"
        return title

    def item_description(self, update):
        return pick(update, "note")[0]

    def item_link(self, update):
        return update.get_absolute_url()

    def item_extra_kwargs(self, update):
        page = content_language()
        title, note = pick(update.action, "title")[1], pick(update, "note")[1]
        return {
            "content_langs": {
                "title": title if title != page else None,
                "summary": note if note != page else None,
            }
        }

    def item_pubdate(self, update):
        # The note's date, at midnight in the site's zone: the Board dates progress by day.
        return timezone.make_aware(datetime.datetime.combine(update.date, datetime.time()))

    def item_updateddate(self, update):
        return self.item_pubdate(update)
