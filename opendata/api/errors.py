"""Every error of the API is JSON: refused parameters name themselves (400), and a
statement stopped by the public statement timeout is a 503 to retry, never a page."""

from django.db import transaction
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import exception_handler as rest_exception_handler

from i4c.limits import timed_out

TOO_LONG = _(
    "Preparing this answer took too long and was stopped, so that the site stays quick "
    "for everyone. Please try again in a minute."
)


def exception_handler(exc, context):
    """REST framework's answers (400 naming the parameters, 404, 405, 429 with
    Retry-After), and the statement timeout's 503 (``i4c.limits``) as JSON."""
    if timed_out(exc):
        # The transaction is aborted: end it with a rollback, and query nothing more.
        transaction.set_rollback(True)
        return Response(
            {"detail": TOO_LONG},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "60"},
        )
    return rest_exception_handler(exc, context)


def not_found(request, *args, **kwargs):
    """Any other address under the API: a JSON 404, not the site's page."""
    return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
