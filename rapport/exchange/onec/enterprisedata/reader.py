"""Reading EnterpriseData messages: streamed, namespace-agnostic, one object at a time.

``iter_objects(path)`` yields ``EDObject`` for every object of the Body whose type we
know; its ``data`` is a plain dict (below), or ``error`` says in plain words why the
object cannot be read (the rest of the message still is). Field names follow the format:
which of them are verified and which come from memory is listed in
rapport/exchange/onec/enterprisedata/README.md.

References (``Контрагент``, ``Номенклатура``, ``Организация``...) hold the referenced
object's key properties directly; a ``КлючевыеСвойства`` wrapper inside is accepted too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from rapport.exchange.onec import xml

COUNTERPARTY = "Справочник.Контрагенты"
CONTACT = "Справочник.КонтактныеЛица"
PRODUCT = "Справочник.Номенклатура"
INVOICE = "Документ.СчетНаОплатуПокупателю"
BANK_PAYMENT = "Документ.ПБДСРасчетыСКонтрагентами"
CASH_PAYMENT = "Документ.ПКОРасчетыСКонтрагентами"
PAYMENTS = (BANK_PAYMENT, CASH_PAYMENT)
KNOWN_TYPES = (COUNTERPARTY, CONTACT, PRODUCT, INVOICE, BANK_PAYMENT, CASH_PAYMENT)

LEGAL_ENTITY = "ЮридическоеЛицо"
PRIVATE_PERSON = "ФизическоеЛицо"

# ВидКонтактнойИнформации -> (channel, type)
CONTACT_KINDS = {
    "Телефон": ("phone", ""),
    "ТелефонРабочий": ("phone", "work"),
    "ТелефонМобильный": ("phone", "mobile"),
    "Факс": ("phone", "fax"),
    "АдресЭлектроннойПочты": ("email", ""),
    "ЮридическийАдрес": ("address", "legal"),
    "ФактическийАдрес": ("address", "actual"),
    "ПочтовыйАдрес": ("address", "postal"),
    "АдресДоставки": ("address", "delivery"),
    "ВебСтраница": ("website", ""),
}


class ObjectError(ValueError):
    """One object of the message cannot be read; the message is for a person."""


@dataclass
class EDObject:
    type: str
    ref: str = ""
    label: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    error: str = ""


# --- small readers --------------------------------------------------------------------


def _first(*elements: Any) -> Any:
    """The first element that is there (lxml elements without children are falsy)."""
    return next((e for e in elements if e is not None), None)


def _keys(el: Any) -> Any:
    """The key properties of an object or a reference."""
    return (
        xml.child(el, "КлючевыеСвойства") if xml.child(el, "КлючевыеСвойства") is not None else el
    )


def reference(el: Any) -> dict[str, str]:
    """A reference's key properties as {local name: text} (one level)."""
    if el is None:
        return {}
    keys = _keys(el)
    found = {xml.local(c): xml.text(c) for c in keys if len(c) == 0}
    # A nested classifier block (currencies, units): ДанныеКлассификатора{Код, Наименование}
    classifier = xml.child(keys, "ДанныеКлассификатора")
    if classifier is not None:
        for c in classifier:
            found.setdefault(xml.local(c), xml.text(c))
    return found


def decimal(value: str, *, what: str, obj: str) -> Decimal:
    text = (value or "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ObjectError(
            _("%(object)s: %(field)s “%(value)s” is not a number.")
            % {"object": obj, "field": what, "value": value[:50]}
        ) from None
    if not number.is_finite():
        raise ObjectError(
            _("%(object)s: %(field)s “%(value)s” is not a number.")
            % {"object": obj, "field": what, "value": value[:50]}
        )
    return number


def day(value: str, *, what: str, obj: str) -> date:
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        raise ObjectError(
            _("%(object)s: %(field)s “%(value)s” is not a date.")
            % {"object": obj, "field": what, "value": value[:50]}
        ) from None


