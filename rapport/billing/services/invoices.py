"""Invoices: create (alone or from a deal) and change drafts.

Only drafts change (comment and the 1C flag excepted); sending, cancelling and the
trash are in ``invoice_states``, the lines in ``invoice_lines``. Every refused write
raises before anything is stored (or inside the transaction, which rolls back): the
database stays unchanged. Errors name the field, and the line ("Line 2: ...") for
line errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.models import Currency
from rapport.core.access import require_writer
from rapport.core.history import mark_actor
from rapport.core.models import Organisation, User
from rapport.parties.models import Client, ContactPerson
from rapport.sales.models import Deal

from ..models import Invoice, InvoiceStatus
from .checks import (
    _contact,
    _currency,
    _lock,
    _manager,
    _organisation,
    _visible_deal,
    require_edit,
    visible_client,
)
from .invoice_lines import _recompute_totals, _store_lines, check_manual_discounts, clean_lines

_UNSET: Any = object()


def default_due_days() -> int:
    return int(getattr(settings, "RAPPORT_INVOICE_DUE_DAYS", 10))


# --- create and update ----------------------------------------------------------------


def _validate_dates(date: dt.date, due_date: dt.date) -> None:
    if due_date < date:
        raise ValidationError({"due_date": [_("The due date is before the invoice date.")]})


@transaction.atomic
def invoice_create(
    *,
    actor: User,
    client: Client | Any,
    organisation: Organisation | Any | None = None,
    date: dt.date | None = None,
    due_date: dt.date | None = None,
    contact: ContactPerson | Any | None = None,
    deal: Deal | Any | None = None,
    currency: Currency | str | None = None,
    prices_include_vat: bool | None = None,
    manager: User | Any | None = None,
    comment: str = "",
    marked_for_1c: bool = False,
    lines: Iterable[Mapping[str, Any]] = (),
    granted_discounts: Iterable[tuple[Any, Decimal]] = (),
) -> Invoice:
    """A draft invoice for a client the actor can see (optionally for one of its deals).
    ``granted_discounts``: (product id, percent) allowed beyond the actor's own limit."""
    require_writer(actor)
    client = visible_client(actor, client)
    deal_obj = _visible_deal(actor, deal) if deal not in (None, "") else None
    if deal_obj is not None and deal_obj.client_id != client.pk:
        raise ValidationError({"deal": [_("The deal is of another client.")]})
    org = _organisation(
        organisation if organisation not in (None, "") else getattr(deal_obj, "organisation", None)
    )
    cur = _currency(currency, org)
    date = date or timezone.localdate()
    due_date = due_date or date + dt.timedelta(days=default_due_days())
    _validate_dates(date, due_date)
    owner = _manager(manager) or (deal_obj.manager if deal_obj else None) or client.manager
    if owner is None:
        owner = actor
    cleaned = clean_lines(lines)
    check_manual_discounts(actor=actor, client=client, lines=cleaned, granted=granted_discounts)
    invoice = Invoice(
        organisation=org,
        date=date,
        due_date=due_date,
        client=client,
        contact=_contact(contact, client),
        deal=deal_obj,
        currency=cur,
        prices_include_vat=True if prices_include_vat is None else bool(prices_include_vat),
        manager=owner,
        department_id=owner.department_id,
        comment=(comment or "").strip(),
        marked_for_1c=bool(marked_for_1c),
        created_by=actor,
    )
    mark_actor(invoice, actor)
    invoice.save(force_insert=True)
    _store_lines(invoice, cleaned)
    invoice.save(update_fields=["net_total", "vat_total", "total"])
    return invoice


def invoice_from_deal(*, actor: User, deal: Deal | Any, **overrides: Any) -> Invoice:
    """A draft invoice copying a deal's client, first contact person, organisation,
    currency, price type (VAT inside or on top), manager and product lines."""
    found = _visible_deal(actor, deal)
    contact = found.contacts.order_by("last_name", "first_name").first()
    lines: list[dict[str, Any]] = [
        {
            "product": line.product_id,
            "description": line.description,
            "quantity": line.quantity,
            "unit": line.unit_id,
            "price": line.price,
            "discount_percent": line.discount_percent,
            "vat_rate": line.vat_rate,
        }
        for line in found.lines.order_by("position")
    ]
    if not lines and found.amount > 0:
        lines = [{"description": found.title, "quantity": 1, "price": found.amount}]
    values: dict[str, Any] = {
        "client": found.client,
        "deal": found,
        "organisation": found.organisation,
        "currency": found.currency_id,
        "prices_include_vat": found.price_type.includes_vat if found.price_type else True,
        "manager": found.manager,
        "contact": contact,
        "lines": lines,
        # The deal's discounts were within the limits of whoever set them.
        "granted_discounts": [
            (line.get("product"), line.get("discount_percent") or Decimal(0)) for line in lines
        ],
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return invoice_create(actor=actor, **values)


@transaction.atomic
def invoice_update(
    *,
    actor: User,
    invoice: Invoice,
    organisation: Organisation | Any = _UNSET,
    date: dt.date = _UNSET,
    due_date: dt.date = _UNSET,
    contact: ContactPerson | Any | None = _UNSET,
    currency: Currency | str = _UNSET,
    prices_include_vat: bool = _UNSET,
    manager: User | Any | None = _UNSET,
    comment: str = _UNSET,
    marked_for_1c: bool = _UNSET,
    lines: Iterable[Mapping[str, Any]] | None = None,
) -> Invoice:
    """Change a draft (``lines`` given: they replace the lines). Comment and the 1C flag
    may change at any status."""
    require_edit(actor, invoice)
    invoice = _lock(invoice)
    draft_only = {
        "organisation": organisation,
        "date": date,
        "due_date": due_date,
        "contact": contact,
        "currency": currency,
        "prices_include_vat": prices_include_vat,
        "manager": manager,
    }
    changes_draft = any(v is not _UNSET for v in draft_only.values()) or lines is not None
    if changes_draft and invoice.status != InvoiceStatus.DRAFT:
        raise ValidationError(
            {
                "status": [
                    _("Only a draft can be changed; this invoice is %(status)s.")
                    % {"status": invoice.get_status_display().lower()}
                ]
            }
        )
    if organisation is not _UNSET:
        invoice.organisation = _organisation(organisation)
    if currency is not _UNSET:
        invoice.currency = _currency(currency, invoice.organisation)
    if date is not _UNSET and date is not None:
        invoice.date = date
    if due_date is not _UNSET and due_date is not None:
        invoice.due_date = due_date
    _validate_dates(invoice.date, invoice.due_date)
    if contact is not _UNSET:
        invoice.contact = _contact(contact, invoice.client)
    if prices_include_vat is not _UNSET:
        invoice.prices_include_vat = bool(prices_include_vat)
    if manager is not _UNSET:
        owner = _manager(manager)
        invoice.manager = owner
        invoice.department_id = owner.department_id if owner else None
    if comment is not _UNSET:
        invoice.comment = (comment or "").strip()
    if marked_for_1c is not _UNSET:
        invoice.marked_for_1c = bool(marked_for_1c)
    if lines is not None:
        cleaned = clean_lines(lines)
        saved = invoice.lines.values_list("product_id", "discount_percent")
        check_manual_discounts(actor=actor, client=invoice.client, lines=cleaned, granted=saved)
        _store_lines(invoice, cleaned)
    elif prices_include_vat is not _UNSET or currency is not _UNSET:
        _recompute_totals(invoice)
    invoice.updated_at = timezone.now()
    mark_actor(invoice, actor)
    invoice.save()
    return invoice
