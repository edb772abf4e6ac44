"""The payments step of an OData pull: payments received (bank and cash documents),
read from a ``Date`` cursor that looks back ``PAYMENT_LOOKBACK_DAYS`` because 1C lets
people edit older documents; allocations follow the invoices the CRM knows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.billing.models import Invoice
from rapport.parties.models import Client

from .client import datetime_literal, is_empty_ref
from .mapping import CASH_DOCUMENTS, ObjectMap
from .pull_base import PullBase

PAYMENT_LOOKBACK_DAYS = 30
PAYMENT_OPERATIONS = {"ОплатаПокупателя", "ПоступлениеОплатыОтКлиента"}


class PaymentsPull(PullBase):
    """Payments received (the step of ``pull.Pull``)."""

    # -- payments --------------------------------------------------------------------------
    def payments(self) -> None:
        om = self._map("payments")
        cursor = dict((self.connection.options or {}).get("cursor") or {})
        since = cursor.get("payments_from") or (self.connection.options or {}).get("payments_since")
        parts = []
        if om.has("posted"):
            parts.append(f"{om.fields['posted']} eq true")
        if om.has("deleted"):
            parts.append(f"{om.fields['deleted']} eq false")
        if since:
            start = dt.datetime.fromisoformat(str(since)[:19]) - dt.timedelta(
                days=PAYMENT_LOOKBACK_DAYS
            )
            parts.append(f"{om.fields['date']} ge {datetime_literal(start.isoformat()[:19])}")
        newest = str(since or "")
        page: list[dict[str, Any]] = []
        elements = self.client.iterate(
            om.entity_set,
            select=om.select(),
            filter=" and ".join(parts),
            orderby=f"{om.fields['date']},{om.fields['ref']}",
        )
        for element in elements:
            page.append(element)
            newest = max(newest, str(om.get(element, "date", ""))[:19])
        with transaction.atomic():
            for element in page:
                self._payment(om, element)
            if newest:
                self._save_cursor(payments_from=newest)

    def _payment(self, om: ObjectMap, element: dict) -> None:
        ref = om.get(element, "ref")
        number = str(om.get(element, "number", "")).strip()
        label = _("Payment %(number)s of %(date)s") % {
            "number": number,
            "date": str(om.get(element, "date", ""))[:10],
        }
        operation = str(om.get(element, "operation", "") or "")
        if om.has("operation") and operation and operation not in PAYMENT_OPERATIONS:
            return  # not a customer's payment (a refund from a supplier, a loan...)
        counterparty = str(om.get(element, "counterparty", ""))
        client_id = self.run.find_ids(Client, [counterparty]).get(counterparty)
        if client_id is None:
            self._reject(
                om,
                "payment",
                _(
                    "%(payment)s (1C id %(id)s): the payer (counterparty %(payer)s) is not in "
                    "the CRM; pull counterparties first."
                )
                % {"payment": label, "id": ref, "payer": counterparty},
                ref=ref,
                label=label,
            )
            return
        lines = om.rows(element, "lines")
        invoice_refs = [str(r.get("invoice") or "") for r in lines]
        invoices = self.run.find_ids(Invoice, [r for r in invoice_refs if not is_empty_ref(r)])
        allocations = [
            {"invoice": invoices[str(r.get("invoice"))], "amount": _money(r.get("amount"))}
            for r in lines
            if str(r.get("invoice") or "") in invoices
        ]
        values = {
            "client": client_id,
            "amount": _money(om.get(element, "amount")),
            "date": str(om.get(element, "date", ""))[:10],
            "reference": number,
            "comment": str(om.get(element, "purpose", "") or "").strip(),
            "method": "cash" if om.entity_set in CASH_DOCUMENTS else "bank",
            "allocations": allocations,
        }
        currency = self._currency(om.get(element, "currency"))
        if currency:
            values["currency"] = currency
        self.run.upsert(
            target="payment", external_id=ref, values=values, label=label, file=om.entity_set
        )


def _money(value: Any) -> str:
    try:
        return format(Decimal(str(value if value not in (None, "") else "0")), "f")
    except InvalidOperation:
        return str(value)
