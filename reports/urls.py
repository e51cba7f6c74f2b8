from django.urls import path

from . import views

urlpatterns = [
    path("dialogues/<slug:slug>/report/", views.report_page, name="dialogue_report"),
    path("dialogues/<slug:slug>/report.docx", views.report_docx, name="dialogue_report_docx"),
    path("dialogues/<slug:slug>/report.pdf", views.report_pdf, name="dialogue_report_pdf"),
]