_VAT = re.compile(r"^(?:НДС)?\s*(\d+(?:[.,]\d+)?)\s*%?(?:_\d+)?$", re.IGNORECASE)


def vat_rate(value: str, *, obj: str) -> Decimal | None:
    """ED's VAT enumeration (``НДС20``, ``НДС10_110``, ``БезНДС``) as a percentage."""
    text = (value or "").strip()
    if not text or text.replace(" ", "").lower() in ("безндс", "без ндс"):
        return None
    found = _VAT.match(text)
    if not found:
        raise ObjectError(
            _("%(object)s: VAT rate “%(value)s” is not one the exchange knows.")
            % {"object": obj, "value": text[:30]}
        )
    return Decimal(found.group(1).replace(",", "."))


def _required(value: str, *, what: str, obj: str) -> str:
    if not value:
        raise ObjectError(_("%(object)s has no %(field)s.") % {"object": obj, "field": what})
    return value


def contact_rows(el: Any) -> dict[str, list[dict[str, str]]]:
    """``КонтактнаяИнформация/Строка`` rows as phones, emails, websites and addresses."""
    out: dict[str, list[dict[str, str]]] = {
        "phones": [],
        "emails": [],
        "websites": [],
        "addresses": [],
    }
    for row in xml.children(xml.child(el, "КонтактнаяИнформация"), "Строка"):
        kind = xml.text(row, "ВидКонтактнойИнформации")
        shown = xml.text(row, "Представление")
        if not shown:
            shown = _presentation(xml.text(row, "ЗначенияПолей"))
        if not shown:
            continue
        channel, type_ = CONTACT_KINDS.get(kind, ("", ""))
        if channel == "phone":
            out["phones"].append({"value": shown, "type": type_})
        elif channel == "email":
            out["emails"].append({"value": shown, "type": type_})
        elif channel == "website":
            out["websites"].append({"value": shown, "type": type_})
        elif channel == "address":
            out["addresses"].append({"type": type_, "street": shown})
    return out


def _presentation(fields_xml: str) -> str:
    """The ``Представление`` attribute of a contact-information XML string [mem]."""
    if not fields_xml.strip().startswith("<"):
        return fields_xml.strip()
    try:
        root = xml.parse_bytes(fields_xml.encode("utf-8"), name="ЗначенияПолей")
    except xml.XmlRefused:
        return ""
    return (root.get("Представление") or "").strip()


# --- objects --------------------------------------------------------------------------


def counterparty(el: Any) -> EDObject:
    keys = _keys(el)
    ref = xml.text(keys, "Ссылка")
    name = xml.text(keys, "Наименование")
    obj = _("Counterparty “%(name)s”") % {"name": name or ref}
    _required(ref, what="Ссылка", obj=obj)
    _required(name, what=_("name (Наименование)"), obj=obj)
    kind_text = xml.text(keys, "ЮридическоеФизическоеЛицо")
    if kind_text and kind_text not in (LEGAL_ENTITY, PRIVATE_PERSON):
        raise ObjectError(
            _("%(object)s: ЮридическоеФизическоеЛицо “%(value)s” is neither %(a)s nor %(b)s.")
            % {"object": obj, "value": kind_text[:40], "a": LEGAL_ENTITY, "b": PRIVATE_PERSON}
        )
    data = {
        "name": name,
        "legal_name": xml.text(keys, "НаименованиеПолное"),
        "tax_id": xml.text(keys, "ИНН"),
        "kpp": xml.text(keys, "КПП"),
        "kind": "person" if kind_text == PRIVATE_PERSON else "company",
        **contact_rows(el),
    }
    return EDObject(COUNTERPARTY, ref=ref, label=name, data=data)


def _owner(el: Any) -> dict[str, str]:
    return reference(_first(xml.child(el, "Владелец"), xml.child(el, "ОбъектВладелец")))


