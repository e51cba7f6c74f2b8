from django.urls import path

from . import views

urlpatterns = [
    path("open-data/", views.open_data, name="open_data"),
    path("open-data/findings.json", views.findings_json, name="open_data_findings"),
]
