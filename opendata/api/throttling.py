"""At most ``I4C_API_RATE_LIMIT`` requests a minute from one address."""

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from i4c.limits import wait_for


class AddressRateThrottle(BaseThrottle):
    """Counted as the site counts searches (``i4c.limits.wait_for``): per address as
    ``client_address`` reads it behind the proxy, in the cache (Redis when set, else
    each process's memory), a fixed window per minute. Past the limit REST framework
    answers 429 with ``Retry-After``. A cache that fails lets requests through."""

    def allow_request(self, request, view):
        self.seconds = wait_for(
            request, counter="api-rate", what="API requests", limit=settings.I4C_API_RATE_LIMIT
        )
        return not self.seconds

    def wait(self):
        return self.seconds