def contact_person(el: Any) -> EDObject:
    keys = _keys(el)
    ref = xml.text(keys, "Ссылка")
    full = xml.text(keys, "Наименование")
    fio = xml.child(el, "ФИО")
    last = xml.text(fio if fio is not None else el, "Фамилия")
    first = xml.text(fio if fio is not None else el, "Имя")
    middle = xml.text(fio if fio is not None else el, "Отчество")
    if not last and full:
        parts = full.split()
        last, first, middle = [*parts, "", "", ""][:3] if len(parts) <= 3 else (full, "", "")
    obj = _("Contact person “%(name)s”") % {"name": full or last or ref}
    _required(ref, what="Ссылка", obj=obj)
    _required(last, what=_("last name (Фамилия)"), obj=obj)
    contacts = contact_rows(el)
    data = {
        "last_name": last,
        "first_name": first,
        "middle_name": middle,
        "position": xml.text(el, "Должность"),
        "owner": _owner(el),
        "phones": contacts["phones"],
        "emails": contacts["emails"],
    }
    return EDObject(CONTACT, ref=ref, label=full or last, data=data)


def product(el: Any) -> EDObject:
    keys = _keys(el)
    ref = xml.text(keys, "Ссылка")
    name = xml.text(keys, "Наименование") or xml.text(keys, "НаименованиеПолное")
    obj = _("Product “%(name)s”") % {"name": name or ref}
    _required(ref, what="Ссылка", obj=obj)
    _required(name, what=_("name (Наименование)"), obj=obj)
    unit = reference(xml.child(el, "ЕдиницаИзмерения"))
    data = {
        "name": name,
        "full_name": xml.text(keys, "НаименованиеПолное"),
        "sku": xml.text(keys, "Артикул") or xml.text(el, "Артикул"),
        "unit_code": unit.get("Код", ""),
        "unit_name": unit.get("Наименование", ""),
        "unit_full_name": unit.get("НаименованиеПолное", ""),
        "vat_rate": vat_rate(xml.text(el, "СтавкаНДС"), obj=obj),
        "description": xml.text(el, "Описание"),
        "is_service": xml.text(el, "ТипНоменклатуры") == "Услуга"
        or xml.text(keys, "ТипНоменклатуры") == "Услуга",
    }
    return EDObject(PRODUCT, ref=ref, label=name, data=data)


def _document_keys(el: Any, what: str) -> tuple[str, dict[str, Any], str]:
    keys = _keys(el)
    ref = xml.text(keys, "Ссылка")
    number = xml.text(keys, "Номер")
    obj = _("%(document)s № %(number)s") % {"document": what, "number": number or ref}
    _required(ref, what="Ссылка", obj=obj)
    data = {
        "number": number,
        "date": day(
            _required(xml.text(keys, "Дата"), what=_("date (Дата)"), obj=obj),
            what=_("date (Дата)"),
            obj=obj,
        ),
        "organisation": reference(
            _first(xml.child(keys, "Организация"), xml.child(el, "Организация"))
        ),
    }
    return ref, data, obj


def _currency(el: Any) -> dict[str, str]:
    return reference(xml.child(el, "Валюта"))


