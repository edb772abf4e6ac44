"""Streaming reading of CommerceML catalogue files into small records.

One reader for every catalogue file 1C (or a web shop) writes: ``import*.xml``
(``Классификатор`` and/or ``Каталог``), ``offers*.xml`` (``ПакетПредложений``), the
CommerceML 3.1 split files (``import___<guid>.xml``, ``offers___<guid>.xml``,
``prices___*``, ``rests___*``) and 2.10's ``ИзмененияПакетаПредложений`` /
``ОстаткиПоСкладам``. Versions 2.03–2.10 and 3.1, with or without a namespace, UTF-8 with
a BOM or windows-1251: ``onec.xml`` matches local names and reads the declared encoding.

``read_catalog(path)`` yields, in document order, ``Header`` (once per catalogue or offer
package, as soon as its head is read), ``Group``, ``Property``, ``PriceTypeDef``,
``WarehouseDef``, ``UnitDef``, ``Item`` (a ``Товар``) and ``Offer`` (a ``Предложение``).
Only the current element is in memory, so a file of any size reads in flat memory.
Values are kept as 1C wrote them (text, stripped); turning them into numbers and records
is the applying side's job, so that a bad value names its object in the rejection.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rapport.exchange.onec.xml import child, children, iter_elements, local, text

# Containers whose head (attributes, Ид, ИдКлассификатора...) makes a Header.
PACKAGES = {
    "Каталог": "catalog",
    "ПакетПредложений": "offers",
    "ИзмененияПакетаПредложений": "offers",
    "ОстаткиПоСкладам": "offers",
}
# Children of a package that precede its objects (``Ид`` and ``Наименование`` are not
# listed: they occur in every object and would slow the reading down).
_HEAD_TAGS = ("ИдКлассификатора", "ИдКаталога", "СодержитТолькоИзменения")
_OBJECT_TAGS = (
    "Группа",
    "Свойство",
    "ТипЦены",
    "Склад",
    "ЕдиницаИзмерения",
    "Товар",
    "Предложение",
)
_TRUE = {"true", "1", "да", "истина"}
_DELETED_STATUS = {"удален", "удалён", "deleted"}


@dataclass
class Header:
    kind: str  # "catalog" or "offers"
    id: str = ""
    classifier_id: str = ""
    catalog_id: str = ""
    only_changes: bool = False
    version: str = ""


@dataclass
class Group:
    id: str
    name: str
    parent_id: str = ""
    deleted: bool = False


@dataclass
class Property:
    id: str
    name: str
    kind: str = ""  # Строка | Число | Справочник | ...
    variants: dict[str, str] = field(default_factory=dict)  # ИдЗначения -> Значение
    deleted: bool = False


@dataclass
class PriceTypeDef:
    id: str
    name: str
    currency: str = ""
    vat_included: bool | None = None
    deleted: bool = False


@dataclass
class WarehouseDef:
    id: str
    name: str
    deleted: bool = False


@dataclass
class UnitRef:
    code: str = ""
    name: str = ""  # short name (the element's text or НаименованиеКраткое)
    full_name: str = ""
    international: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.code or self.name or self.full_name or self.international)


@dataclass
class UnitDef:
    id: str
    unit: UnitRef
    deleted: bool = False


@dataclass
class Item:
    """One ``Товар`` of a catalogue."""

    id: str
    name: str
    sku: str = ""
    barcode: str = ""
    unit: UnitRef = field(default_factory=UnitRef)
    group_ids: list[str] = field(default_factory=list)
    description: str = ""
    properties: list[tuple[str, str]] = field(default_factory=list)  # (property Ид, value)
    vat: str | None = None  # Ставка as written ("20", "Без НДС"); None: not given
    requisites: dict[str, str] = field(default_factory=dict)
    characteristics: list[tuple[str, str, str]] = field(default_factory=list)
    deleted: bool = False
    line: int = 0


@dataclass
class Price:
    price_type_id: str
    value: str
    currency: str = ""
    unit: str = ""
    coefficient: str = ""


@dataclass
class Offer:
    """One ``Предложение``: prices and stock of a product (or of one of its variants)."""

    id: str
    name: str = ""
    sku: str = ""
    barcode: str = ""
    unit: UnitRef = field(default_factory=UnitRef)
    prices: list[Price] = field(default_factory=list)
    quantity: str | None = None
    stock: list[tuple[str, str]] = field(default_factory=list)  # (warehouse Ид, quantity)
    characteristics: list[tuple[str, str, str]] = field(default_factory=list)
    deleted: bool = False
    line: int = 0


Record = Header | Group | Property | PriceTypeDef | WarehouseDef | UnitDef | Item | Offer


def clean_id(value: str) -> str:
    """An 1C id as a key: stripped (1C pads some codes with spaces)."""
    return (value or "").strip()


def _bool(value: str) -> bool:
    return value.strip().lower() in _TRUE


def _deleted(element: Any) -> bool:
    status = element.get("Статус") or text(element, "Статус")
    if status and status.strip().lower() in _DELETED_STATUS:
        return True
    return _bool(text(element, "ПометкаУдаления") or "")


def _unit_ref(element: Any) -> UnitRef:
    if element is None:
        return UnitRef()
    # 2.x: attributes on БазоваяЕдиница, the short name as its text; 3.1 and the
    # classifier's ЕдиницаИзмерения: child elements.
    own_text = (element.text or "").strip()
    return UnitRef(
        code=clean_id(element.get("Код") or text(element, "Код")),
        name=own_text or text(element, "НаименованиеКраткое"),
        full_name=(
            element.get("НаименованиеПолное") or text(element, "НаименованиеПолное")
        ).strip(),
        international=(
            element.get("МеждународноеСокращение") or text(element, "МеждународноеСокращение")
        ).strip(),
    )


def _characteristics(element: Any) -> list[tuple[str, str, str]]:
    return [
        (clean_id(text(c, "Ид")), text(c, "Наименование"), text(c, "Значение"))
        for c in children(child(element, "ХарактеристикиТовара"), "ХарактеристикаТовара")
    ]


def _group(element: Any) -> Group:
    # <Группы><Группа><Ид/>...<Группы><Группа/></Группы></Группа></Группы>: the enclosing
    # group's Ид precedes its subgroups, so it is already parsed when a subgroup ends.
    parent = element.getparent()
    grand = parent.getparent() if parent is not None else None
    parent_id = (
        clean_id(text(grand, "Ид")) if grand is not None and local(grand) == "Группа" else ""
    )
    return Group(
        id=clean_id(text(element, "Ид")),
        name=text(element, "Наименование"),
        parent_id=parent_id,
        deleted=_deleted(element),
    )


def _property(element: Any) -> Property:
    variants = {}
    for variant in children(child(element, "ВариантыЗначений"), "Справочник"):
        variants[clean_id(text(variant, "ИдЗначения"))] = text(variant, "Значение")
    return Property(
        id=clean_id(text(element, "Ид")),
        name=text(element, "Наименование"),
        kind=text(element, "ТипЗначений"),
        variants=variants,
        deleted=_deleted(element),
    )


def _price_type(element: Any) -> PriceTypeDef:
    tax = child(element, "Налог")
    included = None
    if tax is not None and text(tax, "УчтеноВСумме"):
        included = _bool(text(tax, "УчтеноВСумме"))
    return PriceTypeDef(
        id=clean_id(text(element, "Ид")),
        name=text(element, "Наименование"),
        currency=text(element, "Валюта"),
        vat_included=included,
        deleted=_deleted(element),
    )


def _item(element: Any) -> Item:
    vat = None
    for rate in children(child(element, "СтавкиНалогов"), "СтавкаНалога"):
        if text(rate, "Наименование").upper() in ("НДС", "VAT", "ПДВ", ""):
            vat = text(rate, "Ставка")
    requisites = {
        text(r, "Наименование"): text(r, "Значение")
        for r in children(child(element, "ЗначенияРеквизитов"), "ЗначениеРеквизита")
    }
    properties = []
    for value in children(child(element, "ЗначенияСвойств"), "ЗначенияСвойства"):
        values = [(v.text or "").strip() for v in children(value, "Значение")]
        properties.append((clean_id(text(value, "Ид")), values[0] if values else ""))
    barcode = text(element, "Штрихкод") or requisites.get("Штрихкод", "")
    return Item(
        id=clean_id(text(element, "Ид")),
        name=text(element, "Наименование"),
        sku=text(element, "Артикул"),
        barcode=barcode,
        unit=_unit_ref(child(element, "БазоваяЕдиница")),
        group_ids=[clean_id(g.text or "") for g in children(child(element, "Группы"), "Ид")],
        description=text(element, "Описание"),
        properties=properties,
        vat=vat,
        requisites=requisites,
        characteristics=_characteristics(element),
        deleted=_deleted(element),
        line=element.sourceline or 0,
    )


def _offer(element: Any) -> Offer:
    prices = [
        Price(
            price_type_id=clean_id(text(p, "ИдТипаЦены")),
            value=text(p, "ЦенаЗаЕдиницу"),
            currency=text(p, "Валюта"),
            unit=text(p, "Единица"),
            coefficient=text(p, "Коэффициент"),
        )
        for p in children(child(element, "Цены"), "Цена")
    ]
    stock = []
    for store in children(element, "Склад"):  # 2.x: <Склад ИдСклада= КоличествоНаСкладе=/>
        stock.append((clean_id(store.get("ИдСклада", "")), store.get("КоличествоНаСкладе", "")))
    for rest in children(child(element, "Остатки"), "Остаток"):  # 2.10 / 3.1
        for store in children(rest, "Склад"):
            stock.append((clean_id(text(store, "Ид")), text(store, "Количество")))
    quantity: str | None = text(element, "Количество") or None
    if quantity is None:
        totals = [text(r, "Количество") for r in children(child(element, "Остатки"), "Остаток")]
        totals = [t for t in totals if t]
        quantity = totals[0] if totals else None
    return Offer(
        id=clean_id(text(element, "Ид")),
        name=text(element, "Наименование"),
        sku=text(element, "Артикул"),
        barcode=text(element, "Штрихкод"),
        unit=_unit_ref(child(element, "БазоваяЕдиница")),
        prices=prices,
        quantity=quantity,
        stock=stock,
        characteristics=_characteristics(element),
        deleted=_deleted(element),
        line=element.sourceline or 0,
    )


def _header(container: Any, version: str) -> Header:
    flag = container.get("СодержитТолькоИзменения")
    if flag is None:
        flag = text(container, "СодержитТолькоИзменения")
    return Header(
        kind=PACKAGES[local(container)],
        id=clean_id(text(container, "Ид")),
        classifier_id=clean_id(text(container, "ИдКлассификатора")),
        catalog_id=clean_id(text(container, "ИдКаталога")),
        only_changes=_bool(flag or ""),
        version=version,
    )


def _in_package(parent: Any) -> bool:
    """Goods of a catalogue, not the lines of an order (``Документ/Товары/Товар``)."""
    container = parent.getparent()
    return container is not None and local(container) in PACKAGES


def read_catalog(source: str | Path | IO[bytes], *, name: str = "") -> Iterator[Record]:
    """Every record of a catalogue file, in document order (see the module doc).

    Raises ``onec.xml.XmlRefused`` (a ValueError with a readable message) for a file that
    is not XML, declares a DTD or breaks off.
    """
    headed: set[tuple[str, int]] = set()
    version = ""
    tags = _OBJECT_TAGS + _HEAD_TAGS
    for element in iter_elements(source, tags, name=name):
        tag = local(element)
        parent = element.getparent()
        parent_tag = local(parent) if parent is not None else ""
        if not version:
            root = element.getroottree().getroot()
            version = (root.get("ВерсияСхемы") or "").strip()
        if tag in _HEAD_TAGS or tag in ("Товар", "Предложение"):
            # The package's head is complete once any of its children (or its first
            # object) has been read: emit the header before the objects.
            container = parent
            if tag in ("Товар", "Предложение") and parent is not None:
                container = parent.getparent()
            key = (local(container), container.sourceline or 0) if container is not None else None
            if key is not None and key[0] in PACKAGES and key not in headed:
                headed.add(key)
                yield _header(container, version)
            if tag in _HEAD_TAGS:
                continue
        if tag == "Группа" and parent_tag == "Группы":
            yield _group(element)
        elif tag == "Свойство" and parent_tag == "Свойства":
            yield _property(element)
        elif tag == "ТипЦены" and parent_tag == "ТипыЦен":
            yield _price_type(element)
        elif tag == "Склад" and parent_tag == "Склады":
            yield WarehouseDef(
                id=clean_id(text(element, "Ид")),
                name=text(element, "Наименование"),
                deleted=_deleted(element),
            )
        elif tag == "ЕдиницаИзмерения" and parent_tag == "ЕдиницыИзмерения":
            yield UnitDef(
                id=clean_id(text(element, "Ид")), unit=_unit_ref(element), deleted=_deleted(element)
            )
        elif tag == "Товар" and parent_tag == "Товары" and _in_package(parent):
            yield _item(element)
        elif tag == "Предложение" and parent_tag == "Предложения" and _in_package(parent):
            yield _offer(element)
