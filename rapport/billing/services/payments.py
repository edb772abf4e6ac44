"""Payments: record (with allocation to invoices, by hand or oldest first), allocate,
unallocate, trash and restore.

Allocation rules: only sent or partly paid invoices of the payment's client, in the
payment's currency; an allocation is more than zero, at most what the invoice still
owes, and all allocations of a payment together at most its amount. Invoices are locked
(in id order, so two payments never deadlock) while their outstanding is checked; their
paid amount and status follow every change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.pricing import to_decimal
from rapport.core import access
from rapport.core.access import require_writer
from rapport.core.history import mark_actor
from rapport.core.models import Organisation, User
from rapport.parties.models import Client

from ..models import OPEN_STATUSES, Invoice, Payment, PaymentAllocation, PaymentMethod
from .checks import (
    _currency,
    _manager,
    _organisation,
    mark_reason,
    pk_of,
    require_edit,
    visible_client,
)
from .invoice_states import live_allocated, recompute_invoice


def _money(value: Any, field: str, *, positive: bool = True) -> Decimal:
    amount = to_decimal(value)
    if amount is None:
        raise ValidationError({field: [_("Enter an amount.")]})
    if amount != amount.quantize(Decimal("0.01")) or amount >= 10**16:
        raise ValidationError({field: [_("At most 2 decimal places.")]})
    if positive and amount <= 0:
        raise ValidationError({field: [_("The amount must be greater than zero.")]})
    return amount


def _lock_invoices(actor: User, ids: Iterable[Any]) -> dict[str, Invoice]:
    wanted = sorted({str(getattr(i, "pk", i)) for i in ids})
    visible = access.visible_to(actor, Invoice).filter(pk__in=wanted).values("pk")
    locked = (
        Invoice.objects.select_for_update()
        .filter(pk__in=visible)
        .order_by("pk")
        .select_related("currency")
    )
    return {str(inv.pk): inv for inv in locked}


def _check_invoice(invoice: Invoice | None, payment: Payment, label: str) -> Invoice:
    if invoice is None:
        raise ValidationError({"allocations": [_("%(line)s: unknown invoice.") % {"line": label}]})
    if invoice.client_id != payment.client_id:
        raise ValidationError(
            {
                "allocations": [
                    _("%(line)s: invoice %(number)s is of another client.")
                    % {"line": label, "number": invoice}
                ]
            }
        )
    if invoice.currency_id != payment.currency_id:
        raise ValidationError(
            {
                "allocations": [
                    _(
                        "%(line)s: invoice %(number)s is in %(invoice)s, the payment in "
                        "%(payment)s; allocate only in the same currency."
                    )
                    % {
                        "line": label,
                        "number": invoice,
                        "invoice": invoice.currency_id,
                        "payment": payment.currency_id,
                    }
                ]
            }
        )
    if invoice.status not in OPEN_STATUSES:
        raise ValidationError(
            {
                "allocations": [
                    _("%(line)s: invoice %(number)s is %(status)s; pay only sent invoices.")
                    % {
                        "line": label,
                        "number": invoice,
                        "status": invoice.get_status_display().lower(),
                    }
                ]
            }
        )
    return invoice


def _allocate(
    payment: Payment, invoice: Invoice, amount: Decimal, label: str, available: Decimal
) -> Decimal:
    """Store one allocation (added to an existing one of the same pair)."""
    outstanding = invoice.total - live_allocated(invoice)
    if amount > outstanding:
        raise ValidationError(
            {
                "allocations": [
                    _("%(line)s: %(amount)s is more than invoice %(number)s still owes (%(owed)s).")
                    % {
                        "line": label,
                        "amount": amount,
                        "number": invoice.number or invoice,
                        "owed": outstanding,
                    }
                ]
            }
        )
    if amount > available:
        raise ValidationError(
            {
                "allocations": [
                    _("%(line)s: the allocations add up to more than the payment (%(amount)s).")
                    % {"line": label, "amount": payment.amount}
                ]
            }
        )
    existing = PaymentAllocation.objects.filter(payment=payment, invoice=invoice).first()
    if existing is not None:
        existing.amount += amount
        existing.save(update_fields=["amount"])
    else:
        PaymentAllocation.objects.create(payment=payment, invoice=invoice, amount=amount)
    recompute_invoice(invoice)
    return available - amount


def _refresh_payment(payment: Payment) -> Payment:
    total = payment.allocations.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    if total != payment.allocated_amount:
        payment.allocated_amount = total
        payment.save(update_fields=["allocated_amount"])
    return payment


def _auto_targets(actor: User, payment: Payment) -> list[Invoice]:
    """Open invoices of the payment's client in its currency, oldest due first."""
    ids = (
        access.visible_to(actor, Invoice)
        .filter(
            client_id=payment.client_id,
            currency_id=payment.currency_id,
            status__in=OPEN_STATUSES,
        )
        .values_list("pk", flat=True)
    )
    locked = _lock_invoices(actor, ids)
    return sorted(locked.values(), key=lambda i: (i.due_date, i.date, str(i.pk)))