def invoice(el: Any) -> EDObject:
    ref, data, obj = _document_keys(el, _("Invoice for payment"))
    counterparty_ref = reference(xml.child(el, "Контрагент"))
    if not counterparty_ref:
        raise ObjectError(_("%(object)s has no counterparty (Контрагент).") % {"object": obj})
    lines = []
    for table in ("Товары", "Услуги"):
        for n, row in enumerate(xml.children(xml.child(el, table), "Строка"), start=1):
            where = _("%(object)s, %(table)s line %(n)s") % {"object": obj, "table": table, "n": n}
            lines.append(
                {
                    "product": reference(xml.child(row, "Номенклатура")),
                    "description": xml.text(row, "Содержание"),
                    "quantity": decimal(
                        xml.text(row, "Количество") or "1", what="Количество", obj=where
                    ),
                    "price": decimal(xml.text(row, "Цена") or "0", what="Цена", obj=where),
                    "amount": decimal(xml.text(row, "Сумма") or "0", what="Сумма", obj=where),
                    "vat_rate": vat_rate(xml.text(row, "СтавкаНДС"), obj=where),
                    "vat_amount": decimal(
                        xml.text(row, "СуммаНДС") or "0", what="СуммаНДС", obj=where
                    ),
                }
            )
    data.update(
        {
            "counterparty": counterparty_ref,
            "currency": _currency(el),
            "total": decimal(xml.text(el, "СуммаДокумента") or "0", what="СуммаДокумента", obj=obj),
            "prices_include_vat": xml.text(el, "СуммаВключаетНДС").lower()
            in ("true", "1", "истина"),
            "comment": xml.text(el, "Комментарий"),
            "lines": lines,
        }
    )
    return EDObject(INVOICE, ref=ref, label=str(obj), data=data)


def payment(el: Any, type_: str) -> EDObject:
    what = _("Bank receipt") if type_ == BANK_PAYMENT else _("Cash receipt")
    ref, data, obj = _document_keys(el, what)
    counterparty_ref = reference(xml.child(el, "Контрагент"))
    if not counterparty_ref:
        raise ObjectError(_("%(object)s has no counterparty (Контрагент).") % {"object": obj})
    total = decimal(
        _required(xml.text(el, "СуммаДокумента"), what=_("amount (СуммаДокумента)"), obj=obj),
        what="СуммаДокумента",
        obj=obj,
    )
    rows = []
    for n, row in enumerate(xml.children(xml.child(el, "РасшифровкаПлатежа"), "Строка"), start=1):
        where = _("%(object)s, payment line %(n)s") % {"object": obj, "n": n}
        document = None
        for name in ("ДокументРасчетов", "СчетНаОплату", "Счет", "ДокументРасчетовСКонтрагентом"):
            document = xml.child(row, name)
            if document is not None:
                break
        rows.append(
            {
                "amount": decimal(
                    _required(xml.text(row, "Сумма"), what="Сумма", obj=where),
                    what="Сумма",
                    obj=where,
                ),
                "invoice": reference(document),
            }
        )
    data.update(
        {
            "counterparty": counterparty_ref,
            "currency": _currency(el),
            "amount": total,
            "method": "bank" if type_ == BANK_PAYMENT else "cash",
            "purpose": xml.text(el, "НазначениеПлатежа"),
            "rows": rows,
        }
    )
    return EDObject(type_, ref=ref, label=str(obj), data=data)


PARSERS = {
    COUNTERPARTY: counterparty,
    CONTACT: contact_person,
    PRODUCT: product,
    INVOICE: invoice,
    BANK_PAYMENT: lambda el: payment(el, BANK_PAYMENT),
    CASH_PAYMENT: lambda el: payment(el, CASH_PAYMENT),
}


def parse_object(el: Any) -> EDObject:
    type_ = xml.local(el)
    try:
        return PARSERS[type_](el)
    except ObjectError as exc:
        keys = _keys(el)
        ref = xml.text(keys, "Ссылка")
        label = xml.text(keys, "Наименование") or xml.text(keys, "Номер") or ref
        return EDObject(type_, ref=ref, label=label, error=str(exc))


def iter_objects(
    source: str | Path | IO[bytes], *, types: tuple[str, ...] = KNOWN_TYPES, name: str = ""
) -> Iterator[EDObject]:
    """Every object of the known ``types`` in the message's Body, in document order."""
    for el in xml.iter_elements(source, types, name=name):
        parent = el.getparent()
        if parent is None or xml.local(parent) != "Body":
            continue  # a nested element that happens to share a type's name
        yield parse_object(el)
