"""Every write of billing (one module per area)."""

from .invoice_lines import invoice_preview
from .invoice_states import (
    invoice_cancel,
    invoice_restore,
    invoice_send,
    invoice_trash,
    recompute_invoice,
)
from .invoices import invoice_create, invoice_from_deal, invoice_update
from .numbering import number_allocate, number_series_save
from .payments import (
    payment_allocate,
    payment_record,
    payment_restore,
    payment_trash,
    payment_unallocate,
)

__all__ = [
    "invoice_cancel",
    "invoice_create",
    "invoice_from_deal",
    "invoice_preview",
    "invoice_restore",
    "invoice_send",
    "invoice_trash",
    "invoice_update",
    "number_allocate",
    "number_series_save",
    "payment_allocate",
    "payment_record",
    "payment_restore",
    "payment_trash",
    "payment_unallocate",
    "recompute_invoice",
]
