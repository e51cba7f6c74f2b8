from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import views
from .errors import not_found


class Router(DefaultRouter):
    """The root lists the endpoints; no ``.json`` suffixes (JSON is all there is)."""

    include_format_suffixes = False


router = Router()
router.register("dialogues", views.DialogueViewSet, basename="api-dialogue")
router.register("sessions", views.SessionViewSet, basename="api-session")
router.register("findings", views.FindingViewSet, basename="api-finding")
router.register("countries", views.CountryViewSet, basename="api-country")
router.register("themes", views.ThemeViewSet, basename="api-theme")
router.register("actions", views.ActionViewSet, basename="api-action")

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="api-schema"),
    # The split view: the page loads its script from this same address (?script), so
    # the strict Content-Security-Policy needs no exception for an inline script.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="opendata/api_docs.html"
        ),
        name="api-docs",
    ),
    *router.urls,
    # Anything else under the API: a JSON 404 rather than the site's page. Only
    # addresses that end with a slash: without one, /api/v1/findings is redirected
    # to /api/v1/findings/ first (APPEND_SLASH).
    re_path(r"^.*/$", not_found),
]
