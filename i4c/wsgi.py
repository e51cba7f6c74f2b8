"""WSGI entry point (gunicorn i4c.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "i4c.settings")

application = get_wsgi_application()

# The report's PDF renderer takes about a second to load: loaded with the app, not on
# the request of the first reader who asks for a PDF.
import reports.pdf  # noqa: E402, F401
