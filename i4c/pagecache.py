"""A page cache for anonymous readers of the public pages of every app.

Which pages: the views marked with :func:`page_cache`, which names the query
parameters each one reads. Nothing else is cached (the admin, the language
switcher, the CSV export, /healthz...).

Every page is stored with the *content version* it was made under: a random
value in the database (``i4c.models.ContentVersion``) that changes with every
change to what the public pages show. The page cache knows none of the apps'
models: each app names the models its pages show with :func:`watch` (in its
``AppConfig.ready``), and code that writes without signals (the CSV import, a
restore) calls :func:`content_changed` itself. The new value commits with the
edit, in the same transaction, so it makes every cached page unreachable at
once, in every worker and on every app server, and a rolled-back edit leaves
the old value. Random values, not a counter: a restored backup can never bring
back a version whose pages are still cached.

Pages live in the default cache: Redis when ``REDIS_URL`` is set, else each
process's own memory, which is safe because the version they are filed under is
read from the database on every request.

With Redis, a request reads a copy of the version from Redis instead (one
round trip, no query: a database query per hit halved the rate cached pages are
served at). The database stays the truth: an edit touches only the database,
so it never fails because Redis is down. Once the edit has committed, the copy
in Redis is replaced by the database's current value; a reader that finds no
copy reads the database and stores it only if no other copy arrived meanwhile
(``add``), so a reader can never put back a version older than a committed
edit. The copy lives ``PAGE_CACHE_VERSION_SECONDS`` (2 s): if Redis could not be
told of an edit (unreachable at that instant, or left alone after a failure as
below), or two edits' notices crossed, readers may get the previous pages for
at most that long.

A Redis that is down or hangs costs one request ``REDIS_TIMEOUT``: after any
failure the process leaves the cache alone for ``REDIS_RETRY_SECONDS`` (pages
are served uncached, edits send no notice), logs it once, then tries again.

What is cached: answers 200 to anonymous GET requests that set no cookie.
"Anonymous" means the request carries no session cookie: Board members are
signed in, so they never read or fill the cache (they preview drafts; drafts
answer 404 to everyone else and 404s are not cached). The public pages hold
nothing personal: the language switcher needs no CSRF token (see
``i4c.urls``), and the language is part of the key. A public page answers
``Vary: Cookie`` because the views ask whether the reader may preview drafts
(which reads the session); that is safe here, as every request with a session
cookie bypasses the cache.

The key is made of what a page reads, and of nothing else: the language, the
scheme, the host name (without the port), the path and the declared query
parameters (sorted). A marked view sees only its declared parameters, cached or
not: the others are taken out of the request before it runs (``request.GET``
and the query string, which the pages repeat in their links), so no page can
show what its key leaves out.
"""

import contextlib
import dataclasses
import functools
import hashlib
import logging
import re
import threading
import time
import uuid

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import DatabaseError, transaction
from django.db.models.functions import Now
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import QueryDict
from django.http.request import split_domain_port
from django.middleware.gzip import GZipMiddleware
from django.urls import Resolver404, get_resolver
from django.utils import translation

from .models import ContentVersion

logger = logging.getLogger(__name__)

# Headers a cached page may vary on: the language is in the key, and the
# session cookie keeps a request away from the cache.
SAFE_VARY = {"cookie", "accept-language", "accept-encoding"}


@dataclasses.dataclass(frozen=True)
class PublicPage:
    """What a public page reads of a request besides its path and language."""

    reads: frozenset[str] = frozenset()
    absolute_links: bool = False


def page_cache(*, reads=(), absolute_links: bool = False):
    """Marks a view as a public page that the cache may serve to anonymous readers.

    ``reads`` names the query parameters the page reads: they are part of its
    key, in any order, and the view sees no other parameter (``/?utm_source=x``
    is ``/`` to it, cached or not). ``absolute_links``: the page prints
    addresses with the host as the request named it, port included (robots.txt,
    the sitemap, the feed); it is then cached only for a host without a port, as
    a proxy passes it, so that no reader's port ends up in another reader's page.
    """
    page = PublicPage(frozenset(reads), absolute_links)

    def decorator(view):
        # A wrapper: marking a view of Django's (the sitemap) must not mark it elsewhere.
        @functools.wraps(view)
        def public_view(request, *args, **kwargs):
            return view(request, *args, **kwargs)

        public_view.public_page = page
        return public_view

    return decorator


def public_page(request) -> PublicPage | None:
    """The declaration of the view the request goes to; None when it has none."""
    try:
        return request.public_page
    except AttributeError:
        pass
    try:
        match = get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
    except Resolver404:
        page = None
    else:
        page = getattr(match.func, "public_page", None)
    request.public_page = page
    return page


