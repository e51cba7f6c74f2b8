"""The project's URLs with the admin moved, as DJANGO_ADMIN_URL=board-office/ does."""

from django.contrib import admin
from django.urls import include, path

from i4c import views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", views.favicon, name="favicon"),
    path("board-office/", admin.site.urls),
    path("", include("findings.urls")),
]
