"""WSGI entry point (gunicorn i4c.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "i4c.settings")

application = get_wsgi_application()
