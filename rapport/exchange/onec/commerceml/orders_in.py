"""CommerceML orders in from 1C: the documents of a file 1C uploads after ``query``.

``apply_orders_file(run, path, progress)`` reads the ``Документ`` elements (2.03-2.10
with or without namespace, windows-1251 or UTF-8, 3.1 ``Контейнер``, the CS-Cart
fragment whose root is the ``Документ`` itself), applies their counterparties
(``orders_parties``), matches each document to our invoice or deal and applies 1C's
state of it (``onec_state``): cancellation, payment, and what the card shows. A
document that is not one of ours is logged as a rejected "order".
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.billing.models import OPEN_STATUSES, Invoice, InvoiceStatus, Payment
from rapport.billing.services import invoice_cancel
from rapport.exchange.models import OutboxItem, SyncState
from rapport.exchange.onec import outbox
from rapport.exchange.onec.sync import ExchangeRun, Outcome, json_value
from rapport.exchange.onec.sync import digest as sync_digest
from rapport.exchange.onec.targets import billing as _billing_targets  # noqa: F401
from rapport.exchange.onec.xml import child, children, iter_elements, local, text
from rapport.sales.models import Deal, DealStatus

from .options import options_for
from .orders_document import deal_number
from .orders_parties import apply_counterparties, as_uuid

# The state of a CRM document as 1C reports it, kept in SyncState.values.
ONEC_KEYS = (
    "number_1c",
    "date_1c",
    "status_1c",
    "posted",
    "cancelled",
    "deletion_mark",
    "paid",
    "paid_at",
    "payment_number",
    "shipped",
    "shipped_at",
    "shipment_number",
)


def _bool(value: str) -> bool:
    return value.strip().lower() in {"true", "1", "да", "yes", "истина"}


def _date(value: str) -> str:
    """An ISO date from the forms 1C and sites write ("2021-02-11", "11.02.2021 18:45")."""
    value = (value or "").strip()
    if not value or value.startswith("0001-01-01"):
        return ""
    found = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
    if found:
        year, month, day = found.groups()
    else:
        found = re.match(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value)
        if not found:
            return ""
        day, month, year = found.groups()
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return ""


def _requisites(document: Any) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in children(child(document, "ЗначенияРеквизитов"), "ЗначениеРеквизита"):
        name = text(item, "Наименование")
        if name and name not in values:
            values[name] = text(item, "Значение")
    return values


def onec_state(requisites: dict[str, str]) -> dict[str, Any]:
    """What 1C says about a document, from its requisites (both spellings of each)."""

    def first(*names: str) -> str:
        return next((requisites[n] for n in names if requisites.get(n, "").strip()), "").strip()

    paid_at = _date(first("Дата оплаты по 1С", "Дата оплаты"))
    payment_number = first("Номер оплаты по 1С", "Номер платежного документа")
    shipped_at = _date(first("Дата отгрузки по 1С", "Дата отгрузки"))
    shipment_number = first("Номер отгрузки по 1С", "Номер отгрузки")
    return {
        "number_1c": first("Номер по 1С"),
        "date_1c": _date(first("Дата по 1С")),
        "status_1c": first("Статус заказа"),
        "posted": _bool(first("Проведен")),
        "cancelled": _bool(first("Отменен")),
        "deletion_mark": _bool(first("ПометкаУдаления")),
        "paid": _bool(first("Заказ оплачен")) or bool(paid_at and payment_number),
        "paid_at": paid_at,
        "payment_number": payment_number,
        "shipped": _bool(first("Отгружен", "Заказ отгружен")) or bool(shipped_at),
        "shipped_at": shipped_at,
        "shipment_number": shipment_number,
    }


class _Orders:
    """Our documents sent to this connection, to match 1C's documents against."""

    def __init__(self, run: ExchangeRun) -> None:
        self.run = run
        self.types = {
            kind: ContentType.objects.get_for_model(model) for kind, model in outbox.MODELS.items()
        }
        self._sent: dict[str, set[str]] | None = None

    def sent(self, kind: str) -> set[str]:
        if self._sent is None:
            self._sent = {k: set() for k in self.types}
            rows = OutboxItem.objects.filter(connection=self.run.connection).values_list(
                "content_type_id", "object_id"
            )
            by_type = {ct.pk: k for k, ct in self.types.items()}
            for type_id, object_id in rows:
                if type_id in by_type:
                    self._sent[by_type[type_id]].add(object_id)
        return self._sent[kind]

    def find(self, external_id: str, number: str) -> Model | None:
        own = as_uuid(external_id)
        for kind, model in outbox.MODELS.items():
            if own and own in self.sent(kind):
                found = model._default_manager.filter(pk=own).first()
                if found is not None:
                    return found
        for model in outbox.MODELS.values():
            if external_id:
                found = self.run.find(model, external_id)
                if found is not None:
                    return found
        number = number.strip()
        if number:
            invoice = Invoice.objects.filter(
                number=number, pk__in=list(self.sent("invoice"))
            ).first()
            if invoice is not None:
                return invoice
            for deal in Deal.objects.filter(pk__in=list(self.sent("deal"))).only("pk"):
                if deal_number(deal) == number:
                    return Deal.objects.get(pk=deal.pk)
        return None


