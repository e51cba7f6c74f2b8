from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("actions/", include("actions.urls")),
    path("", include("opendata.urls")),
    # Before the findings' pages, whose session address would take "report/".
    path("", include("reports.urls")),
    path("", include("findings.urls")),
]

handler500 = views.server_error
