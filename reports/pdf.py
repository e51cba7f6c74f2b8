"""The report as a PDF: the page's HTML and print stylesheet, laid out by WeasyPrint.

WeasyPrint (and Pango under it) takes about a second to load: the web server loads
this module with the app (``i4c.wsgi``), so that no reader waits for it; the views
import it when a PDF is asked for, so that commands and tests that make none do not.
"""

from django.contrib.staticfiles import finders
from weasyprint import CSS, HTML

# The stylesheets, read from the project's static folder (no request to the site).
STYLESHEETS = ["css/report.css"]


def _refuse(url, *args, **kwargs):
    """The report links no image or font: nothing is fetched, from anywhere."""
    raise ValueError(f"The report's PDF fetches nothing ({url})")


def html_to_pdf(html: str) -> bytes:
    stylesheets = [CSS(filename=finders.find(name), url_fetcher=_refuse) for name in STYLESHEETS]
    return HTML(string=html, url_fetcher=_refuse).write_pdf(stylesheets=stylesheets)
