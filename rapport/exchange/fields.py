"""The columns of client and contact-person files: what exports write and imports read.

One catalogue for both directions, so that a file exported from Rapport imports back
unchanged. Header aliases (English, Russian, Polish, and what common exports of other
systems call the column) are compared after ``header_key`` folding.

User-defined properties are columns too: ``prop.<code>``, headed by the property's label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Several values in one cell (phones, e-mails, categories) are separated by this.
LIST_SEPARATOR = "; "
PROPERTY_PREFIX = "prop."


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    aliases: tuple[str, ...] = ()
    # A cell may hold several values separated by ``LIST_SEPARATOR`` (or , ; newline).
    many: bool = False
    # Hidden from users who cannot see the details of a confidential (VIP) record.
    confidential: bool = False


CLIENT_COLUMNS: tuple[Column, ...] = (
    Column("id", _("Rapport id"), ("rapport id", "uuid")),
    Column(
        "external_id",
        _("External id"),
        ("external id", "ext id", "1c id", "ид", "код", "внешний id", "identyfikator zewnętrzny"),
    ),
    Column("kind", _("Kind"), ("type", "вид", "тип", "rodzaj", "typ")),
    Column(
        "name",
        _("Name"),
        (
            "company",
            "company name",
            "client",
            "customer",
            "account name",
            "organization",
            "organisation",
            "наименование",
            "название",
            "клиент",
            "контрагент",
            "организация",
            "nazwa",
            "firma",
            "klient",
            "kontrahent",
        ),
    ),
    Column(
        "legal_name",
        _("Full legal name"),
        ("legal name", "полное наименование", "юридическое наименование", "pełna nazwa"),
    ),
    Column(
        "tax_id",
        _("Tax id"),
        ("inn", "инн", "nip", "vat", "vat id", "vat number", "tax number", "ИНН", "regon"),
    ),
    Column(
        "legal_form",
        _("Legal form"),
        ("правовая форма", "организационно-правовая форма", "опф", "forma prawna"),
    ),
    Column(
        "status",
        _("Relationship status"),
        ("status", "статус", "состояние", "статус отношений", "status relacji"),
    ),
    Column(
        "manager",
        _("Manager"),
        (
            "owner",
            "account owner",
            "responsible",
            "менеджер",
            "ответственный",
            "opiekun",
            "handlowiec",
        ),
    ),
    Column("department", _("Department"), ("подразделение", "отдел", "dział")),
    Column("source", _("Source"), ("lead source", "источник", "źródło")),
    Column(
        "tags",
        _("Categories"),
        ("category", "categories", "tags", "категория", "категории", "kategoria", "kategorie"),
        many=True,
    ),
    Column(
        "is_confidential",
        _("Confidential (VIP)"),
        ("vip", "confidential", "конфиденциальный", "poufny"),
    ),
    Column(
        "phones",
        _("Phones"),
        (
            "phone",
            "telephone",
            "tel",
            "mobile",
            "business phone",
            "телефон",
            "телефоны",
            "мобильный",
            "telefon",
            "telefony",
            "komórka",
        ),
        many=True,
        confidential=True,
    ),
    Column(
        "emails",
        _("E-mails"),
        ("email", "e-mail", "mail", "email address", "почта", "эл. почта", "электронная почта"),
        many=True,
        confidential=True,
    ),
    Column(
        "websites",
        _("Web sites"),
        ("website", "web site", "web", "url", "сайт", "strona", "strona www"),
        many=True,
        confidential=True,
    ),
    Column(
        "address",
        _("Address"),
        ("адрес", "юридический адрес", "фактический адрес", "adres", "business address"),
        confidential=True,
    ),
    Column(
        "notes", _("Notes"), ("note", "comment", "comments", "примечание", "комментарий", "uwagi")
    ),
)

CONTACT_COLUMNS: tuple[Column, ...] = (
    Column("id", _("Rapport id"), ("rapport id", "uuid")),
    Column("external_id", _("External id"), ("external id", "ext id", "1c id", "ид", "код")),
    Column(
        "last_name",
        _("Last name"),
        ("surname", "family name", "фамилия", "nazwisko"),
    ),
    Column("first_name", _("First name"), ("given name", "имя", "imię", "imie")),
    Column("middle_name", _("Middle name"), ("additional name", "отчество", "drugie imię")),
    Column(
        "client",
        _("Client"),
        ("company", "organization", "organisation", "клиент", "организация", "firma", "klient"),
    ),
    Column(
        "client_tax_id",
        _("Client tax id"),
        ("company tax id", "инн клиента", "инн организации", "nip firmy"),
    ),
    Column("position", _("Position"), ("job title", "title", "должность", "stanowisko")),
    Column("birthday", _("Birthday"), ("birth date", "дата рождения", "день рождения", "urodziny")),
    Column(
        "phones",
        _("Phones"),
        ("phone", "mobile", "mobile phone", "телефон", "мобильный", "telefon", "komórka"),
        many=True,
        confidential=True,
    ),
    Column(
        "emails",
        _("E-mails"),
        ("email", "e-mail", "e-mail address", "почта", "электронная почта"),
        many=True,
        confidential=True,
    ),
    Column("notes", _("Notes"), ("note", "comment", "примечание", "комментарий", "uwagi")),
)

TARGET_COLUMNS: dict[str, tuple[Column, ...]] = {
    "clients": CLIENT_COLUMNS,
    "contacts": CONTACT_COLUMNS,
}

_NON_WORD = re.compile(r"[\s_\-.:/()*]+")


def header_key(text: str) -> str:
    """A header folded for matching: lower case, no punctuation or repeated spaces."""
    return _NON_WORD.sub(" ", str(text or "")).strip().casefold()


def property_column_key(code: str) -> str:
    return f"{PROPERTY_PREFIX}{code}"
