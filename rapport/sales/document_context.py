"""What a deal offers document templates (commercial offers, contracts): the placeholders
``organisation``, ``client``, ``contact``, ``deal``, ``lines``, ``totals`` and ``today``.

``register()`` makes deals a documents target ("sales.deal"); SalesConfig.ready calls it.
Confidential (VIP) clients' contact details are left empty for users who may not see them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.catalog.pricing import quantize
from rapport.core.models import Organisation, User
from rapport.documents import registry
from rapport.documents.words import InWords
from rapport.parties.access import can_see_contact_details, can_see_details
from rapport.parties.models import Address, AddressType, ChannelKind, ContactRole

from .models import Deal

TARGET = "sales.deal"

PLACEHOLDERS: list[tuple[str, Any]] = [
    ("organisation.name", _("Our organisation's name")),
    ("organisation.legal_name", _("Our organisation's full legal name")),
    ("organisation.tax_id", _("Our tax id")),
    ("organisation.address", _("Our address")),
    ("client.name", _("Client's name")),
    ("client.legal_name", _("Client's full legal name (the name if empty)")),
    ("client.tax_id", _("Client's tax id")),
    ("client.address", _("Client's legal address (or the first address)")),
    ("client.phone", _("Client's first phone")),
    ("client.email", _("Client's first e-mail")),
    ("contact.name", _("Contact person of the deal (the first one)")),
    ("contact.position", _("Contact person's position at the client")),
    ("contact.email", _("Contact person's e-mail")),
    ("contact.phone", _("Contact person's phone")),
    ("deal.title", _("Deal title")),
    ("deal.number", _("Deal number (short id)")),
    ("deal.id", _("Deal id")),
    ("deal.date", _("Date the deal was created (use |date)")),
    ("deal.amount", _("Deal amount (use |money)")),
    ("deal.currency", _("Currency code, e.g. EUR")),
    ("deal.expected_close", _("Expected close date (use |date)")),
    ("deal.manager", _("Manager's name")),
    ("deal.manager_email", _("Manager's e-mail")),
    ("deal.manager_phone", _("Manager's phone")),
    ("deal.stage", _("Stage")),
    ("deal.description", _("Description")),
    ("lines", _("Product lines: {%tr for l in lines %} … {%tr endfor %} in a table row")),
    ("l.n", _("Line number (1, 2, ...)")),
    ("l.product", _("Product name")),
    ("l.sku", _("SKU")),
    ("l.description", _("Line description")),
    ("l.quantity", _("Quantity (use |quantity)")),
    ("l.unit", _("Unit, e.g. pcs")),
    ("l.price", _("Unit price (use |money)")),
    ("l.discount", _("Discount, %")),
    ("l.amount", _("Line amount after the discount (use |money)")),
    ("l.vat_rate", _("VAT rate, % (empty: no VAT)")),
    ("l.vat", _("Line VAT amount")),
    ("totals.net", _("Total without VAT")),
    ("totals.vat", _("Total VAT")),
    ("totals.total", _("Total with VAT")),
    ("totals.total_in_words", _("Total in words in the template's language")),
    ("totals.prices_include_vat", _("Whether prices include VAT (true/false)")),
    ("today", _("Today's date (use |date or |date('long'))")),
    ("document.version", _("Version of this document (1, 2, ...)")),
    ("document.date", _("Date the document was made")),
    ("|money(currency)", _("Filter: 1 234,50 EUR in the template's language")),
    ("|amount_in_words(currency)", _("Filter: an amount in words")),
    ("|date('long')", _("Filter: a date, short (05.03.2025) or long («5» марта 2025 г.)")),
]

ZERO = Decimal(0)


def _first_point(points: list[Any], channel: str) -> str:
    for point in points:
        if point.channel == channel:
            return point.value
    return ""


def _address(addresses: list[Address]) -> str:
    if not addresses:
        return ""
    legal = [a for a in addresses if a.type == AddressType.LEGAL]
    return str((legal or addresses)[0])


def _organisation(deal: Deal) -> dict[str, Any]:
    org = deal.organisation or Organisation.objects.order_by("name").first()
    if org is None:
        return {"name": "", "legal_name": "", "tax_id": "", "address": "", "currency": ""}
    return {
        "name": org.name,
        "legal_name": org.legal_name or org.name,
        "tax_id": org.tax_id,
        "address": org.address,
        "currency": org.currency,
    }


def _client(actor: User, deal: Deal) -> dict[str, Any]:
    client = deal.client
    details = can_see_details(actor, client)
    points = list(client.contact_points.all()) if details else []
    addresses = list(client.addresses.all()) if details else []
    return {
        "name": client.name,
        "legal_name": client.legal_name or client.name,
        "tax_id": client.tax_id,
        "legal_form": client.legal_form,
        "address": _address(addresses),
        "phone": _first_point(points, ChannelKind.PHONE),
        "email": _first_point(points, ChannelKind.EMAIL),
    }


def _contact(actor: User, deal: Deal) -> dict[str, Any]:
    link = (
        Deal.contacts.through.objects.filter(deal=deal, contactperson__deleted_at__isnull=True)
        .select_related("contactperson")
        .order_by("id")
        .first()
    )
    empty = {"name": "", "first_name": "", "last_name": "", "position": "", "email": ""}
    if link is None:
        return {**empty, "phone": ""}
    contact = link.contactperson
    role = ContactRole.objects.filter(contact=contact, client=deal.client_id).first()
    details = can_see_details(actor, deal.client) and can_see_contact_details(actor, contact)
    points = list(contact.contact_points.all()) if details else []
    return {
        "name": " ".join(
            p for p in (contact.first_name, contact.middle_name, contact.last_name) if p
        ),
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "full_name": contact.full_name,
        "position": role.position if role else "",
        "email": _first_point(points, ChannelKind.EMAIL),
        "phone": _first_point(points, ChannelKind.PHONE),
    }


def _lines(deal: Deal, includes_vat: bool) -> tuple[list[dict[str, Any]], dict[str, Decimal]]:
    rows = []
    net = vat = total = ZERO
    lines = deal.lines.select_related("product", "unit", "product__unit").order_by("position")
    for n, line in enumerate(lines, start=1):
        product = line.product
        unit = line.unit or (product.unit if product else None)
        line_vat = line.vat_amount or ZERO
        line_net = line.amount - line_vat if includes_vat else line.amount
        line_total = line.amount if includes_vat else line.amount + line_vat
        net, vat, total = net + line_net, vat + line_vat, total + line_total
        rows.append(
            {
                "n": n,
                "product": product.name if product else line.description,
                "sku": product.sku if product else "",
                "description": line.description,
                "quantity": line.quantity,
                "unit": unit.name if unit else "",
                "price": line.price,
                "discount": line.discount_percent,
                "amount": line.amount,
                "vat_rate": line.vat_rate,
                "vat": line_vat,
                "net": line_net,
                "total": line_total,
            }
        )
    return rows, {"net": quantize(net), "vat": quantize(vat), "total": quantize(total)}


def build_deal_context(actor: User, deal: Deal) -> dict[str, Any]:
    """The placeholders of a deal for ``actor`` (who may see the deal)."""
    deal = (
        Deal.objects.select_related(
            "client", "organisation", "manager", "stage", "pipeline", "price_type", "currency"
        )
        .filter(pk=deal.pk)
        .get()
    )
    includes_vat = deal.price_type.includes_vat if deal.price_type else True
    lines, sums = _lines(deal, includes_vat)
    if not lines:
        sums = {"net": quantize(deal.amount), "vat": ZERO, "total": quantize(deal.amount)}
    currency = deal.currency_id
    manager = deal.manager
    return {
        "organisation": _organisation(deal),
        "client": _client(actor, deal),
        "contact": _contact(actor, deal),
        "deal": {
            "id": str(deal.pk),
            "number": deal.pk.hex[-8:].upper(),
            "title": deal.title,
            "date": timezone.localdate(deal.created_at),
            "amount": deal.amount,
            "currency": currency,
            "expected_close": deal.expected_close,
            "manager": str(manager) if manager else "",
            "manager_email": manager.email if manager else "",
            "manager_phone": manager.phone if manager else "",
            "stage": deal.stage.name,
            "pipeline": deal.pipeline.name,
            "description": deal.description,
        },
        "lines": lines,
        "totals": {
            **sums,
            "currency": currency,
            "prices_include_vat": includes_vat,
            "total_in_words": InWords(sums["total"], currency),
        },
        "today": timezone.localdate(),
    }


def sample_deal_context() -> dict[str, Any]:
    """A made-up deal for trying templates out."""
    today = timezone.localdate()
    lines = [
        {
            "n": 1,
            "product": "Office chair Ergo 300",
            "sku": "CH-300",
            "description": "Black, with armrests",
            "quantity": Decimal("10"),
            "unit": "pcs",
            "price": Decimal("120.00"),
            "discount": Decimal("5"),
            "amount": Decimal("1140.00"),
            "vat_rate": Decimal("20"),
            "vat": Decimal("190.00"),
            "net": Decimal("950.00"),
            "total": Decimal("1140.00"),
        },
        {
            "n": 2,
            "product": "Assembly service",
            "sku": "SRV-01",
            "description": "",
            "quantity": Decimal("2.5"),
            "unit": "h",
            "price": Decimal("40.00"),
            "discount": Decimal("0"),
            "amount": Decimal("100.00"),
            "vat_rate": Decimal("20"),
            "vat": Decimal("16.67"),
            "net": Decimal("83.33"),
            "total": Decimal("100.00"),
        },
    ]
    return {
        "organisation": {
            "name": "Rapport Demo",
            "legal_name": "Rapport Demo Ltd",
            "tax_id": "GB123456789",
            "address": "1 High Street, London",
            "currency": "EUR",
        },
        "client": {
            "name": "Acme Ltd",
            "legal_name": "Acme Limited",
            "tax_id": "12345678",
            "legal_form": "Ltd",
            "address": "10 Market Square, Leeds",
            "phone": "+44 20 7946 0000",
            "email": "office@acme.example",
        },
        "contact": {
            "name": "John Smith",
            "first_name": "John",
            "last_name": "Smith",
            "full_name": "Smith John",
            "position": "Purchasing manager",
            "email": "john.smith@acme.example",
            "phone": "+44 20 7946 0001",
        },
        "deal": {
            "id": "01900000-0000-7000-8000-000000000000",
            "number": "A1B2C3D4",
            "title": "Office furniture",
            "date": today,
            "amount": Decimal("1240.00"),
            "currency": "EUR",
            "expected_close": today,
            "manager": "Marek Nowak",
            "manager_email": "manager1@example.com",
            "manager_phone": "+48 22 000 00 00",
            "stage": "Proposal",
            "pipeline": "Sales",
            "description": "Chairs for the new office",
        },
        "lines": lines,
        "totals": {
            "net": Decimal("1033.33"),
            "vat": Decimal("206.67"),
            "total": Decimal("1240.00"),
            "currency": "EUR",
            "prices_include_vat": True,
            "total_in_words": InWords(Decimal("1240.00"), "EUR"),
        },
        "today": today,
        "document": {"number": "", "version": 1, "date": today, "title": "Sample"},
    }


def register() -> None:
    """Make deals something documents can be generated for (SalesConfig.ready)."""
    registry.register_target(
        TARGET,
        label=_("Deal"),
        model=Deal,
        build_context=build_deal_context,
        sample_context=sample_deal_context,
        placeholders=PLACEHOLDERS,
        record_title=lambda deal: deal.title,
    )
