"""CommerceML orders: out to 1C (``mode=query``/``success``) and back in (changed orders).

Out: ``render_orders(run)`` writes one ``Документ`` per document waiting in the outbox of
the session's connection (invoices and/or deals, ``orders_source``) and marks them handed
out to *this* session; ``confirm_orders(run)`` (``mode=success``) marks what this session
handed out as delivered. A session that never confirms leaves its documents to be handed
out again by the next ``query``, so a failed load in 1C loses nothing.

In: ``apply_orders_file(run, path, progress)`` reads the ``Документ`` elements of a file
1C uploads after ``query`` (2.03-2.10 with or without namespace, windows-1251 or UTF-8,
3.1 ``Контейнер``, the CS-Cart fragment whose root is the ``Документ`` itself):

- every counterparty creates or updates a client through the sync layer (matched by the
  1C ``Ид``, then by our own id when 1C echoes it, then by the tax id; never twice);
- the document is matched to our invoice or deal by its ``Ид`` (our id, or a 1C id linked
  before) or by the ``Номер`` we sent, among the documents sent to this connection;
- 1C's requisites update it: ``Отменен``/``ПометкаУдаления`` cancel it, ``Заказ
  оплачен`` with ``Дата/Номер оплаты по 1С`` registers a payment of what is still owed
  (once: the payment carries 1C's payment number as its external id), and ``Номер по 1С``,
  ``Дата по 1С``, shipment and status are kept (``SyncState``) for the card to show;
- a document that is not one of ours (an order a web shop wrote, the Bitrix samples) is
  applied as its counterparties only and logged as a rejected "order" whose reason says
  so, so that a person sees in the exchange log that 1C sent an order the CRM has no
  record of.

Applying a file twice changes nothing: counterparties are "unchanged" in the sync layer
and a document whose 1C state is what 1C said last time is counted unchanged unread.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from rapport.billing.models import (
    OPEN_STATUSES,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
)
from rapport.billing.services import invoice_cancel
from rapport.catalog.models import Product
from rapport.core import access
from rapport.core.models import ExternalId, PropertyDefinition, PropertyTarget
from rapport.exchange.models import (
    ExchangeSession,
    OutboxItem,
    OutboxState,
    SyncState,
)
from rapport.exchange.onec import outbox
from rapport.exchange.onec.sync import ExchangeRun, Outcome, json_value
from rapport.exchange.onec.sync import digest as sync_digest
from rapport.exchange.onec.targets import billing as _billing_targets  # noqa: F401
from rapport.exchange.onec.targets import parties as _party_targets
from rapport.exchange.onec.xml import child, children, iter_elements, local, text
from rapport.parties.access import can_see_details
from rapport.parties.models import Client, ContactPerson
from rapport.sales.models import Deal, DealLine, DealStatus

from .counterparty import (
    CounterpartyValues,
    parse_counterparty,
    party_from_client,
    write_counterparty,
)
from .options import options_for, version_key

NS_2 = "urn:1C.ru:commerceml_2"
NS_3 = "urn:1C.ru:commerceml_3"
BOM = b"\xef\xbb\xbf"
TWO = Decimal("0.01")

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
_STATUS_OUT = {
    InvoiceStatus.DRAFT: "Черновик",
    InvoiceStatus.SENT: "Принят",
    InvoiceStatus.PARTLY_PAID: "Частично оплачен",
    InvoiceStatus.PAID: "Оплачен",
    InvoiceStatus.CANCELLED: "Отменен",
}
_DEAL_STATUS_OUT = {
    DealStatus.OPEN: "Принят",
    DealStatus.WON: "Выполнен",
    DealStatus.LOST: "Отменен",
}
_METHOD_OUT = {"bank": "Безналичный расчет", "cash": "Наличный расчет", "card": "Банковская карта"}


# --- small helpers ------------------------------------------------------------------------


def _money(value: Decimal | None) -> str:
    return format((value or Decimal(0)).quantize(TWO), "f")


def _number(value: Decimal | None) -> str:
    text_value = format((value or Decimal(0)).normalize(), "f")
    return "0" if text_value in ("-0", "") else text_value


def _rate(value: Decimal | None) -> str:
    return "Без НДС" if value is None else _number(value)


def deal_number(deal: Deal) -> str:
    """The number a deal goes to 1C with (deals have none of their own)."""
    return f"D-{str(deal.pk)[-8:].upper()}"


def _namespace(version: str) -> str:
    key = version_key(version) or (2, 8)
    if key[0] >= 3:
        return NS_3
    # 1C writes the namespace from 2.07 on; 2.03-2.05 files and their readers have none.
    return NS_2 if key >= (2, 7) else ""


class _Writer:
    """Element factory for one namespace."""

    def __init__(self, ns: str) -> None:
        self.ns = ns

    def tag(self, name: str) -> str:
        return f"{{{self.ns}}}{name}" if self.ns else name

    def sub(self, parent: Any, name: str, value: Any = None, **attrs: str) -> Any:
        element = etree.SubElement(parent, self.tag(name), attrs or {})
        if value is not None:
            element.text = str(value)
        return element

    def requisite(self, parent: Any, name: str, value: Any) -> None:
        item = self.sub(parent, "ЗначениеРеквизита")
        self.sub(item, "Наименование", name)
        self.sub(item, "Значение", str(value)[:1000])


# --- out: render -------------------------------------------------------------------------


def _product_ids(run: ExchangeRun, lines: Iterable[Any]) -> dict[str, str]:
    ids = {str(line.product_id) for line in lines if line.product_id}
    if not ids:
        return {}
    return dict(
        ExternalId.objects.filter(
            content_type=ContentType.objects.get_for_model(Product),
            system=run.connection.system,
            object_id__in=ids,
        ).values_list("object_id", "value")
    )


def _external_ids(run: ExchangeRun, model: type[Model], ids: Iterable[str]) -> dict[str, str]:
    wanted = [str(i) for i in ids]
    if not wanted:
        return {}
    return dict(
        ExternalId.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            system=run.connection.system,
            object_id__in=wanted,
        ).values_list("object_id", "value")
    )


def _write_lines(w: _Writer, document: Any, run: ExchangeRun, lines: list[Any], vat_inside: bool):
    if not lines:
        return
    products = _product_ids(run, lines)
    goods = w.sub(document, "Товары")
    for line in lines:
        product = line.product
        item = w.sub(goods, "Товар")
        if product is not None:
            w.sub(item, "Ид", (products.get(str(product.pk)) or str(product.pk))[:80])
            if product.barcode:
                w.sub(item, "Штрихкод", product.barcode[:255])
            if product.sku:
                w.sub(item, "Артикул", product.sku[:255])
        else:
            w.sub(item, "Ид", str(line.pk))
        w.sub(item, "Наименование", (line.description or (product and product.name) or "—")[:255])
        unit = line.unit or (product.unit if product is not None else None)
        attrs = {}
        if unit is not None:
            if 3 <= len(unit.code.strip()) <= 4:
                attrs["Код"] = unit.code.strip()
            attrs["НаименованиеПолное"] = (unit.full_name or unit.name)[:255]
            w.sub(item, "БазоваяЕдиница", unit.name[:255], **attrs)
        else:
            w.sub(item, "БазоваяЕдиница", "шт", Код="796", НаименованиеПолное="Штука")
        rates = w.sub(w.sub(item, "СтавкиНалогов"), "СтавкаНалога")
        w.sub(rates, "Наименование", "НДС")
        w.sub(rates, "Ставка", _rate(line.vat_rate))
        kind = "Услуга" if product is not None and product.kind == "service" else "Товар"
        requisites = w.sub(item, "ЗначенияРеквизитов")
        w.requisite(requisites, "ВидНоменклатуры", kind)
        w.requisite(requisites, "ТипНоменклатуры", kind)
        w.sub(item, "ЦенаЗаЕдиницу", _money(line.price))
        w.sub(item, "Количество", _number(line.quantity))
        w.sub(item, "Сумма", _money(line.amount))
        if line.vat_rate is not None:
            tax = w.sub(w.sub(item, "Налоги"), "Налог")
            w.sub(tax, "Наименование", "НДС")
            w.sub(tax, "УчтеноВСумме", "true" if vat_inside else "false")
            w.sub(tax, "Сумма", _money(line.vat_amount))
            w.sub(tax, "Ставка", _number(line.vat_rate))
        if line.discount_percent:
            gross = (line.price * line.quantity).quantize(TWO)
            discount = w.sub(w.sub(item, "Скидки"), "Скидка")
            w.sub(discount, "Наименование", "Скидка")
            w.sub(discount, "Сумма", _money(max(gross - line.amount, Decimal(0))))
            w.sub(discount, "Процент", _number(line.discount_percent))
            w.sub(discount, "УчтеноВСумме", "true")


def _write_party(w: _Writer, document: Any, run: ExchangeRun, client: Client, contacts: list[Any]):
    client_ids = _external_ids(run, Client, [client.pk])
    contact_ids = _external_ids(run, ContactPerson, [c.pk for c in contacts])
    details = run.actor is not None and can_see_details(run.actor, client)
    party = party_from_client(
        client,
        external_id=client_ids.get(str(client.pk)) or str(client.pk),
        kpp=str((client.properties or {}).get(_party_targets.KPP_PROPERTY) or ""),
        details=details,
        contacts=contacts,
        contact_ids=contact_ids,
    )
    write_counterparty(w.sub(document, "Контрагенты"), w.ns, party)


def _document_head(
    w: _Writer,
    parent: Any,
    *,
    record: Any,
    number: str,
    date: dt.date,
    currency: str,
    total: Decimal,
) -> Any:
    document = w.sub(parent, "Документ")
    w.sub(document, "Ид", str(record.pk))
    w.sub(document, "Номер", number[:255])
    w.sub(document, "Дата", date.isoformat())
    w.sub(document, "ХозОперация", "Заказ товара")
    w.sub(document, "Роль", "Продавец")
    w.sub(document, "Валюта", currency)
    w.sub(document, "Курс", "1")
    w.sub(document, "Сумма", _money(total))
    return document


def _write_invoice(w: _Writer, parent: Any, run: ExchangeRun, invoice: Invoice) -> None:
    document = _document_head(
        w,
        parent,
        record=invoice,
        number=invoice.number,
        date=invoice.date,
        currency=invoice.currency_id,
        total=invoice.total,
    )
    contacts = [invoice.contact] if invoice.contact and not invoice.contact.deleted_at else []
    _write_party(w, document, run, invoice.client, contacts)
    w.sub(
        document,
        "Время",
        timezone.localtime(invoice.sent_at or invoice.created_at).strftime("%H:%M:%S"),
    )
    w.sub(document, "СрокПлатежа", invoice.due_date.isoformat())
    if invoice.comment:
        w.sub(document, "Комментарий", invoice.comment[:3000])
    if invoice.vat_total:
        tax = w.sub(w.sub(document, "Налоги"), "Налог")
        w.sub(tax, "Наименование", "НДС")
        w.sub(tax, "УчтеноВСумме", "true" if invoice.prices_include_vat else "false")
        w.sub(tax, "Сумма", _money(invoice.vat_total))
    _write_lines(w, document, run, list(invoice.lines.all()), invoice.prices_include_vat)
    paid = invoice.status == InvoiceStatus.PAID
    cancelled = invoice.status == InvoiceStatus.CANCELLED
    last_payment = (
        PaymentAllocation.objects.filter(invoice=invoice, payment__deleted_at__isnull=True)
        .select_related("payment")
        .order_by("-payment__date", "-created_at")
        .first()
    )
    requisites = w.sub(document, "ЗначенияРеквизитов")
    method = last_payment.payment.method if last_payment is not None else "bank"
    w.requisite(requisites, "Метод оплаты", _METHOD_OUT.get(method, _METHOD_OUT["bank"]))
    w.requisite(requisites, "Заказ оплачен", "true" if paid else "false")
    if last_payment is not None and paid:
        w.requisite(requisites, "Дата оплаты", last_payment.payment.date.isoformat())
        if last_payment.payment.reference:
            w.requisite(requisites, "Номер платежного документа", last_payment.payment.reference)
    w.requisite(requisites, "Отменен", "true" if cancelled else "false")
    w.requisite(requisites, "Финальный статус", "true" if paid or cancelled else "false")
    w.requisite(requisites, "Статус заказа", _STATUS_OUT.get(invoice.status, invoice.status))
    changed = timezone.localtime(invoice.updated_at).replace(microsecond=0, tzinfo=None)
    w.requisite(requisites, "Дата изменения статуса", changed.isoformat(sep=" "))
    w.requisite(requisites, "Сайт", "Rapport CRM")


def _write_deal(w: _Writer, parent: Any, run: ExchangeRun, deal: Deal) -> None:
    lines = list(deal.lines.all())
    total = sum((line.amount for line in lines), Decimal(0)) if lines else deal.amount
    vat_inside = deal.price_type.includes_vat if deal.price_type is not None else True
    if lines and not vat_inside:
        total += sum((line.vat_amount for line in lines), Decimal(0))
    document = _document_head(
        w,
        parent,
        record=deal,
        number=deal_number(deal),
        date=timezone.localdate(deal.created_at),
        currency=deal.currency_id,
        total=total,
    )
    contacts = [c for c in deal.contacts.all() if c.deleted_at is None]
    _write_party(w, document, run, deal.client, contacts)
    w.sub(document, "Время", timezone.localtime(deal.created_at).strftime("%H:%M:%S"))
    if deal.description:
        w.sub(document, "Комментарий", f"{deal.title}\n{deal.description}"[:3000])
    else:
        w.sub(document, "Комментарий", deal.title[:3000])
    vat = sum((line.vat_amount for line in lines), Decimal(0))
    if vat:
        tax = w.sub(w.sub(document, "Налоги"), "Налог")
        w.sub(tax, "Наименование", "НДС")
        w.sub(tax, "УчтеноВСумме", "true" if vat_inside else "false")
        w.sub(tax, "Сумма", _money(vat))
    _write_lines(w, document, run, lines, vat_inside)
    requisites = w.sub(document, "ЗначенияРеквизитов")
    w.requisite(requisites, "Заказ оплачен", "false")
    w.requisite(requisites, "Отменен", "true" if deal.status == DealStatus.LOST else "false")
    w.requisite(
        requisites, "Финальный статус", "false" if deal.status == DealStatus.OPEN else "true"
    )
    w.requisite(requisites, "Статус заказа", _DEAL_STATUS_OUT.get(deal.status, deal.status))
    w.requisite(requisites, "Сайт", "Rapport CRM")


def _records(run: ExchangeRun, items: list[OutboxItem]) -> list[tuple[OutboxItem, Model]]:
    """The live records of the items that the exchange's user may see, in queue order."""
    wanted: dict[int, list[str]] = {}
    for item in items:
        wanted.setdefault(item.content_type_id, []).append(item.object_id)
    found: dict[tuple[int, str], Model] = {}
    contact_qs = ContactPerson.objects.prefetch_related("contact_points")
    client_prefetch = ("client__contact_points", "client__addresses")
    for kind, model in outbox.MODELS.items():
        content_type = ContentType.objects.get_for_model(model)
        ids = wanted.get(content_type.pk)
        if not ids or run.actor is None:
            continue
        qs = access.visible_to(run.actor, model).filter(pk__in=ids)
        if kind == "invoice":
            qs = qs.select_related("client", "contact", "currency").prefetch_related(
                *client_prefetch,
                Prefetch("lines", InvoiceLine.objects.select_related("product__unit", "unit")),
                Prefetch("contact__contact_points"),
            )
        else:
            qs = qs.select_related("client", "price_type", "currency").prefetch_related(
                *client_prefetch,
                Prefetch("lines", DealLine.objects.select_related("product__unit", "unit")),
                Prefetch("contacts", contact_qs),
            )
        for obj in qs:
            found[(content_type.pk, str(obj.pk))] = obj
    return [
        (item, found[(item.content_type_id, item.object_id)])
        for item in items
        if (item.content_type_id, item.object_id) in found
    ]


