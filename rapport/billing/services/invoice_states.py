"""Status of invoices: send (allocates the number, see ``numbering``), the paid amount
and status that follow payments, cancel (not with payments allocated), trash, restore."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import access
from rapport.core.access import require_writer
from rapport.core.history import mark_actor
from rapport.core.models import User

from ..models import ISSUED_STATUSES, Invoice, InvoiceStatus
from .checks import (
    _lock,
    mark_reason,
    require_edit,
)
from .numbering import number_allocate

# --- status ---------------------------------------------------------------------------


@transaction.atomic
def invoice_send(*, actor: User, invoice: Invoice) -> Invoice:
    """Issue a draft: it gets its number and becomes "sent" (payments can be allocated
    to it from now on). E-mailing the printed form is the documents' business."""
    require_edit(actor, invoice)
    invoice = _lock(invoice)
    if invoice.status != InvoiceStatus.DRAFT:
        raise ValidationError({"status": [_("Only a draft can be sent.")]})
    if not invoice.lines.exists():
        raise ValidationError({"lines": [_("Add at least one line before sending.")]})
    if invoice.total <= 0:
        raise ValidationError({"lines": [_("The invoice total must be greater than zero.")]})
    number, year, seq = number_allocate(organisation=invoice.organisation, on=invoice.date)
    invoice.number, invoice.number_year, invoice.number_seq = number, year, seq
    invoice.status = InvoiceStatus.SENT
    invoice.sent_at = invoice.updated_at = timezone.now()
    mark_actor(invoice, actor)
    mark_reason(invoice, "send")
    invoice.save()
    recompute_invoice(invoice)
    return invoice


def live_allocated(invoice: Invoice) -> Decimal:
    return invoice.allocations.filter(payment__deleted_at__isnull=True).aggregate(s=Sum("amount"))[
        "s"
    ] or Decimal(0)


def recompute_invoice(invoice: Invoice) -> Invoice:
    """Paid amount and status from the allocations of live payments (issued invoices)."""
    paid = live_allocated(invoice)
    status = invoice.status
    if status in ISSUED_STATUSES:
        if paid <= 0:
            status = InvoiceStatus.SENT
        elif paid >= invoice.total:
            status = InvoiceStatus.PAID
        else:
            status = InvoiceStatus.PARTLY_PAID
    if paid != invoice.paid_amount or status != invoice.status:
        invoice.paid_amount, invoice.status = paid, status
        invoice.updated_at = timezone.now()
        invoice.save(update_fields=["paid_amount", "status", "updated_at"])
    return invoice


@transaction.atomic
def invoice_cancel(*, actor: User, invoice: Invoice) -> Invoice:
    """Cancel a draft or an issued invoice that has no payments allocated."""
    require_edit(actor, invoice)
    invoice = _lock(invoice)
    if invoice.status == InvoiceStatus.CANCELLED:
        raise ValidationError({"status": [_("The invoice is already cancelled.")]})
    if live_allocated(invoice) > 0:
        raise ValidationError(
            {
                "status": [
                    _(
                        "Payments are allocated to this invoice: remove their allocations "
                        "before cancelling it."
                    )
                ]
            }
        )
    invoice.status = InvoiceStatus.CANCELLED
    invoice.cancelled_at = invoice.updated_at = timezone.now()
    mark_actor(invoice, actor)
    mark_reason(invoice, "cancel")
    invoice.save()
    return invoice


@transaction.atomic
def invoice_trash(*, actor: User, invoice: Invoice) -> None:
    """Move a draft or a cancelled invoice to the trash (issued ones are cancelled)."""
    require_edit(actor, invoice)
    invoice = _lock(invoice)
    if invoice.status not in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED):
        raise ValidationError(
            {"status": [_("Only drafts and cancelled invoices go to the trash.")]}
        )
    invoice.deleted_at = invoice.updated_at = timezone.now()
    invoice.deleted_by = actor
    mark_actor(invoice, actor)
    mark_reason(invoice, "trash")
    invoice.save(update_fields=["deleted_at", "deleted_by", "updated_at"])


@transaction.atomic
def invoice_restore(*, actor: User, invoice: Invoice) -> Invoice:
    require_writer(actor)
    found = access.visible_to(actor, Invoice, include_trashed=True).filter(pk=invoice.pk).first()
    if found is None:
        raise PermissionDenied(_("You may not restore this record."))
    found.deleted_at = None
    found.deleted_by = None
    found.updated_at = timezone.now()
    mark_actor(found, actor)
    mark_reason(found, "restore")
    found.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    return found
