from django.urls import include, path

from . import views

urlpatterns = [
    path("api/v1/", include("opendata.api.urls")),
    path("open-data/", views.open_data, name="open_data"),
    path("open-data/findings.json", views.findings_json, name="open_data_findings"),
]