def _session_state(session: ExchangeSession, **values: Any) -> None:
    session.refresh_from_db(fields=["state"])
    session.state = {**(session.state or {}), **values}
    ExchangeSession.objects.filter(pk=session.pk).update(state=session.state)


def render_orders(run: ExchangeRun) -> bytes:
    """The answer to ``mode=query``: documents waiting for this connection, as CommerceML.

    They are marked handed out to this session only; ``confirm_orders`` (``success``)
    delivers them. Documents the exchange's user may not see stay waiting."""
    connection = run.connection
    options = options_for(connection)
    version = (run.session.version if run.session is not None else "") or options["version"]
    if version_key(version) is None:
        version = options["version"]
    ns = _namespace(version)
    w = _Writer(ns)
    now = timezone.now()
    with transaction.atomic():
        outbox.outbox_requeue_changed(connection=connection)
        pending = outbox.outbox_pending(connection=connection)
        records = _records(run, pending)
        root = etree.Element(
            w.tag("КоммерческаяИнформация"),
            {
                "ВерсияСхемы": version,
                "ДатаФормирования": timezone.localtime(now)
                .replace(microsecond=0, tzinfo=None)
                .isoformat(),
            },
            nsmap={None: ns} if ns else None,
        )
        for _item, record in records:
            holder = w.sub(root, "Контейнер") if ns == NS_3 else root
            if isinstance(record, Invoice):
                _write_invoice(w, holder, run, record)
            else:
                _write_deal(w, holder, run, record)
        handed = [item.pk for item, _record in records]
        if handed:
            OutboxItem.objects.filter(pk__in=handed).update(
                state=OutboxState.HANDED_OUT, session=run.session
            )
        if run.session is not None:
            _session_state(run.session, orders_query_at=now.isoformat(), orders_handed=len(handed))
    body = etree.tostring(root, encoding="unicode", pretty_print=True)
    if options["query_encoding"] == "windows-1251":
        declaration = '<?xml version="1.0" encoding="windows-1251"?>\n'
        return (declaration + body).encode("cp1251", errors="xmlcharrefreplace")
    return BOM + ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def confirm_orders(run: ExchangeRun) -> int:
    """``mode=success``: what this session handed out is delivered to 1C (the count)."""
    if run.session is None:
        return 0
    now = timezone.now()
    handed_at = now
    stamp = (run.session.state or {}).get("orders_query_at")
    if stamp:
        try:
            handed_at = dt.datetime.fromisoformat(stamp)
        except ValueError:
            handed_at = now
    with transaction.atomic():
        items = OutboxItem.objects.select_for_update().filter(
            connection=run.connection, session=run.session, state=OutboxState.HANDED_OUT
        )
        invoice_type = ContentType.objects.get_for_model(Invoice)
        invoice_ids = [i.object_id for i in items if i.content_type_id == invoice_type.pk]
        # Delivered as of the query: a change made between query and success is sent again.
        count = items.update(state=OutboxState.DELIVERED, delivered_at=handed_at)
        if invoice_ids:
            Invoice.objects.filter(pk__in=invoice_ids).update(sent_to_1c_at=now)
    return count


