"""The project's URLs with the admin moved, as DJANGO_ADMIN_URL=board-office/ does."""

from django.contrib import admin
from django.urls import path

from i4c import urls

urlpatterns = [
    path("board-office/", admin.site.urls) if getattr(entry, "app_name", None) == "admin" else entry
    for entry in urls.urlpatterns
]
