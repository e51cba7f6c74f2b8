"""The site's URLs plus the CSV export, until ``findings/urls.py`` routes it."""

from django.urls import path

from findings import export
from i4c.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("findings/export.csv", export.export_findings, name="finding_export"),
    *site_urlpatterns,
]
