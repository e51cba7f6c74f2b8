"""The site's settings plus the load test's trivial view (``loadtest/urls.py``)."""

from i4c.settings import *  # noqa: F403

ROOT_URLCONF = "loadtest.urls"
ALLOWED_HOSTS = ["127.0.0.1"]
# The baseline must cost nothing but Django itself: no content version read,
# no cache lookup.
PAGE_CACHE_EXCLUDED_PATHS = ["/loadtest/"]
