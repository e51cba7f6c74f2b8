"""The site's settings with the benchmark's extra URL (``bench/urls.py``)."""

from i4c.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
