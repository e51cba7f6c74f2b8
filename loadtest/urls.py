"""The site, plus a trivial view: the baseline the load test compares the pages with."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.cache import never_cache

from i4c.urls import urlpatterns as site_urlpatterns


@never_cache
def trivial(request):
    return HttpResponse("ok\n", content_type="text/plain")


urlpatterns = [
    path("loadtest/trivial/", trivial),
    *site_urlpatterns,
]
