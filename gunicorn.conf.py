"""gunicorn's settings for `make serve`, from the environment.

GUNICORN_BIND: address and port (default 127.0.0.1:8000, behind the reverse proxy);
WEB_CONCURRENCY: worker processes (default 2; about two per CPU core).
"""

import os

wsgi_app = "i4c.wsgi:application"
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A request that takes longer is stuck: the worker is replaced.
timeout = 30
graceful_timeout = 30
# One line per request on standard output, for the service manager's log.
accesslog = "-"
