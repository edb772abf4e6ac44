"""The counterparty (``Контрагент``) of CommerceML documents: read one into a client's
values, write one for an order.

Reading is tolerant of what sites and old 1C versions really send: legal-entity or
person requisites (XSD choice ``РеквизитыЮрЛица`` / ``РеквизитыФизЛица``), the address
under ``Адрес``, ``ЮридическийАдрес`` or ``АдресРегистрации``, contacts directly under
``Контрагент`` or (a CS-Cart quirk) inside ``АдресРегистрации``, representatives in the
2.08 form (``Представитель{Ид, Наименование, ..., Отношение}``) or the older Bitrix one
(``Представитель/Контрагент{Отношение, Ид, Наименование}``), and Bitrix's ``Ид`` of the
form ``<user id>#<login>#<name>`` when the name itself is empty.

Writing follows the 2.08 XSD order so that 1C (and the XSD) accept the result: phones and
e-mails in ``Контакты`` directly under ``Контрагент``; ``Роль`` after ``Представители``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from rapport.exchange.onec.xml import child, children, local, text

# --- reading ------------------------------------------------------------------------------

_LEGAL_FIELDS = ("ОфициальноеНаименование", "ЮридическийАдрес", "КПП", "ОКПО", "РасчетныеСчета")
_PERSON_FIELDS = ("ПолноеНаименование", "Фамилия", "Имя", "Отчество", "АдресРегистрации")

# Names 1C and sites give countries -> ISO 3166 codes (the CRM stores two letters).
_COUNTRIES = {
    "россия": "RU",
    "российская федерация": "RU",
    "рф": "RU",
    "russia": "RU",
    "russian federation": "RU",
    "беларусь": "BY",
    "республика беларусь": "BY",
    "belarus": "BY",
    "казахстан": "KZ",
    "республика казахстан": "KZ",
    "kazakhstan": "KZ",
    "украина": "UA",
    "ukraine": "UA",
    "україна": "UA",
    "польша": "PL",
    "poland": "PL",
    "polska": "PL",
    "германия": "DE",
    "germany": "DE",
    "армения": "AM",
    "узбекистан": "UZ",
    "кыргызстан": "KG",
    "киргизия": "KG",
    "грузия": "GE",
    "молдова": "MD",
    "латвия": "LV",
    "литва": "LT",
    "эстония": "EE",
    "китай": "CN",
}
_ISO_FOR_NAME = {"RU": "Россия", "BY": "Беларусь", "KZ": "Казахстан", "UA": "Украина"}

_ADDRESS_TYPES = {
    "Адрес": "actual",
    "ЮридическийАдрес": "legal",
    "АдресРегистрации": "legal",
}


@dataclass
class ContactValues:
    """A contact person (``Представитель``) of a counterparty."""

    external_id: str
    name: str
    last_name: str
    first_name: str = ""
    middle_name: str = ""
    phones: list[dict[str, str]] = field(default_factory=list)
    emails: list[dict[str, str]] = field(default_factory=list)

    def values(self) -> dict[str, Any]:
        return {
            "last_name": self.last_name,
            "first_name": self.first_name,
            "middle_name": self.middle_name,
            "phones": self.phones,
            "emails": self.emails,
        }


@dataclass
class CounterpartyValues:
    """What a ``Контрагент`` says, in the shape of a client's values."""

    external_id: str
    kind: str
    name: str
    legal_name: str = ""
    tax_id: str = ""
    kpp: str = ""
    role: str = ""
    phones: list[dict[str, str]] = field(default_factory=list)
    emails: list[dict[str, str]] = field(default_factory=list)
    addresses: list[dict[str, str]] = field(default_factory=list)
    contacts: list[ContactValues] = field(default_factory=list)

    def values(self) -> dict[str, Any]:
        """The client's fields for ``run.upsert(target="client", ...)``.

        Empty lists are left out: a document that says nothing about the phones does not
        mean "the client has no phones" (site orders usually carry none)."""
        result: dict[str, Any] = {"kind": self.kind, "name": self.name}
        for name in ("legal_name", "tax_id", "kpp"):
            value = getattr(self, name)
            if value:
                result[name] = value
        for name in ("phones", "emails", "addresses"):
            value = getattr(self, name)
            if value:
                result[name] = value
        return result

    def as_dict(self) -> dict[str, Any]:
        """Everything read, contact persons included (for callers and tests)."""
        return {
            **self.values(),
            "external_id": self.external_id,
            "contacts": [{"external_id": c.external_id, **c.values()} for c in self.contacts],
        }


