"""Billing fixtures: an organisation with EUR, a client of manager1 and one of manager3
(another department), and helpers to issue invoices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from rapport.billing import services
from rapport.catalog.models import Currency, ManualDiscountLimit
from rapport.core.models import Organisation, Role
from rapport.parties.tests.factories import ClientFactory

D = Decimal
TODAY = dt.date(2025, 3, 15)


@pytest.fixture
def world(staff):
    org = Organisation.objects.create(name="Our Ltd", currency="EUR")
    eur = Currency.objects.create(code="EUR", name="Euro")
    usd = Currency.objects.create(code="USD", name="US dollar")
    client1 = ClientFactory(name="Alpha", manager=staff.manager1, department=staff.sales)
    client3 = ClientFactory(name="Gamma", manager=staff.manager3, department=staff.service)
    # Managers may give up to 20% by hand (without a limit they may give none).
    ManualDiscountLimit.objects.create(role=Role.MANAGER, max_percent=Decimal(20))
    return SimpleNamespace(staff=staff, org=org, eur=eur, usd=usd, client1=client1, client3=client3)


def issue(
    actor, client, *, total="100.00", date=TODAY, due=None, currency="EUR", send=True, vat=None
):
    invoice = services.invoice_create(
        actor=actor,
        client=client,
        date=date,
        due_date=due or date + dt.timedelta(days=10),
        currency=currency,
        lines=[{"description": "Work", "quantity": 1, "price": total, "vat_rate": vat}],
    )
    if send:
        invoice = services.invoice_send(actor=actor, invoice=invoice)
    return invoice
