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
    """Each session as its dialogue's and its own slug, its address built from the
    one reversed path (``Session.url_parts``): a file of 200 costs about what one of
    8 does, not 200 models and 200 reversals."""

    limit = SITEMAP_PAGE

    def items(self):
        self.parts = Session.url_parts()
        return (
            Session.objects.filter(dialogue__in=Dialogue.objects.published())
            .order_by("-dialogue__start", "position")
            .values_list("dialogue__slug", "slug")
        )

    def location(self, item):
        before, between, after = self.parts
        dialogue, session = item
        return f"{before}{dialogue}{between}{session}{after}"


class CountrySitemap(Sitemap):
    def items(self):
        return public_countries().order_by("code")


sitemaps = {
    "pages": PageSitemap,
    "dialogues": DialogueSitemap,
    "sessions": SessionSitemap,
    "countries": CountrySitemap,
}
