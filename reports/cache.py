"""The PDF, kept under the page cache's content version: any change to a dialogue,
session, finding, country or theme makes every stored PDF stale at once.

The page cache is imported here and nowhere else in this app.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError

from dialogues.pagecache import lookup

logger = logging.getLogger(__name__)


def cached(key: str, make: Callable[[], bytes]) -> bytes:
    """What is stored under ``key`` for the current content version, else ``make()``,
    stored for ``PAGE_CACHE_SECONDS`` (0: never stored). A cache that does not answer
    costs the render, never the answer."""
    if settings.PAGE_CACHE_SECONDS <= 0:
        return make()
    cache = caches[settings.PAGE_CACHE_ALIAS]
    try:
        version, content = lookup(cache, key)
    except DatabaseError:
        raise
    except Exception:
        logger.warning("Report cache unavailable", exc_info=True)
        return make()
    if content is not None:
        return content
    content = make()
    try:
        cache.set(key, (version, content), settings.PAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("Report cache unavailable", exc_info=True)
    return content
