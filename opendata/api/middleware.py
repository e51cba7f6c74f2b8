"""Cross-origin reads of the API, and its answers compressed."""

from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware

READ_METHODS = ("GET", "HEAD", "OPTIONS")
PREFIX = "/api/"


class OpenReadsMiddleware:
    """Lets a page of any site read the API (``Access-Control-Allow-Origin: *``).

    Only under ``/api/``, only for reads, and never with credentials: the API
    holds nothing per reader, so a browser sends it no cookie on another site's
    behalf. A preflight (a script that sends ``If-None-Match``) is answered here,
    before the rate limit and the database. One fixed rule rather than
    django-cors-headers: there is nothing to configure, and the rule cannot
    reach the site's other pages or the admin.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(PREFIX) or request.method not in READ_METHODS:
            return self.get_response(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ", ".join(READ_METHODS)
            response["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = self.get_response(request)
            response["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Retry-After"
        response["Access-Control-Allow-Origin"] = "*"
        return response


class ApiGZipMiddleware(GZipMiddleware):
    """Compresses the API's answers for clients that accept it: a page of 500 findings
    in two languages shrinks several times. Django's own middleware, which makes the
    ETag weak (``W/"..."``); sent back, it still matches (If-None-Match compares
    weakly). The API holds no secret for compression to give away."""

    def process_response(self, request, response):
        if not request.path_info.startswith(PREFIX):
            return response
        return super().process_response(request, response)