def keep_only(request, names) -> str:
    """Takes every query parameter but ``names`` out of the request; returns the query
    left, its parameters sorted by name (the values of one name keep their order)."""
    query = QueryDict(mutable=True)
    for name in sorted(names & request.GET.keys()):
        query.setlist(name, request.GET.getlist(name))
    text = query.urlencode()
    if text != request.META.get("QUERY_STRING", ""):
        request.META["QUERY_STRING"] = text
        request.GET = QueryDict(text)
    return text


def _cache():
    return caches[settings.PAGE_CACHE_ALIAS]


def _new() -> str:
    return uuid.uuid4().hex


VERSION_KEY = "page-cache:version"


def _shared() -> bool:
    """Whether the page cache is shared by every process (Redis), not per process."""
    return "redis" in settings.CACHES[settings.PAGE_CACHE_ALIAS]["BACKEND"].lower()


# --- leaving a failing cache alone -----------------------------------------------


class _Rest:
    """Until when (``time.monotonic()``) this process leaves the cache alone."""

    lock = threading.Lock()
    until = 0.0
    failed = False


class CacheFailed(Exception):
    """The cache itself failed (its error is the cause), not what the page reads."""


@contextlib.contextmanager
def _asking_the_cache():
    try:
        yield
    except Exception as error:
        raise CacheFailed(str(error)) from error


def available_cache():
    """The page cache, or None while it rests after a failure. For every use of the
    shared cache (the search's rate limit too): a hung Redis costs one request."""
    if time.monotonic() < _Rest.until:
        return None
    return _cache()


def cache_failed(doing: str):
    """The cache failed (Redis down or silent for ``REDIS_TIMEOUT``) while ``doing``:
    it rests for ``REDIS_RETRY_SECONDS``, said once."""
    seconds = settings.REDIS_RETRY_SECONDS
    with _Rest.lock:
        now = time.monotonic()
        first = now >= _Rest.until
        _Rest.until = max(_Rest.until, now + seconds)
        _Rest.failed = True
    if first:
        logger.warning(
            "Page cache: %s failed; pages are served uncached for the next %s s",
            doing,
            seconds,
            exc_info=True,
        )


def _answered():
    if _Rest.failed:
        _Rest.failed = False
        logger.info("Page cache: the cache answers again")


def _start_afresh(*, setting, **kwargs):
    """Another cache in the settings (tests) starts without the previous one's rest."""
    if setting in ("CACHES", "PAGE_CACHE_ALIAS", "REDIS_RETRY_SECONDS"):
        _Rest.until = 0.0
        _Rest.failed = False


setting_changed.connect(_start_afresh, dispatch_uid="pagecache-settings")


# --- the content version -----------------------------------------------------------


def _database_version() -> str:
    version = ContentVersion.objects.filter(pk=1).values_list("value", flat=True).first()
    if version is None:
        version = ContentVersion.objects.get_or_create(pk=1, defaults={"value": _new()})[0].value
    return version


def version_and_time():
    """The content version and the moment it was made, from the database: one query
    (two the first time, when the row is created). For answers that say which version
    they show (the API's ETag and Last-Modified) rather than being cached as pages."""
    row = ContentVersion.objects.filter(pk=1).values_list("value", "changed").first()
    if row is None:
        ContentVersion.objects.get_or_create(pk=1, defaults={"value": _new()})
        row = ContentVersion.objects.filter(pk=1).values_list("value", "changed").get()
    return row


def lookup(cache, key: str):
    """The current content version and the page stored under ``key`` if it is current.

    With Redis: one round trip for both (the version copy and the page), no query;
    a missing copy is read from the database and stored unless another arrived
    meanwhile. Otherwise: the version is one query, the page comes from memory.
    Raises ``CacheFailed`` when the cache does not answer; an error of the
    database's is raised as it is (it is no reason to leave the cache alone).
    """
    if _shared():
        with _asking_the_cache():
            found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY)
        if version is None:
            version = _database_version()
            with _asking_the_cache():
                if not cache.add(VERSION_KEY, version, settings.PAGE_CACHE_VERSION_SECONDS):
                    version = cache.get(VERSION_KEY) or version
        entry = found.get(key)
    else:
        version = _database_version()
        with _asking_the_cache():
            entry = cache.get(key)
    if entry is not None and entry[0] == version:
        return version, entry[1]
    return version, None


def kept(key: str, make):
    """What is stored under ``key`` for the current content version, else ``make()``,
    stored for ``PAGE_CACHE_SECONDS`` (0: never stored): for what pages offer but
    the page cache does not keep as a page (the report's PDF). A cache that fails
    costs the making, never the answer, and rests as it does for the pages."""
    if settings.PAGE_CACHE_SECONDS <= 0:
        return make()
    cache = available_cache()
    if cache is None:
        return make()
    try:
        version, content = lookup(cache, key)
    except CacheFailed:
        cache_failed(f"reading {key}")
        return make()
    _answered()
    if content is not None:
        return content
    content = make()
    try:
        cache.set(key, (version, content), settings.PAGE_CACHE_SECONDS)
    except Exception:
        cache_failed(f"storing {key}")
    return content


