"""``/api/v1/``: the REST API (token auth, cursor pagination, problem details)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from rapport.core.api import ApiDocsView, PropertyDefinitionViewSet, TokenView, UserViewSet
from rapport.parties.api import ClientViewSet, ContactViewSet

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("users", UserViewSet, basename="user")
router.register("properties", PropertyDefinitionViewSet, basename="property")
router.register("clients", ClientViewSet, basename="client")
router.register("contacts", ContactViewSet, basename="contact")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    path("", include("rapport.core.api_urls")),
    path("", include("rapport.parties.api.duplicate_urls")),
    path("", include("rapport.interactions.api_urls")),
    path("", include("rapport.planner.api_urls")),
    path("", include("rapport.catalog.api_urls")),
    path("", include("rapport.sales.api_urls")),
    path("", include("rapport.sales.plan_api_urls")),
    path("reports/", include("rapport.sales.report_api_urls")),
    path("", include("rapport.documents.api_urls")),
    path("", include("rapport.billing.api_urls")),
    path("imports/", include("rapport.exchange.imports.api_urls")),
    path("exports/", include("rapport.exchange.exports.api_urls")),
]
