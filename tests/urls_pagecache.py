"""The site, plus views whose answers break one storing rule of the page cache each."""

import itertools

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path

from i4c.pagecache import page_cache
from i4c.urls import urlpatterns as site_urlpatterns

answers = itertools.count(1)


@page_cache()
def answer(request, rule):
    """A new text on every call, so a stored answer shows as a repeated text."""
    text = f"answer {next(answers)}"
    if rule == "streaming":
        return StreamingHttpResponse([text])
    response = HttpResponse(text)
    if rule == "cookie":
        response.set_cookie("seen", "yes")
    elif rule == "vary-user-agent":
        response["Vary"] = "User-Agent"
    elif rule in ("private", "no-store", "no-cache"):
        response["Cache-Control"] = rule
    elif rule == "created":
        response.status_code = 201
    elif rule == "not-found":
        response.status_code = 404
    return response


urlpatterns = [path("rules/<slug:rule>/", answer), *site_urlpatterns]
