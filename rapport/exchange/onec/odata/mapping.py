"""Field maps per 1C configuration: which entity set and which 1C fields feed what we read.

Names differ between configurations (and between their versions), so every field lists
the 1C names it may have, first found wins, and a field is mapped only if ``$metadata``
publishes it. The configuration is chosen from the entity sets ``$metadata`` lists:

- ``ut11`` (Управление торговлей 11, also КА 2 / ERP): ``Catalog_Партнеры`` with
  ``Catalog_КонтактныеЛицаПартнеров``; the counterparty (``Catalog_Контрагенты``, with
  ``Партнер_Key``) is our client, the partner carries contact persons and, when the
  counterparty has none, the contact information; invoices are ``Document_СчетНаОплатуКлиенту``.
- ``bp30`` (Бухгалтерия предприятия 3.0): ``Catalog_Контрагенты`` with
  ``ЮридическоеФизическоеЛицо``, ``Catalog_КонтактныеЛица``, payments
  ``Document_ПоступлениеНаРасчетныйСчет`` / ``Document_ПриходныйКассовыйОрдер``, invoices
  ``Document_СчетНаОплатуПокупателю``.
- ``other``: a configuration we do not recognise: the БП 3.0 names are tried, so the
  common ones (``Description``, ``ИНН``...) still map.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from .metadata import Metadata

BP30, UT11, OTHER, AUTO = "bp30", "ut11", "other", "auto"
CONFIGURATIONS = {
    AUTO: _("Detect from $metadata"),
    BP30: _("1C:Accounting 3.0 (Бухгалтерия предприятия)"),
    UT11: _("1C:Trade Management 11 (Управление торговлей), also КА / ERP"),
}
CONFIGURATION_LABELS = {**CONFIGURATIONS, OTHER: _("Not recognised (common field names)")}

# The objects a person may choose to read, in the order they are pulled.
OBJECTS = {
    "counterparties": _("Counterparties (clients) with contact information"),
    "contacts": _("Contact persons"),
    "contracts": _("Contracts"),
    "goods": _("Goods and services"),
    "prices": _("Prices"),
    "payments": _("Payments received"),
}

_CONTACT_INFO_ROWS = {
    "kind": ("Тип",),
    "kind_key": ("Вид_Key",),
    "presentation": ("Представление",),
    "email": ("АдресЭП",),
    "phone": ("НомерТелефона",),
    "country": ("Страна",),
    "region": ("Регион",),
    "city": ("Город",),
    "fields_xml": ("ЗначенияПолей", "ЗначениеПолей"),
}

_STANDARD_CATALOG = {
    "ref": ("Ref_Key",),
    "version": ("DataVersion",),
    "deleted": ("DeletionMark",),
    "is_folder": ("IsFolder",),
    "code": ("Code",),
    "name": ("Description",),
}
_STANDARD_DOCUMENT = {
    "ref": ("Ref_Key",),
    "version": ("DataVersion",),
    "deleted": ("DeletionMark",),
    "number": ("Number",),
    "date": ("Date",),
    "posted": ("Posted",),
}


@dataclass(frozen=True)
class ObjectSpec:
    entity_sets: tuple[str, ...]
    fields: dict[str, tuple[str, ...]]
    sections: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, ...]]]] = field(
        default_factory=dict
    )
    required: tuple[str, ...] = ("ref",)


SPECS: dict[str, dict[str, ObjectSpec]] = {
    BP30: {
        "organisations": ObjectSpec(
            ("Catalog_Организации",), {**_STANDARD_CATALOG, "tax_id": ("ИНН",)}
        ),
        "currencies": ObjectSpec(("Catalog_Валюты",), dict(_STANDARD_CATALOG)),
        "counterparties": ObjectSpec(
            ("Catalog_Контрагенты",),
            {
                **_STANDARD_CATALOG,
                "legal_name": ("НаименованиеПолное",),
                "tax_id": ("ИНН",),
                "kpp": ("КПП",),
                "legal_kind": ("ЮридическоеФизическоеЛицо", "ЮрФизЛицо"),
            },
            {"contact_info": (("КонтактнаяИнформация",), _CONTACT_INFO_ROWS)},
            required=("ref", "name"),
        ),
        "contacts": ObjectSpec(
            ("Catalog_КонтактныеЛица",),
            {
                **_STANDARD_CATALOG,
                "owner": ("ОбъектВладелец", "Owner_Key", "ОбъектВладелец_Key"),
                "owner_type": ("ОбъектВладелец_Type",),
                "last_name": ("Фамилия",),
                "first_name": ("Имя",),
                "middle_name": ("Отчество",),
                "position": ("Должность", "ДолжностьПоВизитке"),
            },
            {"contact_info": (("КонтактнаяИнформация",), _CONTACT_INFO_ROWS)},
            required=("ref", "owner"),
        ),
        "contracts": ObjectSpec(
            ("Catalog_ДоговорыКонтрагентов",),
            {
                **_STANDARD_CATALOG,
                "counterparty": ("Owner_Key", "Контрагент_Key"),
                "contract_kind": ("ВидДоговора",),
                "number": ("Номер",),
                "date": ("Дата",),
                "valid_to": ("СрокДействия", "ДатаОкончанияДействия"),
            },
            required=("ref", "counterparty"),
        ),
        "goods": ObjectSpec(
            ("Catalog_Номенклатура",),
            {
                **_STANDARD_CATALOG,
                "parent": ("Parent_Key",),
                "full_name": ("НаименованиеПолное",),
                "sku": ("Артикул",),
                "is_service": ("Услуга",),
                "goods_kind": ("ТипНоменклатуры",),
                "description": ("Описание", "Комментарий"),
            },
            required=("ref", "name"),
        ),
        "price_types": ObjectSpec(
            ("Catalog_ТипыЦенНоменклатуры", "Catalog_ВидыЦен"),
            {
                **_STANDARD_CATALOG,
                "currency": ("ВалютаЦены_Key",),
                "includes_vat": ("ЦенаВключаетНДС",),
            },
        ),
        "prices": ObjectSpec(
            ("InformationRegister_ЦеныНоменклатуры",),
            {
                "period": ("Period",),
                "active": ("Active",),
                "price_type": ("ТипЦен_Key", "ВидЦены_Key"),
                "product": ("Номенклатура_Key",),
                "price": ("Цена",),
                "currency": ("Валюта_Key",),
            },
            required=("period", "price_type", "product", "price"),
        ),
        "payments": ObjectSpec(
            ("Document_ПоступлениеНаРасчетныйСчет", "Document_ПриходныйКассовыйОрдер"),
            {
                **_STANDARD_DOCUMENT,
                "operation": ("ВидОперации",),
                "counterparty": ("Контрагент_Key", "Контрагент"),
                "amount": ("СуммаДокумента",),
                "currency": ("ВалютаДокумента_Key", "Валюта_Key"),
                "purpose": ("НазначениеПлатежа", "Основание"),
            },
            {
                "lines": (
                    ("РасшифровкаПлатежа",),
                    {
                        "invoice": ("СчетНаОплату_Key", "СчетНаОплату"),
                        "amount": ("СуммаПлатежа", "Сумма"),
                    },
                )
            },
            required=("ref", "counterparty", "amount", "date"),
        ),
        "invoices": ObjectSpec(
            ("Document_СчетНаОплатуПокупателю",),
            {
                **_STANDARD_DOCUMENT,
                "organisation": ("Организация_Key",),
                "counterparty": ("Контрагент_Key",),
                "currency": ("ВалютаДокумента_Key",),
                "amount": ("СуммаДокумента",),
                "includes_vat": ("СуммаВключаетНДС",),
                "comment": ("Комментарий",),
            },
            {
                "goods": (
                    ("Товары",),
                    {
                        "product": ("Номенклатура_Key",),
                        "text": ("Содержание",),
                        "quantity": ("Количество",),
                        "price": ("Цена",),
                        "amount": ("Сумма",),
                        "vat_rate": ("СтавкаНДС",),
                        "vat_amount": ("СуммаНДС",),
                    },
                )
            },
            required=("counterparty",),
        ),
    },
}

_UT = dict(SPECS[BP30])
_UT.update(
    {
        "partners": ObjectSpec(
            ("Catalog_Партнеры",),
            {
                **_STANDARD_CATALOG,
                "legal_name": ("НаименованиеПолное",),
                "is_client": ("Клиент",),
                "legal_kind": ("ЮрФизЛицо",),
            },
            {"contact_info": (("КонтактнаяИнформация",), _CONTACT_INFO_ROWS)},
        ),
        "counterparties": ObjectSpec(
            ("Catalog_Контрагенты",),
            {
                **_STANDARD_CATALOG,
                "legal_name": ("НаименованиеПолное",),
                "tax_id": ("ИНН",),
                "kpp": ("КПП",),
                "legal_kind": ("ЮрФизЛицо", "ЮридическоеФизическоеЛицо"),
                "partner": ("Партнер_Key",),
            },
            {"contact_info": (("КонтактнаяИнформация",), _CONTACT_INFO_ROWS)},
            required=("ref", "name"),
        ),
        "contacts": ObjectSpec(
            ("Catalog_КонтактныеЛицаПартнеров",),
            {
                **_STANDARD_CATALOG,
                "owner": ("Owner_Key",),
                "last_name": ("Фамилия",),
                "first_name": ("Имя",),
                "middle_name": ("Отчество",),
                "position": ("ДолжностьПоВизитке", "Должность"),
            },
            {"contact_info": (("КонтактнаяИнформация",), _CONTACT_INFO_ROWS)},
            required=("ref", "owner"),
        ),
        "contracts": ObjectSpec(
            ("Catalog_ДоговорыКонтрагентов",),
            {
                **_STANDARD_CATALOG,
                "counterparty": ("Контрагент_Key", "Owner_Key"),
                "contract_kind": ("ХозяйственнаяОперация", "ВидДоговора"),
                "number": ("Номер",),
                "date": ("Дата",),
                "valid_to": ("ДатаОкончанияДействия", "СрокДействия"),
                "status": ("Статус",),
            },
            required=("ref", "counterparty"),
        ),
        "price_types": ObjectSpec(
            ("Catalog_ВидыЦен", "Catalog_ТипыЦенНоменклатуры"),
            {
                **_STANDARD_CATALOG,
                "currency": ("ВалютаЦены_Key",),
                "includes_vat": ("ЦенаВключаетНДС",),
            },
        ),
        "prices": ObjectSpec(
            ("InformationRegister_ЦеныНоменклатуры25", "InformationRegister_ЦеныНоменклатуры"),
            {
                "period": ("Period",),
                "active": ("Active",),
                "price_type": ("ВидЦены_Key", "ТипЦен_Key"),
                "product": ("Номенклатура_Key",),
                "variant": ("Характеристика_Key",),
                "price": ("Цена",),
                "currency": ("Валюта_Key",),
            },
            required=("period", "price_type", "product", "price"),
        ),
        "payments": ObjectSpec(
            (
                "Document_ПоступлениеБезналичныхДенежныхСредств",
                "Document_ПриходныйКассовыйОрдер",
            ),
            {
                **_STANDARD_DOCUMENT,
                "operation": ("ХозяйственнаяОперация",),
                "counterparty": ("Контрагент_Key", "Контрагент"),
                "amount": ("СуммаДокумента",),
                "currency": ("Валюта_Key",),
                "purpose": ("НазначениеПлатежа", "Основание"),
            },
            {
                "lines": (
                    ("РасшифровкаПлатежа",),
                    {
                        "invoice": ("СчетНаОплату_Key", "Заказ", "ОснованиеПлатежа", "Заказ_Key"),
                        "amount": ("Сумма", "СуммаПлатежа"),
                    },
                )
            },
            required=("ref", "counterparty", "amount", "date"),
        ),
        "invoices": ObjectSpec(
            ("Document_СчетНаОплатуКлиенту",),
            {
                **_STANDARD_DOCUMENT,
                "organisation": ("Организация_Key",),
                "partner": ("Партнер_Key",),
                "counterparty": ("Контрагент_Key",),
                "currency": ("Валюта_Key",),
                "amount": ("СуммаДокумента",),
                "includes_vat": ("ЦенаВключаетНДС",),
                "comment": ("Комментарий",),
            },
            SPECS[BP30]["invoices"].sections,
            required=("counterparty",),
        ),
    }
)
SPECS[UT11] = _UT
SPECS[OTHER] = SPECS[BP30]

# Payment documents that are cash receipts (the rest are bank receipts).
CASH_DOCUMENTS = {"Document_ПриходныйКассовыйОрдер"}


@dataclass
class ObjectMap:
    """One object as this infobase publishes it: {our name: 1C field}."""

    key: str
    entity_set: str
    fields: dict[str, str]
    sections: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.fields

    def select(self, *names: str) -> list[str]:
        """``$select`` of the given fields (all mapped fields and sections if none)."""
        wanted = names or tuple(self.fields) + tuple(self.sections)
        result = []
        for name in wanted:
            if name in self.fields:
                result.append(self.fields[name])
            elif name in self.sections:
                result.append(self.sections[name][0])
        return list(dict.fromkeys(result))

    def get(self, element: dict[str, Any], name: str, default: Any = None) -> Any:
        source = self.fields.get(name)
        if source is None:
            return default
        value = element.get(source, default)
        return default if value is None else value

    def rows(self, element: dict[str, Any], section: str) -> list[dict[str, Any]]:
        """A tabular section's rows with our names ([] if the section is not published)."""
        if section not in self.sections:
            return []
        source, names = self.sections[section]
        return [
            {ours: row.get(theirs) for ours, theirs in names.items()}
            for row in element.get(source) or []
            if isinstance(row, dict)
        ]

    def to_1c(self, values: dict[str, Any]) -> dict[str, Any]:
        """Our names -> 1C names for a write (fields the infobase lacks are left out)."""
        return {self.fields[k]: v for k, v in values.items() if k in self.fields}

    def rows_to_1c(self, section: str, rows: list[dict[str, Any]]) -> tuple[str, list[dict]]:
        source, names = self.sections[section]
        return source, [{names[k]: v for k, v in row.items() if k in names} for row in rows]


