"""The invoice's printed form: the context its DOCX template is rendered with, the
placeholders administrators can use, and the registration as documents target
``billing.invoice`` (from BillingConfig.ready).

Placeholders (docxtpl / Jinja): ``organisation.*``, ``client.*``, ``contact.*``,
``invoice.*``, ``lines`` (a table: ``{%tr for l in lines %}``), ``totals.*`` and
``total_in_words``. Confidential (VIP) clients' addresses are left out for users who may
not see their details.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from rapport.core.models import User
from rapport.parties.access import can_see_details
from rapport.parties.models import AddressType

from .models import Invoice, InvoiceStatus

TARGET = "billing.invoice"

PLACEHOLDERS: list[tuple[str, Any]] = [
    ("organisation.name", _("Our organisation's name")),
    ("organisation.legal_name", _("Our organisation's full legal name")),
    ("organisation.tax_id", _("Our tax id")),
    ("organisation.address", _("Our address")),
    ("organisation.bank_details", _("Our bank details (when recorded)")),
    ("client.name", _("Client's name")),
    ("client.legal_name", _("Client's full legal name")),
    ("client.tax_id", _("Client's tax id")),
    ("client.address", _("Client's legal (or actual) address")),
    ("contact.name", _("Contact person's name")),
    ("invoice.number", _("Invoice number")),
    ("invoice.date", _("Invoice date")),
    ("invoice.due_date", _("Due date")),
    ("invoice.currency", _("Currency code")),
    ("invoice.prices_include_vat", _("Prices include VAT (yes/no)")),
    ("invoice.comment", _("Comment")),
    ("invoice.manager", _("Manager's name")),
    (
        "lines",
        _(
            "Lines: n, description, sku, quantity, unit, price, discount_percent, "
            "vat_rate, amount, vat_amount"
        ),
    ),
    ("totals.net", _("Total without VAT")),
    ("totals.vat", _("VAT")),
    ("totals.total", _("Total")),
    ("totals.paid", _("Paid")),
    ("totals.outstanding", _("Still to pay")),
    ("total_in_words", _("Total in words")),
]


def _address(client: Any) -> str:
    addresses = sorted(
        client.addresses.all(), key=lambda a: (a.type != AddressType.LEGAL, str(a.pk))
    )
    for address in addresses:
        parts = [address.postal_code, address.region, address.city, address.street]
        text = ", ".join(p for p in parts if p)
        if text:
            return text
    return ""


def _words(amount: Decimal, currency: str) -> str:
    from rapport.documents.words import amount_in_words

    language = (translation.get_language() or "en").split("-")[0]
    try:
        language = language if language in ("en", "ru", "pl") else "en"
        return amount_in_words(amount, currency, language)
    except Exception:  # an unknown currency for num2words: leave the words out
        return ""


def build_invoice_context(actor: User, invoice: Invoice) -> dict[str, Any]:
    org = invoice.organisation
    client = invoice.client
    details = can_see_details(actor, client)
    lines = list(invoice.lines.select_related("product", "unit").order_by("position"))
    status = InvoiceStatus(invoice.status)
    return {
        "organisation": {
            "name": org.name,
            "legal_name": org.legal_name or org.name,
            "tax_id": org.tax_id,
            "address": org.address,
            "bank_details": getattr(org, "bank_details", ""),
        },
        "client": {
            "name": client.name,
            "legal_name": client.legal_name or client.name,
            "tax_id": client.tax_id,
            "address": _address(client) if details else "",
        },
        "contact": {
            "name": str(invoice.contact) if invoice.contact else "",
        },
        "invoice": {
            "number": invoice.number or str(invoice),
            "date": invoice.date,
            "due_date": invoice.due_date,
            "currency": invoice.currency_id,
            "prices_include_vat": invoice.prices_include_vat,
            "status": str(status.label),
            "comment": invoice.comment,
            "manager": str(invoice.manager) if invoice.manager else "",
        },
        "lines": [
            {
                "n": index,
                "description": line.description,
                "sku": line.product.sku if line.product else "",
                "quantity": line.quantity,
                "unit": line.unit.name if line.unit else "",
                "price": line.price,
                "discount_percent": line.discount_percent,
                "vat_rate": line.vat_rate,
                "amount": line.amount,
                "vat_amount": line.vat_amount,
            }
            for index, line in enumerate(lines, start=1)
        ],
        "totals": {
            "net": invoice.net_total,
            "vat": invoice.vat_total,
            "total": invoice.total,
            "paid": invoice.paid_amount,
            "outstanding": invoice.total - invoice.paid_amount,
        },
        "total_in_words": _words(invoice.total, invoice.currency_id),
    }


def sample_invoice_context() -> dict[str, Any]:
    today = dt.date(2025, 3, 15)
    return {
        "organisation": {
            "name": "Rapport Demo",
            "legal_name": "Rapport Demo LLC",
            "tax_id": "7707083893",
            "address": "1 Main Street, Springfield",
            "bank_details": "IBAN DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX",
        },
        "client": {
            "name": "ООО «Ромашка»",
            "legal_name": "Общество с ограниченной ответственностью «Ромашка»",
            "tax_id": "7707083893",
            "address": "Москва, ул. Льва Толстого, 16",
        },
        "contact": {"name": "Zofia Wiśniewska"},
        "invoice": {
            "number": "INV-2025-0001",
            "date": today,
            "due_date": today + dt.timedelta(days=10),
            "currency": "EUR",
            "prices_include_vat": True,
            "status": "Sent",
            "comment": "",
            "manager": "Marek Nowak",
        },
        "lines": [
            {
                "n": 1,
                "description": "Consulting, hours",
                "sku": "SRV-1",
                "quantity": Decimal("4"),
                "unit": "h",
                "price": Decimal("80.00"),
                "discount_percent": Decimal("0"),
                "vat_rate": Decimal("20"),
                "amount": Decimal("320.00"),
                "vat_amount": Decimal("53.33"),
            },
            {
                "n": 2,
                "description": "Installation",
                "sku": "",
                "quantity": Decimal("1"),
                "unit": "pcs",
                "price": Decimal("250.00"),
                "discount_percent": Decimal("10"),
                "vat_rate": None,
                "amount": Decimal("225.00"),
                "vat_amount": Decimal("0.00"),
            },
        ],
        "totals": {
            "net": Decimal("491.67"),
            "vat": Decimal("53.33"),
            "total": Decimal("545.00"),
            "paid": Decimal("0.00"),
            "outstanding": Decimal("545.00"),
        },
        "total_in_words": "Five hundred and forty-five euros, 00 cents",
    }


def register_invoice_target() -> None:
    from rapport.documents.registry import register_target

    register_target(
        TARGET,
        label=_("Invoice"),
        model=Invoice,
        build_context=build_invoice_context,
        sample_context=sample_invoice_context,
        placeholders=PLACEHOLDERS,
        record_title=lambda invoice: invoice.number or str(invoice),
    )
