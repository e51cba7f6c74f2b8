"""What keeps one reader from tying up the database.

- ``PublicStatementTimeout`` (middleware): on PostgreSQL, every statement of a
  public page (a GET or HEAD by anyone not signed in as staff) may run
  ``I4C_PUBLIC_STATEMENT_TIMEOUT`` seconds at most; past that the database
  cancels it and the reader gets a page saying so (503), not an error. Staff,
  the admin and management commands are not limited, nor is a CSV file
  streamed after its view has returned.
- ``search_rate_limited`` (view decorator): at most ``I4C_SEARCH_RATE_LIMIT``
  searches a minute from one address (``client_address``), counted in the cache
  (Redis when set, else each process's memory); the next ones get 429 with
  ``Retry-After``. A cache that fails lets searches through, and is left alone
  for a while as the page cache leaves it (``REDIS_RETRY_SECONDS``).
"""

import time
from functools import wraps

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction
from django.shortcuts import render

from .admin import client_address
from .pagecache import available_cache, cache_failed

# PostgreSQL's "query_canceled", which a statement_timeout raises.
QUERY_CANCELED = "57014"


def is_limited(request) -> bool:
    """Public requests are limited; a signed-in Board member or administrator is not."""
    return not request.user.is_staff


def timed_out(error: BaseException) -> bool:
    cause = error.__cause__
    code = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)  # psycopg 2 or 3
    return isinstance(error, OperationalError) and code == QUERY_CANCELED


class PublicStatementTimeout:
    """Runs a public GET or HEAD in a transaction whose statements time out.

    ``SET LOCAL`` at the request's first query (a request that reads nothing
    costs no statement): the setting ends with the transaction, so the
    connection's next user is not limited. A transaction rather than a
    session setting also because, outside one, Django reads menus through
    holdable cursors, which PostgreSQL fills at commit, after the statement's
    timeout has been switched off. Posts (signing in) are left as they are.
    A statement cancelled by the timeout becomes the "took too long" page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        milliseconds = round(settings.I4C_PUBLIC_STATEMENT_TIMEOUT * 1000)
        if (
            connection.vendor != "postgresql"
            or request.method not in ("GET", "HEAD")
            or not is_limited(request)
        ):
            return self.get_response(request)
        try:
            connection.ensure_connection()
        except DatabaseError:
            # The database cannot be reached: the page (or /healthz) says so as it would
            # without the limit; opening the transaction would raise here instead.
            return self.get_response(request)
        # No savepoint inside a transaction already open (a test's): nothing raises
        # through here, Django has turned errors into responses further in.
        atomic = transaction.atomic(savepoint=False)
        with atomic, connection.execute_wrapper(_Limit(milliseconds)):
            return self.get_response(request)

    def process_exception(self, request, exception):
        if not timed_out(exception):
            return None
        # The transaction is aborted: end it with a rollback, and query nothing more.
        transaction.set_rollback(True)
        searched = bool(request.GET.get("q", "").strip())
        response = render(request, "too_long.html", {"searched": searched}, status=503)
        response["Retry-After"] = "60"
        return response


class _Limit:
    """The execute wrapper: ``SET LOCAL statement_timeout`` before the first statement."""

    def __init__(self, milliseconds: int):
        self.milliseconds = milliseconds
        self.done = False

    def __call__(self, execute, sql, params, many, context):
        if not self.done:
            self.done = True
            # The raw cursor: the setting is not one of the page's queries.
            with context["connection"].connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true)", [str(self.milliseconds)]
                )
        return execute(sql, params, many, context)


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
    """0 when this search is within ``I4C_SEARCH_RATE_LIMIT``, else the seconds to wait."""
    return wait_for(
        request, counter="search-rate", what="searches", limit=settings.I4C_SEARCH_RATE_LIMIT
    )


def wait_for(request, *, counter: str, what: str, limit: int) -> int:
    """0 when this request is within ``limit`` a minute from its address, counted under
    ``counter`` (the searches, the API), else the seconds until the next minute.
    ``what`` names the requests counted in the log, should the cache fail.

    A fixed window per minute and address: ``add`` then ``incr`` work alike in
    Redis and in memory. A cache that fails lets the request through (the
    statement timeout still bounds it). ``limit`` 0: no limit.
    """
    if limit <= 0:
        return 0
    now = time.time()
    window = int(now // 60)
    key = f"{counter}:{client_address(request) or 'unknown'}:{window}"
    cache = available_cache()
    if cache is None:
        return 0  # resting after a failure (i4c/pagecache.py)
    try:
        cache.add(key, 0, timeout=60)
        count = cache.incr(key)
    except ValueError:
        return 0  # the minute ended between the two calls: a new window
    except Exception:  # noqa: BLE001 (Redis down or slow: the site still answers)
        cache_failed(f"counting {what}")
        return 0
    if count <= limit:
        return 0
    return max(1, (window + 1) * 60 - int(now))
