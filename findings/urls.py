from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path

from i4c.pagecache import page_cache

from . import export, views
from .feeds import DialogueFeed
from .sitemaps import sitemaps

urlpatterns = [
    path("", views.home, name="home"),
    path("dialogues/", views.dialogue_list, name="dialogue_list"),
    path("dialogues/<slug:slug>/", views.dialogue_detail, name="dialogue_detail"),
    path(
        "dialogues/<slug:dialogue_slug>/<slug:slug>/",
        views.session_detail,
        name="session_detail",
    ),
    path("countries/", views.country_list, name="country_list"),
    re_path(r"^countries/(?P<code>[A-Za-z]{2})/$", views.country_detail, name="country_detail"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/export.csv", export.export_findings, name="finding_export"),
    # Both print absolute addresses; the sitemap's sections read their page number.
    path("feed/", page_cache(absolute_links=True)(DialogueFeed()), name="feed"),
    # An index of one sitemap per section: no file has to list everything.
    path(
        "sitemap.xml",
        page_cache(absolute_links=True)(sitemap_views.index),
        {"sitemaps": sitemaps, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<slug:section>.xml",
        page_cache(reads={"p"}, absolute_links=True)(sitemap_views.sitemap),
        {"sitemaps": sitemaps},
        name="sitemap_section",
    ),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
