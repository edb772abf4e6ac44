from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from rapport.core import views as core_views
from rapport.exchange.onec.commerceml import protocol as onec_protocol

urlpatterns = [
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("rapport.web.urls")),
    path("", include("rapport.core.urls")),
    path("", include("rapport.parties.urls")),
    path("duplicates/", include("rapport.parties.duplicate_urls")),
    path("interactions/", include("rapport.interactions.urls")),
    path("planner/", include("rapport.planner.urls")),
    path("sales/", include("rapport.sales.urls")),
    path("reports/", include("rapport.sales.report_urls")),
    path("catalog/", include("rapport.catalog.urls")),
    path("documents/", include("rapport.documents.urls")),
    path("billing/", include("rapport.billing.urls")),
    path("imports/", include("rapport.exchange.imports.urls")),
    path("exports/", include("rapport.exchange.exports.urls")),
    # The address 1C's "exchange with a website" node calls (CommerceML 2 protocol).
    # 1C posts files, so a missing slash must not become a redirect.
    path(settings.RAPPORT_1C_EXCHANGE_PATH.rstrip("/"), onec_protocol.exchange),
    path(settings.RAPPORT_1C_EXCHANGE_PATH, include("rapport.exchange.onec.commerceml.urls")),
    path("exchange/outbox/", include("rapport.exchange.onec.outbox_urls")),
    path("exchange/", include("rapport.exchange.onec.urls")),
    path("api/v1/", include("rapport.api_urls")),
    path("django-admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
