"""The site's settings plus the load test's trivial view (``loadtest/urls.py``)."""

from i4c.settings import *  # noqa: F403

ROOT_URLCONF = "loadtest.urls"
ALLOWED_HOSTS = ["127.0.0.1"]
# The baseline view costs nothing but Django itself: not being marked as a public
# page (i4c/pagecache.py), it gets no content version read and no cache lookup.
