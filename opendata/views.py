"""The open-data page and the bulk JSON file."""

from django.conf import settings
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language_info
from django.views.decorators.http import condition, require_safe

from i4c.models import ContentVersion
from i4c.pagecache import page_cache

from . import dictionary
from .bulk import PUBLISHER, TITLE, json_chunks, latest_change

BULK_FILE_NAME = "i4c-regional-dialogues-findings.json"


# The citation prints the page's own full address: cached only for a host without a port.
@page_cache(absolute_links=True)
@require_safe
def open_data(request):
    """What the dataset is, who publishes it, its licence, how to cite it, where to get
    it and what every field means. Three queries (the latest change)."""
    csv_url = reverse("finding_export")
    return render(
        request,
        "opendata/open_data.html",
        {
            "publisher": PUBLISHER,
            "title": TITLE,
            "licence": settings.I4C_OPEN_DATA_LICENCE,
            "changed": latest_change(),
            "page_url": request.build_absolute_uri(reverse("open_data")),
            "csv_files": [
                (f"{csv_url}?lang={code}", get_language_info(code)["name_translated"])
                for code in settings.CONTENT_LANGUAGES
            ],
            "csv_columns": dictionary.CSV_COLUMNS,
            "api_tables": dictionary.API_TABLES,
            "bulk_table": dictionary.BULK_TABLE,
            "findings_in_session": dictionary.FINDINGS_IN_SESSION,
        },
    )


def _content_version(request) -> str:
    """The page cache's content version: it changes with every change to the content, so
    a client holding the file for it has the current file. One query."""
    return ContentVersion.objects.filter(pk=1).values_list("value", flat=True).first() or "none"


# A reader who has the file for the current content (If-None-Match) gets 304, not the file.
@require_safe
@condition(etag_func=_content_version)
def findings_json(request):
    """Every published dialogue with its sessions and findings, as one JSON file, streamed."""
    url_base = request.build_absolute_uri("/")[:-1]
    response = StreamingHttpResponse(
        json_chunks(url_base=url_base), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{BULK_FILE_NAME}"'
    return response