def _clean(value: str, limit: int = 300) -> str:
    return re.sub(r"\s+", " ", value or "").strip()[:limit]


def bitrix_id_parts(external_id: str) -> tuple[str, str]:
    """(login, name) from Bitrix's ``<user id>#<login>#<name>``; ("", "") otherwise."""
    parts = (external_id or "").split("#")
    if len(parts) >= 3 and parts[0].strip().isdigit():
        return parts[1].strip(), "#".join(parts[2:]).strip()
    return "", ""


def country_code(value: str) -> str:
    """The ISO code of a country 1C names ("Российская Федерация" -> "RU"); "" if unknown."""
    cleaned = _clean(value).lower()
    if len(cleaned) == 2 and cleaned.isalpha() and cleaned.isascii():
        return cleaned.upper()
    return _COUNTRIES.get(cleaned, "")


def _contact_kind(kind: str) -> tuple[str, str] | None:
    """(channel field, type) for a ``Контакт/Тип``; None for what the CRM does not keep."""
    lowered = kind.lower().replace(" ", "")
    if "почт" in lowered or "mail" in lowered:
        return "emails", ""
    if "факс" in lowered:
        return "phones", "fax"
    if "телефон" in lowered or "phone" in lowered or "пейджер" in lowered:
        if "моб" in lowered:
            return "phones", "mobile"
        if "дом" in lowered:
            return "phones", "home"
        if "раб" in lowered or "внутр" in lowered:
            return "phones", "work"
        return "phones", ""
    return None


def read_contacts(element: Any) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Phones and e-mails of a ``Контакты`` element (either spelling of the types)."""
    phones: list[dict[str, str]] = []
    emails: list[dict[str, str]] = []
    for contact in children(element, "Контакт"):
        kind = _contact_kind(text(contact, "Тип"))
        value = _clean(text(contact, "Значение"))
        if kind is None or not value:
            continue
        target = phones if kind[0] == "phones" else emails
        if all(item["value"] != value for item in target):
            target.append({"value": value, "type": kind[1]})
    return phones, emails


def read_address(element: Any, kind: str) -> dict[str, str] | None:
    """One address (``Представление`` + ``АдресноеПоле``) as the CRM's address fields."""
    if element is None:
        return None
    parts: dict[str, str] = {}
    for item in children(element, "АдресноеПоле"):
        name, value = text(item, "Тип"), _clean(text(item, "Значение"))
        if value:
            parts.setdefault(name, value)
    street = ", ".join(
        p
        for p in (
            parts.get("Улица", ""),
            parts.get("Дом", ""),
            parts.get("Корпус", ""),
            parts.get("Квартира", ""),
        )
        if p
    )
    presentation = _clean(text(element, "Представление"))
    country_name = parts.get("Страна", "")
    row = {
        "type": kind,
        "country": country_code(country_name),
        "postal_code": parts.get("Почтовый индекс", "")[:20],
        "region": (parts.get("Регион") or parts.get("Район") or "")[:100],
        "city": (parts.get("Город") or parts.get("Населенный пункт") or "")[:100],
        "street": street[:300],
    }
    if not row["street"] and presentation:
        # Only the one-line form: keep it whole rather than guess its parts.
        row["street"] = presentation[:300]
    if country_name and not row["country"] and row["street"] != presentation:
        row["street"] = ", ".join(p for p in (row["street"], country_name) if p)[:300]
    if not any(row[f] for f in ("country", "postal_code", "region", "city", "street")):
        return None
    return row


