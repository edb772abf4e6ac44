"""Mounted under ``/api/v1/``: ``invoices/``, ``payments/``, ``receivables/``."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api.views import InvoiceViewSet, PaymentViewSet, ReceivablesView

router = SimpleRouter(use_regex_path=False)
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("payments", PaymentViewSet, basename="payment")

urlpatterns = [
    *router.urls,
    path("receivables/", ReceivablesView.as_view(), name="receivables"),
]
