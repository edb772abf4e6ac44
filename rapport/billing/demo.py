"""Demo invoices and payments: a number series per organisation, invoices from won demo
deals (or, with no deals, for a few clients), some paid, some partly paid, some overdue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from rapport.catalog.models import Currency, Product
from rapport.core.models import Organisation, User
from rapport.parties.models import Client
from rapport.sales.models import Deal, DealStatus

from . import services
from .models import NumberSeries


def create_demo_billing(*, users: dict[str, User], clients: list[Client], **_: Any) -> None:
    admin = users["admin"]
    for org in Organisation.objects.all():
        NumberSeries.objects.get_or_create(organisation=org, defaults={"prefix": "INV-{year}-"})
        Currency.objects.get_or_create(code=org.currency, defaults={"name": org.currency})
    today = timezone.localdate()
    invoices = []
    deals = list(Deal.objects.alive().filter(status=DealStatus.WON).order_by("closed_at", "id")[:8])
    for index, deal in enumerate(deals):
        invoices.append(
            services.invoice_from_deal(
                actor=admin,
                deal=deal,
                date=today - dt.timedelta(days=20 * index + 5),
                due_date=today - dt.timedelta(days=20 * index - 5),
            )
        )
    if not invoices:
        products = list(Product.objects.alive().filter(is_active=True)[:3])
        for index, client in enumerate(clients[:8]):
            lines: list[dict[str, Any]] = [
                {"product": p.pk, "quantity": index + 1, "price": Decimal(100 + 50 * n)}
                for n, p in enumerate(products)
            ] or [
                {
                    "description": "Consulting, hours",
                    "quantity": 4 + index,
                    "price": "80.00",
                    "vat_rate": "20",
                },
                {"description": "Installation", "quantity": 1, "price": "250.00", "vat_rate": "20"},
            ]
            invoices.append(
                services.invoice_create(
                    actor=admin,
                    client=client,
                    date=today - dt.timedelta(days=20 * index + 5),
                    due_date=today - dt.timedelta(days=20 * index - 5),
                    lines=lines,
                )
            )
    for index, invoice in enumerate(invoices):
        if index == len(invoices) - 1:
            continue  # one stays a draft
        services.invoice_send(actor=admin, invoice=invoice)
        if index % 3 == 0:
            payment_amount = invoice.total
        elif index % 3 == 1:
            payment_amount = (invoice.total / 2).quantize(Decimal("0.01"))
        else:
            continue  # unpaid: overdue once its due date passed
        services.payment_record(
            actor=admin,
            client=invoice.client,
            amount=payment_amount,
            currency=invoice.currency_id,
            organisation=invoice.organisation,
            date=invoice.due_date - dt.timedelta(days=2),
            reference=f"PP-{index + 1:03d}",
            allocations=[{"invoice": invoice, "amount": payment_amount}],
        )