def _split_name(full: str) -> tuple[str, str, str]:
    """A contact's (last, first, middle) from one string: kept whole as the last name
    (sites write "Имя Фамилия", 1C "Фамилия Имя Отчество": guessing would swap them)."""
    return _clean(full, 100), "", ""


def _read_representative(element: Any, owner_id: str, position: int) -> ContactValues | None:
    # 2.03 (Bitrix): Представитель/Контрагент{Отношение, Ид, Наименование}; 2.08: flat.
    inner = child(element, "Контрагент")
    node = inner if inner is not None else element
    relation = text(node, "Отношение")
    if relation and "контакт" not in relation.lower():
        return None
    name = _clean(text(node, "Наименование") or text(node, "ПолноеНаименование"))
    last = _clean(text(node, "Фамилия"), 100)
    first = _clean(text(node, "Имя"), 100)
    middle = _clean(text(node, "Отчество"), 100)
    if not last:
        if first or middle:
            last, first, middle = first, "", middle
        else:
            last, first, middle = _split_name(name)
    if not last:
        return None
    phones, emails = read_contacts(child(node, "Контакты"))
    external_id = _clean(text(node, "Ид"), 200)
    if not external_id:
        external_id = f"{owner_id}#contact#{position}"
    elif external_id == owner_id:
        # CS-Cart names the buyer itself as its contact person, with the same Ид.
        external_id = f"{owner_id}#contact"
    return ContactValues(
        external_id=external_id,
        name=name or " ".join(p for p in (last, first, middle) if p),
        last_name=last,
        first_name=first,
        middle_name=middle,
        phones=phones,
        emails=emails,
    )


def parse_counterparty(element: Any) -> CounterpartyValues | None:
    """The client values of a ``Контрагент``; None when it names nobody at all."""
    external_id = _clean(text(element, "Ид"), 200)
    present = {local(c) for c in element}
    legal_name = _clean(text(element, "ОфициальноеНаименование"), 500)
    full_name = _clean(text(element, "ПолноеНаименование"), 500)
    tax_id = re.sub(r"\s+", "", text(element, "ИНН"))[:32]
    kpp = re.sub(r"\s+", "", text(element, "КПП"))[:16]
    is_legal = bool(legal_name) or any(f in present for f in _LEGAL_FIELDS[1:] if f != "КПП")
    if not is_legal and kpp and len(tax_id) == 10:
        is_legal = True  # an INN of 10 digits with a KPP is an organisation's
    if not is_legal and not any(f in present for f in _PERSON_FIELDS) and tax_id:
        is_legal = len(tax_id) == 10
    kind = "company" if is_legal else "person"

    last = _clean(text(element, "Фамилия"), 100)
    first = _clean(text(element, "Имя"), 100)
    middle = _clean(text(element, "Отчество"), 100)
    person_name = " ".join(p for p in (last, first, middle) if p)
    login, id_name = bitrix_id_parts(external_id)
    name = _clean(text(element, "Наименование"))
    name = name or (legal_name if is_legal else full_name) or person_name or id_name or login
    name = name or full_name or legal_name
    if not name:
        return None

    phones, emails = read_contacts(child(element, "Контакты"))
    addresses: list[dict[str, str]] = []
    for tag, address_type in _ADDRESS_TYPES.items():
        holder = child(element, tag)
        row = read_address(holder, address_type)
        if row is not None and row not in addresses:
            addresses.append(row)
        # CS-Cart: the buyer's contacts inside АдресРегистрации.
        more_phones, more_emails = read_contacts(child(holder, "Контакты"))
        for item in more_phones:
            if all(p["value"] != item["value"] for p in phones):
                phones.append(item)
        for item in more_emails:
            if all(e["value"] != item["value"] for e in emails):
                emails.append(item)

    contacts: list[ContactValues] = []
    for position, rep in enumerate(
        children(child(element, "Представители"), "Представитель"), start=1
    ):
        contact = _read_representative(rep, external_id or name, position)
        if contact is not None and all(c.external_id != contact.external_id for c in contacts):
            contacts.append(contact)

    return CounterpartyValues(
        external_id=external_id,
        kind=kind,
        name=name[:300],
        legal_name=(legal_name or (full_name if full_name != name else ""))[:500],
        tax_id=tax_id,
        kpp=kpp,
        role=_clean(text(element, "Роль"), 50),
        phones=phones,
        emails=emails,
        addresses=addresses,
        contacts=contacts,
    )


