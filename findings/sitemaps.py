from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from dialogues.models import Dialogue, Session

from .models import public_countries


class PageSitemap(Sitemap):
    def items(self):
        return ["home", "country_list", "finding_list"]

    def location(self, item):
        return reverse(item)


# Each section's file lists this many addresses at most; the index lists the files.
# A fixed size keeps a file's cost the same however many sessions there are.
SITEMAP_PAGE = 200


class DialogueSitemap(Sitemap):
    limit = SITEMAP_PAGE

    def items(self):
        return Dialogue.objects.published().order_by("-start")

    def lastmod(self, dialogue):
        return dialogue.published_at


class SessionSitemap(Sitemap):
    limit = SITEMAP_PAGE

    def items(self):
        return (
            Session.objects.filter(dialogue__in=Dialogue.objects.published())
            .select_related("dialogue")
            .order_by("-dialogue__start", "position")
        )


class CountrySitemap(Sitemap):
    def items(self):
        return public_countries().order_by("code")


sitemaps = {
    "pages": PageSitemap,
    "dialogues": DialogueSitemap,
    "sessions": SessionSitemap,
    "countries": CountrySitemap,
}
