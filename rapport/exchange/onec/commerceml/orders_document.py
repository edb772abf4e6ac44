"""One CRM invoice or deal written as a CommerceML ``Документ`` for 1C.

``write_invoice`` and ``write_deal`` add the document (head, counterparty, goods with
taxes and discounts, requisites: payment, cancellation, status) under a parent element
through a ``Writer`` for the file's namespace; ``deal_number`` is the number a deal goes
to 1C with. The envelope and the outbox are ``orders_out``'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import timezone
from lxml import etree

from rapport.billing.models import Invoice, InvoiceStatus, PaymentAllocation
from rapport.catalog.models import Product
from rapport.core.models import ExternalId
from rapport.exchange.onec.sync import ExchangeRun, decimal_text
from rapport.exchange.onec.targets import parties as _party_targets
from rapport.parties.access import can_see_details
from rapport.parties.models import Client, ContactPerson
from rapport.sales.models import Deal, DealStatus

from .counterparty import party_from_client, write_counterparty

TWO = Decimal("0.01")

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


def _money(value: Decimal | None) -> str:
    return format((value or Decimal(0)).quantize(TWO), "f")


def _number(value: Decimal | None) -> str:
    return decimal_text(value or Decimal(0))


def _rate(value: Decimal | None) -> str:
    return "Без НДС" if value is None else _number(value)


def deal_number(deal: Deal) -> str:
    """The number a deal goes to 1C with (deals have none of their own)."""
    return f"D-{str(deal.pk)[-8:].upper()}"


class Writer:
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


def _write_lines(w: Writer, document: Any, run: ExchangeRun, lines: list[Any], vat_inside: bool):
    if not lines:
        return
    products = _external_ids(run, Product, [line.product_id for line in lines if line.product_id])
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


def _write_party(w: Writer, document: Any, run: ExchangeRun, client: Client, contacts: list[Any]):
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
    w: Writer,
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


def write_invoice(w: Writer, parent: Any, run: ExchangeRun, invoice: Invoice) -> None:
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


def write_deal(w: Writer, parent: Any, run: ExchangeRun, deal: Deal) -> None:
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
