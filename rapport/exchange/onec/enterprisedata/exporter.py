"""What goes into an outgoing message: our records as EnterpriseData objects.

Selection: everything the connection's user may see that changed after the moment up to
which 1C confirmed our messages (``acked_until``); a message 1C has not confirmed is in
effect sent again, as 1C's own exchange does. A record whose last change came from this
1C (its ``SyncState`` is newer than the record) is not echoed back.

References (``Ссылка``): the 1C id when the record came from this 1C, else our own id,
which is then remembered as the record's external id so that 1C's copy coming back is
recognised.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from rapport.billing.models import Invoice, InvoiceStatus
from rapport.catalog.models import Product
from rapport.core import access
from rapport.core.models import ExternalId, User
from rapport.exchange.models import Connection, SyncState
from rapport.parties.models import Address, ChannelKind, Client, ContactPerson, ContactRole

from . import reader
from .options import EDOptions
from .writer import Node

BATCH = 500

# ISO 4217 alphabetic -> numeric, for Валюта's classifier code (the common ones).
CURRENCY_NUMERIC = {
    "RUB": "643",
    "USD": "840",
    "EUR": "978",
    "PLN": "985",
    "KZT": "398",
    "BYN": "933",
    "UAH": "980",
    "CNY": "156",
    "GBP": "826",
    "CHF": "756",
    "UZS": "860",
    "KGS": "417",
    "AMD": "051",
    "GEL": "981",
    "AZN": "944",
    "TRY": "949",
    "JPY": "392",
    "CZK": "203",
}

_CHANNEL_KIND = {
    ChannelKind.PHONE: "Телефон",
    ChannelKind.EMAIL: "АдресЭлектроннойПочты",
    ChannelKind.WEBSITE: "ВебСтраница",
}
_ADDRESS_KIND = {
    "legal": "ЮридическийАдрес",
    "actual": "ФактическийАдрес",
    "postal": "ПочтовыйАдрес",
    "delivery": "АдресДоставки",
}


def number(value: Decimal | int | None) -> str:
    if value is None:
        return "0"
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def vat_code(rate: Decimal | None) -> str:
    if rate is None:
        return "БезНДС"
    return f"НДС{number(rate)}"


class Refs:
    """The ``Ссылка`` of our records for one connection; new links are written in bulk."""

    def __init__(self, connection: Connection) -> None:
        self.system = connection.system
        self._known: dict[tuple[int, str], str] = {}
        self._new: list[ExternalId] = []
        self._types: dict[type[Model], ContentType] = {}

    def _type(self, model: type[Model]) -> ContentType:
        if model not in self._types:
            self._types[model] = ContentType.objects.get_for_model(model)
        return self._types[model]

    def load(self, records: Iterable[Model]) -> None:
        by_model: dict[type[Model], list[str]] = {}
        for record in records:
            if record is not None:
                by_model.setdefault(type(record), []).append(str(record.pk))
        for model, ids in by_model.items():
            ct = self._type(model)
            wanted = [i for i in ids if (ct.pk, i) not in self._known]
            for object_id, value in ExternalId.objects.filter(
                content_type=ct, system=self.system, object_id__in=wanted
            ).values_list("object_id", "value"):
                self._known[(ct.pk, object_id)] = value

    def of(self, record: Model) -> str:
        ct = self._type(type(record))
        key = (ct.pk, str(record.pk))
        if key not in self._known:
            self.load([record])
        if key not in self._known:
            self._known[key] = str(record.pk)
            self._new.append(
                ExternalId(
                    content_type=ct,
                    object_id=str(record.pk),
                    system=self.system,
                    value=str(record.pk),
                )
            )
        return self._known[key]

    def save(self) -> None:
        if self._new:
            ExternalId.objects.bulk_create(self._new, ignore_conflicts=True, batch_size=BATCH)
            self._new = []


# --- selection ------------------------------------------------------------------------


def _changed(qs: QuerySet[Any], since: datetime | None, until: datetime) -> QuerySet[Any]:
    qs = qs.filter(updated_at__lte=until)
    if since is not None:
        qs = qs.filter(updated_at__gt=since)
    return qs.order_by("updated_at", "pk")


def _not_echoes(connection: Connection, model: type[Model], batch: list[Any]) -> list[Any]:
    """Drop records whose last change is what this 1C itself sent."""
    if not batch:
        return batch
    stamps = dict(
        SyncState.objects.filter(
            connection=connection,
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(r.pk) for r in batch],
        ).values_list("object_id", "updated_at")
    )
    return [r for r in batch if not (str(r.pk) in stamps and stamps[str(r.pk)] >= r.updated_at)]


def _batches(qs: QuerySet[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for record in qs.iterator(chunk_size=BATCH):
        batch.append(record)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


# --- nodes ----------------------------------------------------------------------------


def counterparty_keys(client: Client, ref: str) -> list[Node]:
    return [
        ("Ссылка", ref),
        ("Наименование", client.name),
        ("НаименованиеПолное", client.legal_name or client.name),
        ("ИНН", client.tax_id),
        ("КПП", str((client.properties or {}).get("kpp") or "")),
        (
            "ЮридическоеФизическоеЛицо",
            reader.PRIVATE_PERSON if client.kind == "person" else reader.LEGAL_ENTITY,
        ),
    ]


def _contact_rows(points: Iterable[Any], addresses: Iterable[Address]) -> list[Node]:
    rows: list[Node] = []
    for point in points:
        kind = _CHANNEL_KIND.get(point.channel)
        if kind:
            rows.append(
                ("Строка", [("ВидКонтактнойИнформации", kind), ("Представление", point.value)])
            )
    for address in addresses:
        shown = str(address)
        if shown:
            rows.append(
                (
                    "Строка",
                    [
                        (
                            "ВидКонтактнойИнформации",
                            _ADDRESS_KIND.get(address.type, "ФактическийАдрес"),
                        ),
                        ("Представление", shown),
                    ],
                )
            )
    return rows


def counterparty_node(client: Client, refs: Refs) -> Node:
    return (
        reader.COUNTERPARTY,
        [
            ("КлючевыеСвойства", counterparty_keys(client, refs.of(client))),
            (
                "КонтактнаяИнформация",
                _contact_rows(client.contact_points.all(), client.addresses.all()),
            ),
        ],
    )


def contact_node(contact: ContactPerson, role: ContactRole | None, refs: Refs) -> Node:
    full = " ".join(p for p in (contact.last_name, contact.first_name, contact.middle_name) if p)
    owner = role.client if role is not None else None
    return (
        reader.CONTACT,
        [
            ("КлючевыеСвойства", [("Ссылка", refs.of(contact)), ("Наименование", full)]),
            ("Владелец", counterparty_keys(owner, refs.of(owner)) if owner is not None else None),
            (
                "ФИО",
                [
                    ("Фамилия", contact.last_name),
                    ("Имя", contact.first_name),
                    ("Отчество", contact.middle_name),
                ],
            ),
            ("Должность", role.position if role is not None else ""),
            ("КонтактнаяИнформация", _contact_rows(contact.contact_points.all(), [])),
        ],
    )


def product_keys(product: Product, ref: str) -> list[Node]:
    return [
        ("Ссылка", ref),
        ("Наименование", product.name),
        ("НаименованиеПолное", product.name),
        ("Артикул", product.sku),
    ]


def product_node(product: Product, refs: Refs) -> Node:
    unit = product.unit
    return (
        reader.PRODUCT,
        [
            ("КлючевыеСвойства", product_keys(product, refs.of(product))),
            (
                "ЕдиницаИзмерения",
                [
                    (
                        "ДанныеКлассификатора",
                        [
                            ("Код", unit.code),
                            ("Наименование", unit.name),
                            ("НаименованиеПолное", unit.full_name),
                        ],
                    )
                ]
                if unit is not None
                else None,
            ),
            ("СтавкаНДС", vat_code(product.vat_rate.rate) if product.vat_rate else ""),
            ("Описание", product.description),
        ],
    )


def invoice_node(invoice: Invoice, refs: Refs) -> Node:
    org = invoice.organisation
    currency = invoice.currency_id
    lines: list[Node] = []
    for line in invoice.lines.all():
        lines.append(
            (
                "Строка",
                [
                    (
                        "Номенклатура",
                        product_keys(line.product, refs.of(line.product))
                        if line.product is not None
                        else None,
                    ),
                    ("Содержание", line.description),
                    ("Количество", number(line.quantity)),
                    ("Цена", number(line.price)),
                    ("Сумма", number(line.amount)),
                    ("СтавкаНДС", vat_code(line.vat_rate)),
                    ("СуммаНДС", number(line.vat_amount)),
                ],
            )
        )
    return (
        reader.INVOICE,
        [
            (
                "КлючевыеСвойства",
                [
                    ("Ссылка", refs.of(invoice)),
                    ("Дата", f"{invoice.date.isoformat()}T00:00:00"),
                    ("Номер", invoice.number),
                    (
                        "Организация",
                        [
                            ("Ссылка", str(org.pk)),
                            ("Наименование", org.name),
                            ("НаименованиеПолное", org.legal_name or org.name),
                            ("ИНН", org.tax_id),
                        ],
                    ),
                ],
            ),
            (
                "Валюта",
                [
                    (
                        "ДанныеКлассификатора",
                        [("Код", CURRENCY_NUMERIC.get(currency, "")), ("Наименование", currency)],
                    )
                ],
            ),
            ("СуммаДокумента", number(invoice.total)),
            ("СуммаВключаетНДС", "true" if invoice.prices_include_vat else "false"),
            ("Контрагент", counterparty_keys(invoice.client, refs.of(invoice.client))),
            ("Комментарий", invoice.comment),
            ("Товары", lines),
        ],
    )


# --- the whole message ----------------------------------------------------------------


def objects(
    *,
    connection: Connection,
    actor: User,
    options: EDOptions,
    since: datetime | None,
    until: datetime,
    refs: Refs,
    sent: dict[str, list[str]],
) -> Iterator[Node]:
    """Every object of the next message, in an order 1C can resolve references in."""
    if options.send_counterparties:
        qs = _changed(access.visible_to(actor, Client), since, until).prefetch_related(
            "contact_points", "addresses"
        )
        for batch in _batches(qs):
            batch = _not_echoes(connection, Client, batch)
            refs.load(batch)
            for client in batch:
                sent.setdefault("clients", []).append(str(client.pk))
                yield counterparty_node(client, refs)
    if options.send_contacts:
        qs = _changed(access.visible_to(actor, ContactPerson), since, until).prefetch_related(
            "contact_points"
        )
        for batch in _batches(qs):
            batch = _not_echoes(connection, ContactPerson, batch)
            roles = {}
            for role in (
                ContactRole.objects.filter(contact__in=batch)
                .select_related("client")
                .order_by("-is_primary", "pk")
            ):
                roles.setdefault(role.contact_id, role)
            refs.load([*batch, *(r.client for r in roles.values())])
            for contact in batch:
                sent.setdefault("contacts", []).append(str(contact.pk))
                yield contact_node(contact, roles.get(contact.pk), refs)
    if options.send_products:
        qs = _changed(access.visible_to(actor, Product), since, until).select_related(
            "unit", "vat_rate"
        )
        for batch in _batches(qs):
            batch = _not_echoes(connection, Product, batch)
            refs.load(batch)
            for product in batch:
                sent.setdefault("products", []).append(str(product.pk))
                yield product_node(product, refs)
    if options.send_invoices:
        qs = (
            _changed(access.visible_to(actor, Invoice), since, until)
            .filter(marked_for_1c=True)
            .exclude(status=InvoiceStatus.DRAFT)
            .select_related("organisation", "client")
            .prefetch_related("lines__product")
        )
        for batch in _batches(qs):
            batch = _not_echoes(connection, Invoice, batch)
            refs.load([*batch, *(i.client for i in batch)])
            for invoice in batch:
                sent.setdefault("invoices", []).append(str(invoice.pk))
                yield invoice_node(invoice, refs)