def _payment(run: ExchangeRun, invoice: Invoice, state: dict[str, Any], file: str) -> None:
    """Register 1C's payment of ``invoice`` (what it still owes), once."""
    if invoice.status not in OPEN_STATUSES or invoice.outstanding <= 0:
        return
    external_id = state["payment_number"] or f"{invoice.pk}:paid"
    if run.find(Payment, external_id):
        return  # recorded already (and allocated as far as it went)
    comment = _("Paid according to 1C (order %(number)s).") % {
        "number": state["number_1c"] or invoice.number
    }
    outcome, _payment_obj = run.upsert(
        target="payment",
        external_id=external_id,
        values={
            "client": str(invoice.client_id),
            "amount": json_value(invoice.outstanding),
            "date": state["paid_at"] or timezone.localdate().isoformat(),
            "currency": invoice.currency_id,
            "reference": state["payment_number"],
            "comment": comment,
            "method": "bank",
            "allocations": [{"invoice": str(invoice.pk), "amount": None}],
        },
        label=_("Payment %(number)s for %(invoice)s")
        % {"number": state["payment_number"] or "—", "invoice": invoice},
        file=file,
    )
    if outcome == Outcome.REJECTED:
        raise _AlreadyLogged


class _AlreadyLogged(Exception):
    """A part of the document was rejected and logged by the sync layer."""


def _apply_invoice(run: ExchangeRun, invoice: Invoice, state: dict[str, Any], file: str) -> None:
    invoice = Invoice.objects.get(pk=invoice.pk)
    if state["cancelled"] or state["deletion_mark"]:
        if invoice.status != InvoiceStatus.CANCELLED:
            invoice_cancel(actor=run.actor, invoice=invoice)
        return
    if state["paid"]:
        _payment(run, invoice, state, file)


def _apply_deal(run: ExchangeRun, deal: Deal, state: dict[str, Any]) -> None:
    from rapport.sales.models import LostReason
    from rapport.sales.services.deal_stages import deal_lose, deal_win

    if deal.status != DealStatus.OPEN:
        return
    if state["cancelled"] or state["deletion_mark"]:
        reason_id = options_for(run.connection).get("lost_reason")
        reason = LostReason.objects.filter(pk=reason_id).first() if reason_id else None
        if reason is not None:
            deal_lose(actor=run.actor, deal=deal, reason=reason, comment=_("Cancelled in 1C."))
        return  # without a configured reason the card shows 1C's state only
    if state["paid"]:
        deal_win(actor=run.actor, deal=deal)


def _apply_document(run: ExchangeRun, document: Any, file: str, orders: _Orders) -> None:
    external_id = text(document, "Ид")
    number = text(document, "Номер")
    date = _date(text(document, "Дата"))
    label = _("Order %(number)s of %(date)s") % {
        "number": number or external_id or "—",
        "date": date or "—",
    }
    record = orders.find(external_id, number)
    apply_counterparties(run, document, file, label, record)
    if record is None:
        run.reject(
            "order",
            _("%(document)s (1C id %(id)s) is not a CRM order: only its counterparty was applied.")
            % {"document": label, "id": external_id or "—"},
            external_id=external_id,
            label=label,
            file=file,
        )
        return
    if external_id and as_uuid(external_id) != str(record.pk):
        run.link(record, external_id)
    state = onec_state(_requisites(document))
    row = run.state_of(record)
    fingerprint = sync_digest(state)
    if row is not None and row.digest == fingerprint:
        run.count(Outcome.UNCHANGED)
        return
    try:
        with transaction.atomic():
            if isinstance(record, Invoice):
                _apply_invoice(run, record, state, file)
            else:
                _apply_deal(run, record, state)
            content_type = ContentType.objects.get_for_model(type(record))
            SyncState.objects.update_or_create(
                connection=run.connection,
                content_type=content_type,
                object_id=str(record.pk),
                defaults={"values": state, "digest": fingerprint, "updated_at": timezone.now()},
            )
            outbox.outbox_touch_delivered(connection=run.connection, record=record)
    except _AlreadyLogged:
        return
    except (ValidationError, PermissionDenied) as exc:
        reason = " ".join(getattr(exc, "messages", None) or [str(exc)])
        run.reject(
            "order",
            _("%(document)s: %(reason)s") % {"document": label, "reason": reason},
            external_id=external_id,
            label=label,
            file=file,
        )
        return
    run.count(Outcome.UPDATED)


def apply_orders_file(run: ExchangeRun, path: str | Path, progress: Any = None) -> None:
    """Apply the documents of an orders file 1C uploaded (see the module doc)."""
    file = Path(path).name
    orders = _Orders(run)
    for document in iter_elements(path, ("Документ",), name=file):
        if any(local(a) == "Документ" for a in document.iterancestors()):
            continue
        _apply_document(run, document, file, orders)
        if progress is not None:
            progress.advance(1)
