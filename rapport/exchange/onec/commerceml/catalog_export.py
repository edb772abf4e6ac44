"""Writing the CRM catalogue as CommerceML 2.08: ``import.xml`` (classifier and goods) and
``offers.xml`` (price types, warehouses, prices and stock), streamed with
``lxml.etree.xmlfile`` (flat memory), UTF-8 with a BOM as 1C expects.

Ids are the connection's 1C ids where the record has one, else the CRM's own id, so a
file written here and read back by ``catalog.apply_catalog_file`` into another
connection recreates every field (the round-trip test), and the benchmark generates its
catalogue with the same writer (``write_import``/``write_offers`` accept plain records).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.utils import timezone
from lxml import etree

from rapport.catalog.models import (
    PriceList,
    PriceListItem,
    Product,
    ProductGroup,
    ProductKind,
    StockLevel,
    Warehouse,
)
from rapport.core.models import ExternalId, PropertyDefinition, PropertyTarget, PropertyType
from rapport.exchange.onec.sync import decimal_text

NS = "urn:1C.ru:commerceml_2"
VERSION = "2.08"
BOM = b"\xef\xbb\xbf"
_KINDS = {
    PropertyType.NUMBER: "Число",
    PropertyType.CHOICE: "Справочник",
    PropertyType.BOOLEAN: "Булево",
    PropertyType.DATE: "Дата",
}


@dataclass
class GroupOut:
    id: str
    name: str
    children: list[GroupOut] = field(default_factory=list)


@dataclass
class PropertyOut:
    id: str
    name: str
    kind: str = "Строка"
    variants: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ItemOut:
    id: str
    name: str
    sku: str = ""
    barcode: str = ""
    unit_code: str = ""
    unit_name: str = ""
    unit_full: str = ""
    group_id: str = ""
    description: str = ""
    vat: str | None = None
    service: bool = False
    active: bool = True
    properties: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class OfferOut:
    id: str
    name: str
    prices: list[tuple[str, Decimal, str]] = field(default_factory=list)  # type id, price, cur
    stock: list[tuple[str, Decimal]] = field(default_factory=list)  # warehouse id, quantity


def _el(xf: Any, tag: str, value: Any) -> None:
    element = etree.Element(tag)
    element.text = "" if value is None else str(value)
    xf.write(element)


def _root_attrs() -> dict[str, str]:
    return {
        "ВерсияСхемы": VERSION,
        "ДатаФормирования": timezone.now().strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _group_element(group: GroupOut) -> Any:
    element = etree.Element("Группа")
    etree.SubElement(element, "Ид").text = group.id
    etree.SubElement(element, "Наименование").text = group.name
    if group.children:
        sub = etree.SubElement(element, "Группы")
        for child in group.children:
            sub.append(_group_element(child))
    return element


def _item_element(item: ItemOut) -> Any:
    element = etree.Element("Товар", Статус="Удален") if not item.active else etree.Element("Товар")
    etree.SubElement(element, "Ид").text = item.id
    if item.barcode:
        etree.SubElement(element, "Штрихкод").text = item.barcode
    etree.SubElement(element, "Артикул").text = item.sku
    etree.SubElement(element, "Наименование").text = item.name
    if item.unit_code or item.unit_name:
        unit = etree.SubElement(
            element,
            "БазоваяЕдиница",
            Код=item.unit_code,
            НаименованиеПолное=item.unit_full,
        )
        unit.text = item.unit_name
    if item.group_id:
        etree.SubElement(etree.SubElement(element, "Группы"), "Ид").text = item.group_id
    etree.SubElement(element, "Описание").text = item.description
    if item.properties:
        values = etree.SubElement(element, "ЗначенияСвойств")
        for prop_id, value in item.properties:
            one = etree.SubElement(values, "ЗначенияСвойства")
            etree.SubElement(one, "Ид").text = prop_id
            etree.SubElement(one, "Значение").text = value
    if item.vat is not None:
        rate = etree.SubElement(etree.SubElement(element, "СтавкиНалогов"), "СтавкаНалога")
        etree.SubElement(rate, "Наименование").text = "НДС"
        etree.SubElement(rate, "Ставка").text = item.vat
    requisites = etree.SubElement(element, "ЗначенияРеквизитов")
    requisite = etree.SubElement(requisites, "ЗначениеРеквизита")
    etree.SubElement(requisite, "Наименование").text = "ТипНоменклатуры"
    etree.SubElement(requisite, "Значение").text = "Услуга" if item.service else "Товар"
    return element


def write_import(
    out: IO[bytes],
    *,
    classifier_id: str,
    groups: Iterable[GroupOut],
    properties: Iterable[PropertyOut],
    items: Iterable[ItemOut],
    only_changes: bool = False,
) -> None:
    """``import.xml``: Классификатор (groups, properties) and Каталог (goods)."""
    out.write(BOM)
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("КоммерческаяИнформация", _root_attrs(), nsmap={None: NS}):
            with xf.element("Классификатор"):
                _el(xf, "Ид", classifier_id)
                _el(xf, "Наименование", "Классификатор (Rapport)")
                with xf.element("Группы"):
                    for group in groups:
                        xf.write(_group_element(group))
                with xf.element("Свойства"):
                    for prop in properties:
                        element = etree.Element("Свойство")
                        etree.SubElement(element, "Ид").text = prop.id
                        etree.SubElement(element, "Наименование").text = prop.name
                        etree.SubElement(element, "ТипЗначений").text = prop.kind
                        if prop.variants:
                            variants = etree.SubElement(element, "ВариантыЗначений")
                            for variant_id, value in prop.variants:
                                one = etree.SubElement(variants, "Справочник")
                                etree.SubElement(one, "ИдЗначения").text = variant_id
                                etree.SubElement(one, "Значение").text = value
                        xf.write(element)
            flag = "true" if only_changes else "false"
            with xf.element("Каталог", {"СодержитТолькоИзменения": flag}):
                _el(xf, "Ид", classifier_id)
                _el(xf, "ИдКлассификатора", classifier_id)
                _el(xf, "Наименование", "Каталог (Rapport)")
                with xf.element("Товары"):
                    for item in items:
                        xf.write(_item_element(item))
                        xf.flush()


def write_offers(
    out: IO[bytes],
    *,
    classifier_id: str,
    price_types: Iterable[tuple[str, str, str]],  # id, name, currency
    warehouses: Iterable[tuple[str, str]],  # id, name
    offers: Iterable[OfferOut],
    only_changes: bool = False,
) -> None:
    """``offers.xml``: ПакетПредложений with price types, warehouses, prices and stock."""
    out.write(BOM)
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("КоммерческаяИнформация", _root_attrs(), nsmap={None: NS}):
            flag = "true" if only_changes else "false"
            with xf.element("ПакетПредложений", {"СодержитТолькоИзменения": flag}):
                _el(xf, "Ид", f"{classifier_id}#")
                _el(xf, "Наименование", "Пакет предложений (Rapport)")
                _el(xf, "ИдКаталога", classifier_id)
                _el(xf, "ИдКлассификатора", classifier_id)
                with xf.element("ТипыЦен"):
                    for type_id, name, currency in price_types:
                        element = etree.Element("ТипЦены")
                        etree.SubElement(element, "Ид").text = type_id
                        etree.SubElement(element, "Наименование").text = name
                        etree.SubElement(element, "Валюта").text = currency
                        xf.write(element)
                with xf.element("Склады"):
                    for store_id, name in warehouses:
                        element = etree.Element("Склад")
                        etree.SubElement(element, "Ид").text = store_id
                        etree.SubElement(element, "Наименование").text = name
                        xf.write(element)
                with xf.element("Предложения"):
                    for offer in offers:
                        element = etree.Element("Предложение")
                        etree.SubElement(element, "Ид").text = offer.id
                        etree.SubElement(element, "Наименование").text = offer.name
                        prices = etree.SubElement(element, "Цены")
                        for type_id, price, currency in offer.prices:
                            one = etree.SubElement(prices, "Цена")
                            etree.SubElement(one, "ИдТипаЦены").text = type_id
                            etree.SubElement(one, "ЦенаЗаЕдиницу").text = decimal_text(price)
                            etree.SubElement(one, "Валюта").text = currency
                        if offer.stock:
                            total = sum((q for _s, q in offer.stock), Decimal(0))
                            etree.SubElement(element, "Количество").text = decimal_text(total)
                        for store_id, quantity in offer.stock:
                            etree.SubElement(
                                element,
                                "Склад",
                                ИдСклада=store_id,
                                КоличествоНаСкладе=decimal_text(quantity),
                            )
                        xf.write(element)
                        xf.flush()


# --- the CRM's catalogue ----------------------------------------------------------------------


class _Ids:
    """The connection's 1C id of a record, or the record's own id."""

    def __init__(self, system: str | None) -> None:
        self.system = system
        self._cache: dict[type, dict[str, str]] = {}

    def __call__(self, obj: Any) -> str:
        model = type(obj)
        if model not in self._cache:
            mapping: dict[str, str] = {}
            if self.system:
                from django.contrib.contenttypes.models import ContentType

                ct = ContentType.objects.get_for_model(model)
                for value, pk in ExternalId.objects.filter(
                    content_type=ct, system=self.system
                ).values_list("value", "object_id"):
                    mapping.setdefault(pk, value)
            self._cache[model] = mapping
        return self._cache[model].get(str(obj.pk), str(obj.pk))


def _groups(ids: _Ids) -> list[GroupOut]:
    nodes = {g.pk: (g, GroupOut(id=ids(g), name=g.name)) for g in ProductGroup.objects.all()}
    roots = []
    for group, node in nodes.values():
        parent = nodes.get(group.parent_id)
        (parent[1].children if parent else roots).append(node)
    return roots


def _property_outs(ids: _Ids) -> tuple[list[PropertyOut], dict[str, PropertyDefinition]]:
    definitions = list(PropertyDefinition.objects.filter(target=PropertyTarget.PRODUCT))
    outs = []
    for definition in definitions:
        kind = _KINDS.get(definition.type, "Строка")
        variants = []
        if definition.type == PropertyType.CHOICE:
            variants = [(f"{ids(definition)}:{n}", c) for n, c in enumerate(definition.choices)]
        outs.append(
            PropertyOut(id=ids(definition), name=definition.label, kind=kind, variants=variants)
        )
    return outs, {d.code: d for d in definitions}


def _items(ids: _Ids, definitions: dict[str, PropertyDefinition]) -> Iterator[ItemOut]:
    products = Product.objects.alive().select_related("unit", "vat_rate", "group").order_by("pk")
    for product in products.iterator(chunk_size=2000):
        properties = []
        for code, value in (product.properties or {}).items():
            definition = definitions.get(code)
            if definition is None or value in (None, "", []):
                continue
            if definition.type == PropertyType.CHOICE and value in definition.choices:
                value = f"{ids(definition)}:{definition.choices.index(value)}"
            elif definition.type == PropertyType.BOOLEAN:
                value = "true" if value else "false"
            properties.append((ids(definition), str(value)))
        vat = None
        if product.vat_rate is not None:
            rate = product.vat_rate.rate
            vat = "Без НДС" if rate is None else decimal_text(rate)
        yield ItemOut(
            id=ids(product),
            name=product.name,
            sku=product.sku,
            barcode=product.barcode,
            unit_code=product.unit.code if product.unit else "",
            unit_name=product.unit.name if product.unit else "",
            unit_full=product.unit.full_name if product.unit else "",
            group_id=ids(product.group) if product.group else "",
            description=product.description,
            vat=vat,
            service=product.kind == ProductKind.SERVICE,
            active=product.is_active,
            properties=properties,
        )


def _offers(ids: _Ids, lists: list[PriceList]) -> Iterator[OfferOut]:
    list_ids = {pl.pk: pl for pl in lists}
    products = Product.objects.alive().order_by("pk").only("id", "name")
    for start_chunk in _chunks(products.iterator(chunk_size=2000), 2000):
        pks = [p.pk for p in start_chunk]
        prices: dict[Any, list] = {}
        for item in PriceListItem.objects.filter(product_id__in=pks, price_list_id__in=list_ids):
            pl = list_ids[item.price_list_id]
            prices.setdefault(item.product_id, []).append(
                (ids(pl.price_type), item.price, pl.currency_id)
            )
        stock: dict[Any, list] = {}
        for level in StockLevel.objects.filter(product_id__in=pks).select_related("warehouse"):
            stock.setdefault(level.product_id, []).append((ids(level.warehouse), level.quantity))
        for product in start_chunk:
            if product.pk in prices or product.pk in stock:
                yield OfferOut(
                    id=ids(product),
                    name=product.name,
                    prices=sorted(prices.get(product.pk, [])),
                    stock=sorted(stock.get(product.pk, [])),
                )


def _chunks(iterable: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def export_catalog(directory: Path, *, system: str | None = None) -> tuple[Path, Path]:
    """Write ``import.xml`` and ``offers.xml`` of the whole catalogue into ``directory``.

    ``system`` (a connection's ``1c:<code>``): use that connection's 1C ids."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ids = _Ids(system)
    classifier_id = "rapport-catalogue"
    properties, definitions = _property_outs(ids)
    import_path, offers_path = directory / "import.xml", directory / "offers.xml"
    with open(import_path, "wb") as out:
        write_import(
            out,
            classifier_id=classifier_id,
            groups=_groups(ids),
            properties=properties,
            items=_items(ids, definitions),
        )
    lists = list(
        PriceList.objects.alive()
        .filter(is_active=True)
        .select_related("price_type")
        .order_by("price_type__position", "price_type__name", "currency", "-valid_from")
    )
    seen: set[tuple[Any, str]] = set()
    current = []
    for pl in lists:  # one list per price type and currency: the latest
        if (pl.price_type_id, pl.currency_id) not in seen:
            seen.add((pl.price_type_id, pl.currency_id))
            current.append(pl)
    price_types = {(ids(pl.price_type), pl.price_type.name, pl.currency_id) for pl in current}
    with open(offers_path, "wb") as out:
        write_offers(
            out,
            classifier_id=classifier_id,
            price_types=sorted(price_types),
            warehouses=[(ids(w), w.name) for w in Warehouse.objects.all()],
            offers=_offers(ids, current),
        )
    return import_path, offers_path
