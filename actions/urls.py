from django.urls import path

from i4c.pagecache import page_cache

from . import export, views
from .feeds import ActionUpdateFeed

urlpatterns = [
    path("", views.action_list, name="action_list"),
    path("<int:pk>/", views.action_detail, name="action_detail"),
    path("feed/", page_cache(absolute_links=True)(ActionUpdateFeed()), name="action_feed"),
    path("export.csv", export.export_actions, name="action_export"),
]