@transaction.atomic
def payment_record(
    *,
    actor: User,
    client: Client | Any,
    amount: Decimal | str,
    date: dt.date | None = None,
    currency: str | None = None,
    organisation: Organisation | Any | None = None,
    method: str = PaymentMethod.BANK,
    reference: str = "",
    comment: str = "",
    manager: User | Any | None = None,
    allocations: Iterable[Mapping[str, Any]] = (),
    auto_allocate: bool = False,
) -> Payment:
    """A payment received from a client, allocated to the given invoices
    (``[{"invoice": ..., "amount": ...}]``; an allocation without an amount takes what
    the invoice still owes, up to what is left of the payment) or, with
    ``auto_allocate``, to the client's open invoices oldest due first."""
    require_writer(actor)
    client = visible_client(actor, client)
    value = _money(amount, "amount")
    if method not in PaymentMethod.values:
        raise ValidationError({"method": [_("Choose a payment method.")]})
    org = _organisation(organisation if organisation not in (None, "") else None)
    cur = _currency(currency, org)
    owner = _manager(manager) or client.manager or actor
    payment = Payment(
        client=client,
        organisation=org,
        date=date or timezone.localdate(),
        amount=value,
        currency=cur,
        method=method,
        reference=(reference or "").strip()[:100],
        comment=(comment or "").strip(),
        manager=owner,
        department_id=owner.department_id,
        created_by=actor,
    )
    mark_actor(payment, actor)
    payment.save(force_insert=True)
    _allocate_many(actor, payment, list(allocations))
    if auto_allocate:
        available = payment.amount - _refresh_payment(payment).allocated_amount
        for invoice in _auto_targets(actor, payment):
            if available <= 0:
                break
            owed = invoice.total - live_allocated(invoice)
            if owed > 0:
                available = _allocate(payment, invoice, min(owed, available), "", available)
    return _refresh_payment(payment)


def _allocate_many(actor: User, payment: Payment, allocations: list[Mapping[str, Any]]) -> None:
    if not allocations:
        return
    invoices = _lock_invoices(actor, [a.get("invoice") for a in allocations])
    seen: set[str] = set()
    available = payment.amount - payment.allocated_amount
    for number, row in enumerate(allocations, start=1):
        label = _("Allocation %(n)s") % {"n": number}
        key = str(getattr(row.get("invoice"), "pk", row.get("invoice")))
        if key in seen:
            raise ValidationError(
                {"allocations": [_("%(line)s: the invoice is listed twice.") % {"line": label}]}
            )
        seen.add(key)
        invoice = _check_invoice(invoices.get(key), payment, label)
        raw = row.get("amount")
        if raw in (None, ""):
            amount = min(invoice.total - live_allocated(invoice), available)
            if amount <= 0:
                raise ValidationError(
                    {"allocations": [_("%(line)s: nothing left to allocate.") % {"line": label}]}
                )
        else:
            try:
                amount = _money(raw, "allocations")
            except ValidationError as exc:
                raise ValidationError(
                    {"allocations": [f"{label}: {m}" for m in exc.messages]}
                ) from exc
        available = _allocate(payment, invoice, amount, label, available)
    _refresh_payment(payment)


