"""Page routes (mounted at /billing/)."""

from django.urls import path

from .views import cards, invoices, payments, receivables, settings

app_name = "billing"

urlpatterns = [
    path("invoices/", invoices.invoice_list, name="invoice_list"),
    path("invoices/new/", invoices.invoice_create, name="invoice_create"),
    path("invoices/preview/", invoices.invoice_preview, name="invoice_preview"),
    path("invoices/<uuid:pk>/", invoices.invoice_detail, name="invoice_detail"),
    path("invoices/<uuid:pk>/edit/", invoices.invoice_edit, name="invoice_edit"),
    path("invoices/<uuid:pk>/send/", invoices.invoice_send, name="invoice_send"),
    path("invoices/<uuid:pk>/cancel/", invoices.invoice_cancel, name="invoice_cancel"),
    path("invoices/<uuid:pk>/delete/", invoices.invoice_delete, name="invoice_delete"),
    path("invoices/<uuid:pk>/pdf/", invoices.invoice_pdf, name="invoice_pdf"),
    path("invoices/<uuid:pk>/email/", invoices.invoice_email, name="invoice_email"),
    path("payments/", payments.payment_list, name="payment_list"),
    path("payments/new/", payments.payment_create, name="payment_create"),
    path("payments/open-invoices/", payments.payment_open_invoices, name="payment_open_invoices"),
    path("payments/<uuid:pk>/", payments.payment_detail, name="payment_detail"),
    path("payments/<uuid:pk>/allocate/", payments.payment_allocate, name="payment_allocate"),
    path("payments/<uuid:pk>/unallocate/", payments.payment_unallocate, name="payment_unallocate"),
    path("payments/<uuid:pk>/delete/", payments.payment_delete, name="payment_delete"),
    path("receivables/", receivables.receivables, name="receivables"),
    path("settings/number-series/", settings.number_series, name="number_series"),
    path("clients/<uuid:pk>/invoices/", cards.client_invoices, name="client_invoices"),
    path("deals/<uuid:pk>/invoices/", cards.deal_invoices, name="deal_invoices"),
]