@dataclass
class Profile:
    configuration: str
    objects: dict[str, ObjectMap]
    missing: dict[str, str] = field(default_factory=dict)  # object -> why it is not mapped

    def get(self, key: str) -> ObjectMap | None:
        return self.objects.get(key)

    def found(self) -> list[str]:
        """The choosable objects (``OBJECTS``) this infobase publishes."""
        return [key for key in OBJECTS if key in self.objects]


def detect(meta: Metadata) -> str:
    if meta.has("Catalog_Партнеры") and (
        meta.has("Catalog_КонтактныеЛицаПартнеров")
        or meta.has("Document_СчетНаОплатуКлиенту")
        or "Партнер_Key" in meta.fields("Catalog_Контрагенты")
    ):
        return UT11
    if "ЮридическоеФизическоеЛицо" in meta.fields("Catalog_Контрагенты") or any(
        meta.has(name)
        for name in ("Document_СчетНаОплатуПокупателю", "Document_ПоступлениеНаРасчетныйСчет")
    ):
        return BP30
    return OTHER


def _pick(candidates: tuple[str, ...], available: dict[str, Any]) -> str | None:
    return next((name for name in candidates if name in available), None)


def build(meta: Metadata, configuration: str = AUTO) -> Profile:
    """The field maps of this infobase (``configuration`` forces bp30 / ut11)."""
    chosen = detect(meta) if configuration in ("", AUTO) else configuration
    specs = SPECS.get(chosen, SPECS[OTHER])
    profile = Profile(configuration=chosen, objects={})
    for key, spec in specs.items():
        entity_set = next((name for name in spec.entity_sets if meta.has(name)), None)
        if entity_set is None:
            profile.missing[key] = ", ".join(spec.entity_sets)
            continue
        available = meta.fields(entity_set)
        fields = {}
        for ours, candidates in spec.fields.items():
            found = _pick(candidates, available)
            if found:
                fields[ours] = found
        sections = {}
        for ours, (candidates, rows) in spec.sections.items():
            section = _pick(candidates, available)
            if not section:
                continue
            row_fields = meta.row_fields(entity_set, section)
            names = {}
            for row_name, row_candidates in rows.items():
                found = _pick(row_candidates, row_fields)
                if found:
                    names[row_name] = found
            sections[ours] = (section, names)
        lacking = [name for name in spec.required if name not in fields]
        if lacking:
            profile.missing[key] = ", ".join(f"{entity_set}.{spec.fields[n][0]}" for n in lacking)
            continue
        profile.objects[key] = ObjectMap(key, entity_set, fields, sections)
    return profile
