"""The OpenAPI schema: every read also declares the errors it may answer."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# {"page_size": ["..."], "country": ["..."]}: each refused parameter, with what is wrong.
REFUSED = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "minProperties": 1,
}


class AutoSchema(openapi.AutoSchema):
    def get_tags(self):
        """One group per kind of object (``/api/v1/findings/`` is in "findings")."""
        parts = [part for part in self.path.split("/") if part]
        return parts[2:3] or super().get_tags()

    def get_response_serializers(self):
        serializer = super().get_response_serializers()
        if self.method != "GET" or serializer is None or isinstance(serializer, dict):
            return serializer
        return {
            200: serializer,
            304: OpenApiResponse(
                description=_("Not modified since the ETag or date the request names.")
            ),
            400: OpenApiResponse(
                REFUSED, description=_("A parameter is refused; each is named, with why.")
            ),
            404: OpenApiResponse(DETAIL, description=_("No such published object.")),
            429: OpenApiResponse(
                DETAIL, description=_("Too many requests from this address: see Retry-After.")
            ),
            503: OpenApiResponse(
                DETAIL, description=_("The answer took too long: try again in a minute.")
            ),
        }