def _lock_payment(actor: User, payment: Payment) -> Payment:
    require_edit(actor, payment)
    return Payment.objects.select_for_update().get(pk=payment.pk)


@transaction.atomic
def payment_allocate(
    *, actor: User, payment: Payment, invoice: Invoice | Any, amount: Decimal | str | None = None
) -> Payment:
    """Allocate (more of) a payment to an invoice; no amount: as much as possible."""
    payment = _lock_payment(actor, payment)
    if payment.deleted_at is not None:
        raise ValidationError({"payment": [_("The payment is in the trash.")]})
    _allocate_many(actor, payment, [{"invoice": invoice, "amount": amount}])
    return payment


@transaction.atomic
def payment_unallocate(*, actor: User, payment: Payment, invoice: Invoice | Any) -> Payment:
    """Take a payment's allocation off an invoice (the invoice owes it again)."""
    payment = _lock_payment(actor, payment)
    key = pk_of(invoice)
    allocation = PaymentAllocation.objects.filter(payment=payment, invoice_id=key).first()
    if allocation is None:
        raise ValidationError({"invoice": [_("The payment is not allocated to this invoice.")]})
    locked = Invoice.objects.select_for_update().get(pk=allocation.invoice_id)
    allocation.delete()
    recompute_invoice(locked)
    return _refresh_payment(payment)


@transaction.atomic
def payment_trash(*, actor: User, payment: Payment) -> None:
    """Move a payment to the trash: the invoices it paid owe its allocations again
    (their status goes back to sent or partly paid). Restoring brings them back."""
    payment = _lock_payment(actor, payment)
    invoice_ids = list(payment.allocations.values_list("invoice_id", flat=True))
    locked = Invoice.objects.select_for_update().filter(pk__in=invoice_ids).order_by("pk")
    payment.deleted_at = payment.updated_at = timezone.now()
    payment.deleted_by = actor
    mark_actor(payment, actor)
    mark_reason(payment, "trash")
    payment.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    for invoice in locked:
        recompute_invoice(invoice)


@transaction.atomic
def payment_restore(*, actor: User, payment: Payment) -> Payment:
    """Take a payment out of the trash; refused when an invoice it was allocated to
    was paid or cancelled meanwhile."""
    require_writer(actor)
    found = access.visible_to(actor, Payment, include_trashed=True).filter(pk=payment.pk).first()
    if found is None:
        raise PermissionDenied(_("You may not restore this record."))
    found = Payment.objects.select_for_update().get(pk=found.pk)
    allocations = list(found.allocations.select_related("invoice"))
    locked = {
        inv.pk: inv
        for inv in Invoice.objects.select_for_update()
        .filter(pk__in=[a.invoice_id for a in allocations])
        .order_by("pk")
    }
    for allocation in allocations:
        invoice = locked[allocation.invoice_id]
        owed = invoice.total - live_allocated(invoice)
        if invoice.status not in OPEN_STATUSES or allocation.amount > owed:
            raise ValidationError(
                {
                    "allocations": [
                        _("Invoice %(number)s no longer owes %(amount)s: remove the allocation.")
                        % {"number": invoice, "amount": allocation.amount}
                    ]
                }
            )
    found.deleted_at = None
    found.deleted_by = None
    found.updated_at = timezone.now()
    mark_actor(found, actor)
    mark_reason(found, "restore")
    found.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    for invoice in locked.values():
        recompute_invoice(invoice)
    return found
