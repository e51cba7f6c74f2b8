"""A page cache for anonymous readers of the public pages.

Every page is stored with the *content version* it was made under: a random value in the database
(``i4c.models.ContentVersion``) that changes with every change to what the
public pages show. The page cache serves every app's pages but knows none of
their models: each app names the models its pages show with :func:`watch`
(in its ``AppConfig.ready``), and code that writes without signals (the CSV
import, a restore) calls :func:`content_changed` itself.
The new value commits with the edit, in the same transaction, so it makes every
cached page unreachable at once, in every worker and on every app server, and a
rolled-back edit leaves the old value. Random values, not a counter: a restored
backup can never bring back a version whose pages are still cached.

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
told of an edit (unreachable at that instant but answering readers again), or
two edits' notices crossed, readers may get the previous pages for at most that
long. While Redis is down or slow (``REDIS_TIMEOUT``) readers get the pages
uncached.

What is cached: answers 200 to anonymous GET requests outside the admin and
the language switcher, that set no cookie. "Anonymous" means the request
carries no session cookie: Board members are signed in, so they never read or
fill the cache (they preview drafts; drafts answer 404 to everyone else and
404s are not cached). The public pages hold nothing personal: the language
switcher needs no CSRF token (see ``i4c.urls``), and the language is part of
the key. A public page answers ``Vary: Cookie`` because the views ask whether
the reader may preview drafts (which reads the session); that is safe here,
as every request with a session cookie bypasses the cache.
"""

import hashlib
import logging
import re
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.middleware.gzip import GZipMiddleware
from django.utils import translation

logger = logging.getLogger(__name__)

# Headers a cached page may vary on: the language is in the key, and the
# session cookie keeps a request away from the cache.
SAFE_VARY = {"cookie", "accept-language", "accept-encoding"}
# The query parameters a public page reads: the filters of /findings/ (and of
# its CSV export, which streams and is never cached) and the page number. A
# request with any other parameter is served uncached and stores nothing, so
# made-up parameters cannot fill the cache with copies of one page. A test
# checks this against findings.filters.FindingFilter.
QUERY_PARAMETERS = frozenset({"dialogue", "session", "country", "kind", "theme", "q", "page"})


def _cache():
    return caches[settings.PAGE_CACHE_ALIAS]


def _new() -> str:
    return uuid.uuid4().hex


VERSION_KEY = "page-cache:version"


def _shared() -> bool:
    """Whether the page cache is shared by every process (Redis), not per process."""
    return "redis" in settings.CACHES[settings.PAGE_CACHE_ALIAS]["BACKEND"].lower()


def _database_version() -> str:
    from .models import ContentVersion

    version = ContentVersion.objects.filter(pk=1).values_list("value", flat=True).first()
    if version is None:
        version = ContentVersion.objects.get_or_create(pk=1, defaults={"value": _new()})[0].value
    return version


def lookup(cache, key: str):
    """The current content version and the page stored under ``key`` if it is current.

    With Redis: one round trip for both (the version copy and the page), no query;
    a missing copy is read from the database and stored unless another arrived
    meanwhile. Otherwise: the version is one query, the page comes from memory.
    Raises the cache's error when Redis does not answer.
    """
    if _shared():
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY)
        if version is None:
            version = _database_version()
            if not cache.add(VERSION_KEY, version, settings.PAGE_CACHE_VERSION_SECONDS):
                version = cache.get(VERSION_KEY) or version
        entry = found.get(key)
    else:
        version = _database_version()
        entry = cache.get(key)
    if entry is not None and entry[0] == version:
        return version, entry[1]
    return version, None


def _publish_version():
    """After a commit: Redis's copy of the version becomes the database's current one."""
    try:
        _cache().set(VERSION_KEY, _database_version(), settings.PAGE_CACHE_VERSION_SECONDS)
    except Exception:
        # The edit is saved; readers may see the previous pages until the copy expires.
        logger.warning("Page cache: could not publish the new content version", exc_info=True)


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
    from .models import ContentVersion

    if not ContentVersion.objects.filter(pk=1).update(value=_new()):
        ContentVersion.objects.get_or_create(pk=1, defaults={"value": _new()})
    if _shared():
        # Dropped now (readers in this transaction see the new value at once) and
        # published again after the commit (readers elsewhere may have stored the
        # committed, older value meanwhile).
        try:
            _cache().delete(VERSION_KEY)
        except Exception:
            logger.warning("Page cache: could not drop the content version", exc_info=True)
        transaction.on_commit(_publish_version)


def _is_public(request) -> bool:
    path = request.path_info
    # /healthz must ask the database itself, every time, and cost one query.
    excluded = (
        "/" + settings.ADMIN_URL,
        "/i18n/",
        "/" + settings.STATIC_URL.lstrip("/"),
        "/healthz",
        *settings.PAGE_CACHE_EXCLUDED_PATHS,
    )
    return not path.startswith(excluded)


def _may_use_cache(request) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and _is_public(request)
        and request.GET.keys() <= QUERY_PARAMETERS
    )


def _may_store(response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    return vary <= SAFE_VARY


def page_key(request) -> str:
    """Language, scheme, host, path and query: nothing else changes a public page.

    The content version is stored with the page, not in the key: a page of an
    older version is simply replaced.

    The query is taken in a fixed order, so ``?kind=problem&country=kz`` and
    ``?country=kz&kind=problem`` share one entry.
    """
    language = translation.get_language_from_request(request)
    encoding = "gzip" if _ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")) else "-"
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    uri = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    address = hashlib.sha256(uri.encode()).hexdigest()
    return f"page:{language}:{encoding}:{address}"


_ACCEPTS_GZIP = re.compile(r"\bgzip\b")


class PublicGZipMiddleware(GZipMiddleware):
    """Compresses the public pages for readers whose browsers accept it.

    A session page is several times smaller compressed, which counts on a slow
    connection. It goes inside the page cache, which then stores the compressed
    page (under its own key) and serves it as it is. Not the admin, whose pages
    hold CSRF tokens (compression next to a secret invites BREACH), and not
    streamed answers (the CSV export keeps its 64 KiB chunks).
    """

    def process_response(self, request, response):
        if response.streaming or not _is_public(request):
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
        if not _may_use_cache(request):
            return self.get_response(request)
        cache = _cache()
        # An unknown Host (DisallowedHost, 400) and a database that is down (the
        # 503 page) are not the cache's business: only the cache's own errors are.
        request.get_host()
        try:
            key = page_key(request)
            version, cached = lookup(cache, key)
        except DatabaseError:
            raise
        except Exception:
            # The shared cache is down: serve the page uncached rather than fail.
            logger.warning("Page cache unavailable", exc_info=True)
            return self.get_response(request)
        if cached is not None:
            cached["X-Page-Cache"] = "hit"
            return cached
        response = self.get_response(request)
        if request.method == "GET" and _may_store(response):
            try:
                cache.set(key, (version, response), settings.PAGE_CACHE_SECONDS)
            except Exception:
                logger.warning("Page cache unavailable", exc_info=True)
            response["X-Page-Cache"] = "miss"
        return response
