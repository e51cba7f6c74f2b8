"""The PDF, kept under the page cache's content version: any change to a dialogue,
session, finding, country or theme makes every stored PDF stale at once.

The page cache is imported here and nowhere else in this app.
"""

from collections.abc import Callable

from i4c.pagecache import kept


def cached(key: str, make: Callable[[], bytes]) -> bytes:
    """What is stored under ``key`` for the current content version, else ``make()``,
    stored for ``PAGE_CACHE_SECONDS`` (0: never stored). A cache that does not answer
    costs the render, never the answer (``i4c.pagecache.kept``)."""
    return kept(key, make)
