"""Payments received (1C's bank and cash receipts) as an exchange target.

Values: ``client`` (our client's id), ``amount``, ``date`` (ISO), ``currency``,
``reference`` (1C's document number), ``comment``, ``method`` ("bank" | "cash" | "card")
and ``allocations`` (``[{"invoice": our invoice id, "amount": text or None}]``; an
allocation without an amount takes what the invoice still owes). Without allocations the
payment goes to the client's open invoices, oldest due first.

1C is the master of its payments. A payment whose amount or client 1C later changes is
refused with a reason: money already allocated is corrected by a person, not silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.billing.models import Payment
from rapport.billing.services.payments import payment_record
from rapport.core.history import mark_actor

from ..sync import ExchangeRun, Target, json_value, register

_EDITABLE = ("date", "reference", "comment")


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise ValidationError(
            {"date": [_("“%(value)s” is not a date.") % {"value": value}]}
        ) from exc


def create_payment(run: ExchangeRun, values: dict[str, Any]) -> Payment:
    allocations = [a for a in values.get("allocations") or [] if a and a.get("invoice")]
    return payment_record(
        actor=run.actor,
        client=values.get("client"),
        amount=values.get("amount"),
        date=_date(values.get("date")),
        currency=values.get("currency") or None,
        method=values.get("method") or "bank",
        reference=str(values.get("reference") or ""),
        comment=str(values.get("comment") or ""),
        allocations=allocations,
        auto_allocate=not allocations,
    )


def update_payment(run: ExchangeRun, payment: Model, changes: dict[str, Any]) -> Payment:
    assert isinstance(payment, Payment)
    fixed = sorted(set(changes) - set(_EDITABLE) - {"allocations"})
    if fixed:
        raise ValidationError(
            {
                name: [
                    _(
                        "changed in 1C after the payment was recorded and allocated; "
                        "correct the payment in the CRM by hand."
                    )
                ]
                for name in fixed
            }
        )
    for name in _EDITABLE:
        if name in changes:
            value = _date(changes[name]) if name == "date" else str(changes[name] or "")
            setattr(payment, name, value or getattr(payment, name))
    payment.updated_at = timezone.now()
    mark_actor(payment, run.actor)
    payment.save(update_fields=[n for n in _EDITABLE if n in changes] + ["updated_at"])
    return payment


def current_payment(payment: Model, names: Iterable[str]) -> dict[str, Any]:
    assert isinstance(payment, Payment)
    values: dict[str, Any] = {}
    for name in names:
        if name == "client":
            values[name] = str(payment.client_id)
        elif name == "currency":
            values[name] = payment.currency_id
        elif name == "allocations":
            # Allocations are made once, when the payment arrives.
            values[name] = None
        else:
            values[name] = json_value(getattr(payment, name, None))
    return values


def _comparable(name: str, value: Any) -> Any:
    if name == "allocations":
        return None
    if name == "amount" and value not in (None, ""):
        return json_value(Decimal(str(value)))
    return value


register(
    Target(
        name="payment",
        model=Payment,
        create=create_payment,
        update=update_payment,
        current=current_payment,
        comparable=_comparable,
    )
)