# --- writing ------------------------------------------------------------------------------

_PHONE_TYPES = {
    "mobile": "Телефон мобильный",
    "home": "Телефон домашний",
    "fax": "Факс",
    "work": "Телефон рабочий",
}
_CONTACT_LIMIT = 255


@dataclass
class PartyOut:
    """What is written about a client (already limited to what the actor may see)."""

    id: str
    kind: str
    name: str
    legal_name: str = ""
    tax_id: str = ""
    kpp: str = ""
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    phones: list[tuple[str, str]] = field(default_factory=list)  # (type, value)
    emails: list[str] = field(default_factory=list)
    websites: list[str] = field(default_factory=list)
    addresses: list[dict[str, str]] = field(default_factory=list)
    contacts: list[PartyOut] = field(default_factory=list)


def _sub(parent: Any, ns: str, name: str, value: str | None = None, **attrs: str) -> Any:
    element = etree.SubElement(parent, f"{{{ns}}}{name}" if ns else name, attrs or {})
    if value is not None:
        element.text = value
    return element


def _address_presentation(row: dict[str, str]) -> str:
    country = _ISO_FOR_NAME.get(row.get("country", ""), row.get("country", ""))
    parts = (row.get("postal_code"), country, row.get("region"), row.get("city"), row.get("street"))
    return ", ".join(p for p in parts if p)[:255]


def write_address(parent: Any, ns: str, tag: str, row: dict[str, str]) -> Any:
    element = _sub(parent, ns, tag)
    _sub(element, ns, "Представление", _address_presentation(row))
    fields = (
        ("Почтовый индекс", row.get("postal_code", "")),
        ("Страна", _ISO_FOR_NAME.get(row.get("country", ""), row.get("country", ""))),
        ("Регион", row.get("region", "")),
        ("Город", row.get("city", "")),
        ("Улица", row.get("street", "")),
    )
    for kind, value in fields:
        if value:
            item = _sub(element, ns, "АдресноеПоле")
            _sub(item, ns, "Тип", kind)
            _sub(item, ns, "Значение", value[:255])
    return element


def _write_contacts(parent: Any, ns: str, party: PartyOut) -> None:
    rows = [(_PHONE_TYPES.get(kind, "Телефон рабочий"), value) for kind, value in party.phones]
    rows += [("Почта", value) for value in party.emails]
    rows += [("ВебСайт", value) for value in party.websites]
    if not rows:
        return
    holder = _sub(parent, ns, "Контакты")
    for kind, value in rows:
        item = _sub(holder, ns, "Контакт")
        _sub(item, ns, "Тип", kind)
        _sub(item, ns, "Значение", value[:_CONTACT_LIMIT])


def _tax_ids(parent: Any, ns: str, party: PartyOut) -> None:
    # The XSD allows 10-12 characters for the INN and exactly 9 for the KPP.
    tax_id = re.sub(r"[\s-]", "", party.tax_id)
    if 10 <= len(tax_id) <= 12:
        _sub(parent, ns, "ИНН", tax_id)
    kpp = re.sub(r"\s", "", party.kpp)
    if len(kpp) == 9:
        _sub(parent, ns, "КПП", kpp)


