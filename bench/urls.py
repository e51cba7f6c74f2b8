"""The site, plus the export through the ORM path on any database, for comparison."""

from django.urls import path

from findings import export
from i4c.urls import urlpatterns as site_urlpatterns


def export_through_orm(request):
    findings = export.filtered_findings(request.GET)
    return export.csv_response(findings, request=request, filename="orm.csv", method="orm")


urlpatterns = [
    path("bench/orm.csv", export_through_orm),
    *site_urlpatterns,
]