# --- in: apply ---------------------------------------------------------------------------


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


def _as_uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value.strip()))
    except (ValueError, AttributeError):
        return None


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
        own = _as_uuid(external_id)
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


def _client_match(parsed: CounterpartyValues, fallback: Client | None):
    """Find the client 1C means when its ``Ид`` is not linked yet: our own id echoed
    back, then the tax id, then (for our own document) the document's client."""
    by_tax = _party_targets.match_client(parsed.tax_id, parsed.kpp) if parsed.tax_id else None

    def find() -> Client | None:
        own = _as_uuid(parsed.external_id)
        if own:
            found = Client.objects.filter(pk=own, deleted_at__isnull=True).first()
            if found is not None:
                return found
        if by_tax is not None:
            found = by_tax()
            if found is not None:
                return found
        return fallback

    return find


def _counterparty_id(parsed: CounterpartyValues) -> str:
    # Without an Ид the tax id (or the name) keys it, so that a re-run finds it again.
    if parsed.external_id:
        return parsed.external_id
    if parsed.tax_id:
        return f"inn:{parsed.tax_id}"
    return f"name:{parsed.name.lower()}"[:200]


def _kpp_defined() -> bool:
    """KPP is kept in the client property "kpp" only where that property is defined."""
    return PropertyDefinition.objects.filter(
        target=PropertyTarget.CLIENT, code=_party_targets.KPP_PROPERTY, is_active=True
    ).exists()


