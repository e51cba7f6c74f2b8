"""The project's URLs with the admin moved, as DJANGO_ADMIN_URL=board-office/ does."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("board-office/", admin.site.urls),
    path("", include("findings.urls")),
]