def _publish_version():
    """After a commit: Redis's copy of the version becomes the database's current one."""
    cache = available_cache()
    if cache is None:
        return  # readers elsewhere may see the previous pages until the copy expires
    try:
        version = _database_version()
    except DatabaseError:
        # The edit is saved; readers may see the previous pages until the copy expires.
        logger.warning("Page cache: could not read the new content version", exc_info=True)
        return
    try:
        cache.set(VERSION_KEY, version, settings.PAGE_CACHE_VERSION_SECONDS)
    except Exception:
        # The edit is saved; readers may see the previous pages until the copy expires.
        cache_failed("publishing the new content version")


def watch(*models):
    """Any change to these models (saved, deleted; for an m2m table, linked or
    unlinked) changes what the public pages show: call it from the app's ``ready()``."""
    for model in models:
        uid = f"pagecache-{model._meta.label_lower}"
        if model._meta.auto_created:  # the table of a ManyToManyField
            m2m_changed.connect(content_changed, sender=model, dispatch_uid=uid)
        else:
            post_save.connect(content_changed, sender=model, dispatch_uid=uid)
            post_delete.connect(content_changed, sender=model, dispatch_uid=uid)


def content_changed(**kwargs):
    """Signal receiver: what the public pages show has changed; no cached page is current.

    One query in the database, in the edit's transaction: the new version
    commits (or rolls back) with the edit. With Redis, its copy is replaced once
    the edit has committed; a failure there never fails the edit.
    """
    if kwargs.get("action", "").startswith("pre_"):
        return  # m2m_changed fires before and after; the "post_" half is enough
    if not ContentVersion.objects.filter(pk=1).update(value=_new(), changed=Now()):
        ContentVersion.objects.get_or_create(pk=1, defaults={"value": _new()})
    if _shared():
        # Dropped now (readers in this transaction see the new value at once) and
        # published again after the commit (readers elsewhere may have stored the
        # committed, older value meanwhile).
        cache = available_cache()
        if cache is not None:
            try:
                cache.delete(VERSION_KEY)
            except Exception:
                cache_failed("dropping the content version")
        transaction.on_commit(_publish_version)


# --- the middleware ------------------------------------------------------------------


def _may_use_cache(request) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def _may_store(response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    return vary <= SAFE_VARY


def page_key(request, *, host: str, query: str) -> str:
    """Language, encoding, scheme, host name, path and the page's parameters: nothing
    else changes a public page.

    The content version is stored with the page, not in the key: a page of an
    older version is simply replaced.
    """
    language = translation.get_language_from_request(request)
    encoding = "gzip" if _ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")) else "-"
    uri = f"{request.scheme}://{host}{request.path}?{query}"
    address = hashlib.sha256(uri.encode()).hexdigest()
    return f"page:{language}:{encoding}:{address}"


_ACCEPTS_GZIP = re.compile(r"\bgzip\b")


class PublicGZipMiddleware(GZipMiddleware):
    """Compresses the public pages for readers whose browsers accept it.

    A session page is several times smaller compressed, which counts on a slow
    connection. It goes inside the page cache, which then stores the compressed
    page (under its own key) and serves it as it is. Only the pages marked with
    :func:`page_cache`: not the admin, whose pages hold CSRF tokens (compression
    next to a secret invites BREACH), and not streamed answers (the CSV export
    keeps its 64 KiB chunks).
    """

    def process_response(self, request, response):
        if response.streaming or public_page(request) is None:
            return response
        return super().process_response(request, response)


class PageCacheMiddleware:
    """Serves anonymous readers from the cache; goes right after the security, CSP
    and X-Frame-Options middleware, which add their headers to every answer.

    It runs before the session, locale and CSRF middleware, so a hit costs no
    session or user lookup, and it stores the response those middleware
    finished (with their headers, and any cookie they set, which bars storing).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        page = public_page(request)
        if page is None:
            return self.get_response(request)
        query = keep_only(request, page.reads)
        if not _may_use_cache(request):
            return self.get_response(request)
        # An unknown Host (DisallowedHost, 400) and a database that is down (the
        # 503 page) are not the cache's business: only the cache's own errors are.
        host, port = split_domain_port(request.get_host())
        if page.absolute_links and port:
            return self.get_response(request)
        cache = available_cache()
        if cache is None:
            return self.get_response(request)
        key = page_key(request, host=host, query=query)
        try:
            version, cached = lookup(cache, key)
        except CacheFailed:
            cache_failed("reading a page")
            return self.get_response(request)
        _answered()
        if cached is not None:
            cached["X-Page-Cache"] = "hit"
            return cached
        response = self.get_response(request)
        if request.method == "GET" and _may_store(response):
            try:
                cache.set(key, (version, response), settings.PAGE_CACHE_SECONDS)
            except Exception:
                cache_failed("storing a page")
            response["X-Page-Cache"] = "miss"
        return response
