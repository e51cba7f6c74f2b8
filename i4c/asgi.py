"""ASGI entry point.

Serve the app over WSGI (``gunicorn i4c.wsgi``, as ``make serve`` does): under ASGI,
Django collects a synchronous streamed response such as the CSV export in memory
before sending it.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "i4c.settings")

application = get_asgi_application()
