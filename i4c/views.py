"""Views of the project itself: the health check, the language switcher, the icon and the
error page."""

import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views import defaults, i18n
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: 200 while the database answers, else 503.

    One query, ``SELECT 1``. Nothing here reads the session or the user, so the
    middleware asks nothing of the database before it.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


# Browsers ask for /favicon.ico on every site, whatever the pages link to (the admin's
# pages link to none). Read once: 1.3 kB.
FAVICON = (settings.BASE_DIR / "static" / "favicon.ico").read_bytes()


@require_safe
@cache_control(public=True, max_age=30 * 24 * 60 * 60)
def favicon(request: HttpRequest) -> HttpResponse:
    """The site's icon at the address browsers ask for, kept by them for a month."""
    return HttpResponse(FAVICON, content_type="image/x-icon")


# Django's language switcher, without the CSRF check. It only sets the
# language cookie and redirects to a page of this site (``next`` is checked),
# so a forged request can at worst change the language someone reads in,
# which their browser's Accept-Language could do as well: no data, no rights.
# Without a token, the switcher on every public page holds nothing per reader,
# so the pages can be cached and served to every anonymous reader alike.
set_language = csrf_exempt(i18n.set_language)


def server_error(request):
    """500, or a short 503 while the database cannot be reached.

    Django calls this for any unhandled error, also one raised in a middleware
    (the session's or the page cache's), with the error being handled. The 503
    page needs no database: it renders no user and reads no session.
    """
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        # The error may come before the locale middleware has chosen the language.
        with translation.override(translation.get_language_from_request(request)):
            response = render(request, "503.html", status=503)
        response["Retry-After"] = "30"
        return response
    return defaults.server_error(request)
