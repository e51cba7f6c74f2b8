"""Views of the project itself: the language switcher and the error page."""

import sys

from django.db import InterfaceError, OperationalError
from django.shortcuts import render
from django.utils import translation
from django.views import defaults, i18n
from django.views.decorators.csrf import csrf_exempt

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