def _person_requisites(parent: Any, ns: str, party: PartyOut) -> None:
    _sub(parent, ns, "ПолноеНаименование", (party.legal_name or party.name)[:255])
    for tag, value in (
        ("Фамилия", party.last_name),
        ("Имя", party.first_name),
        ("Отчество", party.middle_name),
    ):
        if value:
            _sub(parent, ns, tag, value[:255])


def write_counterparty(parent: Any, ns: str, party: PartyOut, *, role: str = "Покупатель") -> Any:
    """Append a ``Контрагент`` of a document (2.08 XSD order) to ``parent``."""
    element = _sub(parent, ns, "Контрагент")
    _sub(element, ns, "Ид", party.id[:40])
    _sub(element, ns, "Наименование", party.name[:255])
    legal = [a for a in party.addresses if a.get("type") == "legal"]
    other = [a for a in party.addresses if a.get("type") != "legal"]
    if party.kind == "company":
        _sub(element, ns, "ОфициальноеНаименование", (party.legal_name or party.name)[:255])
        if legal:
            write_address(element, ns, "ЮридическийАдрес", legal[0])
        _tax_ids(element, ns, party)
    else:
        _person_requisites(element, ns, party)
        _tax_ids(element, ns, party)
        if legal:
            write_address(element, ns, "АдресРегистрации", legal[0])
    actual = (other or legal)[:1]
    if actual:
        write_address(element, ns, "Адрес", actual[0])
    _write_contacts(element, ns, party)
    if party.contacts:
        holder = _sub(element, ns, "Представители")
        for contact in party.contacts:
            rep = _sub(holder, ns, "Представитель")
            _sub(rep, ns, "Ид", contact.id[:40])
            _sub(rep, ns, "Наименование", contact.name[:255])
            _person_requisites(rep, ns, contact)
            _write_contacts(rep, ns, contact)
            _sub(rep, ns, "Отношение", "Контактное лицо")
    _sub(element, ns, "Роль", role)
    return element


def party_from_client(
    client: Any,
    *,
    external_id: str,
    kpp: str = "",
    details: bool = True,
    contacts: Iterable[Any] = (),
    contact_ids: dict[str, str] | None = None,
) -> PartyOut:
    """A client (and its contact persons) as written to 1C.

    ``details`` False (a confidential client the exchange user may not see the details of)
    leaves out phones, e-mails and addresses."""
    points = list(client.contact_points.all()) if details else []
    addresses = (
        [
            {
                "type": a.type,
                "country": a.country,
                "postal_code": a.postal_code,
                "region": a.region,
                "city": a.city,
                "street": a.street,
            }
            for a in client.addresses.all()
        ]
        if details
        else []
    )
    last = first = middle = ""
    if client.kind != "company":
        bits = client.name.split()
        # The CRM keeps a person's name in one field: 1C's order is Фамилия Имя Отчество.
        if len(bits) >= 2:
            last, first, middle = bits[0], bits[1], " ".join(bits[2:])
        else:
            last = client.name
    party = PartyOut(
        id=external_id,
        kind="company" if client.kind == "company" else "person",
        name=client.name,
        legal_name=client.legal_name,
        tax_id=client.tax_id,
        kpp=kpp,
        last_name=last,
        first_name=first,
        middle_name=middle,
        phones=[(p.type, p.value) for p in points if p.channel == "phone"],
        emails=[p.value for p in points if p.channel == "email"],
        websites=[p.value for p in points if p.channel == "website"],
        addresses=addresses,
    )
    for contact in contacts:
        contact_points = list(contact.contact_points.all()) if details else []
        full = " ".join(
            p for p in (contact.last_name, contact.first_name, contact.middle_name) if p
        )
        party.contacts.append(
            PartyOut(
                id=(contact_ids or {}).get(str(contact.pk)) or str(contact.pk),
                kind="person",
                name=full or str(contact),
                last_name=contact.last_name,
                first_name=contact.first_name,
                middle_name=contact.middle_name,
                phones=[(p.type, p.value) for p in contact_points if p.channel == "phone"],
                emails=[p.value for p in contact_points if p.channel == "email"],
            )
        )
    return party
