"""The project's URLs plus the outbox fragments (until the lead mounts them)."""

from django.urls import include, path

from rapport.urls import urlpatterns as project

urlpatterns = [
    *[p for p in project if getattr(p, "namespace", None) != "onec_outbox"],
    path("exchange/1c/outbox/", include("rapport.exchange.onec.outbox_urls")),
]