def _apply_counterparties(
    run: ExchangeRun, document: Any, file: str, label: str, record: Model | None
) -> None:
    own_client = getattr(record, "client", None)
    buyers = children(child(document, "Контрагенты"), "Контрагент")
    for element in buyers:
        parsed = parse_counterparty(element)
        if parsed is None:
            run.reject(
                "client",
                _("%(document)s: a counterparty has neither a name nor an id; it was skipped.")
                % {"document": label},
                label=label,
                file=file,
            )
            continue
        ours = own_client is not None and len(buyers) == 1
        values = parsed.values()
        if "kpp" in values and not _kpp_defined():
            values.pop("kpp")
        if ours:
            # 1C echoes what the CRM sent about its own client: only the identity (what
            # 1C keeps for the counterparty) is taken, not our own contact details back.
            values = {
                k: v
                for k, v in values.items()
                if k in ("kind", "name", "legal_name", "tax_id", "kpp")
            }
        _outcome, client = run.upsert(
            target="client",
            external_id=_counterparty_id(parsed),
            values=values,
            label=parsed.name,
            match=_client_match(parsed, own_client if ours else None),
            file=file,
        )
        if client is None or ours:
            continue
        for contact in parsed.contacts:
            own_contact = _as_uuid(contact.external_id)
            run.upsert(
                target="contact",
                external_id=contact.external_id,
                values={**contact.values(), "client": str(client.pk)},
                label=contact.name,
                match=(
                    (lambda pk=own_contact: ContactPerson.objects.filter(pk=pk).first())
                    if own_contact
                    else None
                ),
                file=file,
            )


def _state_row(run: ExchangeRun, record: Model) -> SyncState | None:
    return SyncState.objects.filter(
        connection=run.connection,
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=str(record.pk),
    ).first()


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
    _apply_counterparties(run, document, file, label, record)
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
    if external_id and _as_uuid(external_id) != str(record.pk):
        run.link(record, external_id)
    state = onec_state(_requisites(document))
    row = _state_row(run, record)
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
