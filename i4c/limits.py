"""What keeps one reader from tying up the database.

- ``PublicStatementTimeout`` (middleware): on PostgreSQL, every statement of a
  public request (nobody signed in as staff) may run ``I4C_PUBLIC_STATEMENT_TIMEOUT``
  seconds at most; past that the database cancels it and the reader gets a page
  saying so (503), not an error. Staff, the admin and management commands are
  not limited.
- ``search_rate_limited`` (view decorator): at most ``I4C_SEARCH_RATE_LIMIT``
  searches a minute from one address (``client_address``), counted in the cache
  (Redis when set, else each process's memory); the next ones get 429 with
  ``Retry-After``.
"""

import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import OperationalError, connection
from django.shortcuts import render

from .admin import client_address

logger = logging.getLogger(__name__)

# PostgreSQL's "query_canceled", which a statement_timeout raises.
QUERY_CANCELED = "57014"


def is_limited(request) -> bool:
    """Public requests are limited; a signed-in Board member or administrator is not."""
    return not request.user.is_staff


def _timed_out(error: BaseException) -> bool:
    cause = error.__cause__
    code = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)  # psycopg 2 or 3
    return isinstance(error, OperationalError) and code == QUERY_CANCELED


class PublicStatementTimeout:
    """Sets ``statement_timeout`` for the statements of a public request.

    Set on the connection at the request's first query (a request that reads
    nothing, such as a cached page, costs nothing), and reset after the
    response, so that the next user of the connection starts unlimited. A
    statement cancelled by it becomes the "took too long" page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        milliseconds = round(settings.I4C_PUBLIC_STATEMENT_TIMEOUT * 1000)
        if connection.vendor != "postgresql" or milliseconds <= 0 or not is_limited(request):
            return self.get_response(request)
        limit = _Limit(milliseconds)
        with connection.execute_wrapper(limit):
            try:
                return self.get_response(request)
            finally:
                limit.reset()

    def process_exception(self, request, exception):
        if not _timed_out(exception):
            return None
        searched = bool(request.GET.get("q", "").strip())
        response = render(request, "too_long.html", {"searched": searched}, status=503)
        response["Retry-After"] = "60"
        return response


class _Limit:
    """The execute wrapper: sets the timeout once, before the request's first statement."""

    def __init__(self, milliseconds: int):
        self.milliseconds = milliseconds
        self.raw = None

    def __call__(self, execute, sql, params, many, context):
        raw = connection.connection
        if self.raw is not raw:
            # The raw cursor: the setting is not one of the page's queries.
            with raw.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, false)", [str(self.milliseconds)]
                )
            self.raw = raw
        return execute(sql, params, many, context)

    def reset(self):
        if self.raw is None or self.raw is not connection.connection:
            return  # never set, or the connection it was set on is closed
        if connection.needs_rollback or connection.in_atomic_block:
            return  # the transaction's end takes the setting back, or will fail anyway
        try:
            with self.raw.cursor() as cursor:
                cursor.execute("RESET statement_timeout")
        except Exception:  # noqa: BLE001 (a broken connection is closed by Django after the request)
            logger.warning("could not reset statement_timeout", exc_info=True)


def search_rate_limited(view):
    """Refuses a search (a non-empty ``q``) over ``I4C_SEARCH_RATE_LIMIT`` a minute
    from one address, with the "too many searches" page (429)."""

    @wraps(view)
    def limited(request, *args, **kwargs):
        if request.GET.get("q", "").strip() and is_limited(request):
            wait = _wait(request)
            if wait:
                response = render(
                    request,
                    "too_many_searches.html",
                    {"seconds": wait, "limit": settings.I4C_SEARCH_RATE_LIMIT},
                    status=429,
                )
                response["Retry-After"] = str(wait)
                return response
        return view(request, *args, **kwargs)

    return limited


def _wait(request) -> int:
    """0 when this search is within the limit, else the seconds until the next minute.

    A fixed window per minute and address: ``add`` then ``incr`` work alike in
    Redis and in memory. A cache that fails lets the search through (the
    statement timeout still bounds it).
    """
    limit = settings.I4C_SEARCH_RATE_LIMIT
    if limit <= 0:
        return 0
    now = time.time()
    window = int(now // 60)
    key = f"search-rate:{client_address(request) or 'unknown'}:{window}"
    cache = caches[settings.PAGE_CACHE_ALIAS]
    try:
        cache.add(key, 0, timeout=60)
        count = cache.incr(key)
    except ValueError:
        return 0  # the minute ended between the two calls: a new window
    except Exception:  # noqa: BLE001 (Redis down or slow: the site still answers)
        logger.warning("search rate limit: cache unavailable", exc_info=True)
        return 0
    if count <= limit:
        return 0
    return max(1, (window + 1) * 60 - int(now))
