"""An invoice made from a real deal, and manual discount limits on invoice lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from rapport.billing import services
from rapport.billing.models import Invoice
from rapport.catalog.models import ManualDiscountLimit, Product
from rapport.core.models import Role
from rapport.parties.models import ContactRole
from rapport.parties.tests.factories import ContactPersonFactory
from rapport.sales.tests.factories import DealFactory, DealLineFactory, PipelineFactory

D = Decimal


@pytest.fixture
def deal(world):
    staff = world.staff
    deal = DealFactory(
        pipeline=PipelineFactory(),
        manager=staff.manager1,
        client=world.client1,
        currency=world.eur,
        organisation=world.org,
        title="Servers for Alpha",
    )
    contact = ContactPersonFactory(last_name="Ivanova")
    ContactRole.objects.create(contact=contact, client=world.client1, position="Buyer")
    deal.contacts.add(contact)
    laptop = Product.objects.create(name="Laptop")
    DealLineFactory(
        deal=deal,
        product=laptop,
        description="Laptop",
        quantity=D(2),
        price=D("500.00"),
        discount_percent=D(15),
        vat_rate=D(20),
    )
    DealLineFactory(deal=deal, description="Setup", quantity=D(1), price=D("100.00"))
    return deal


def test_invoice_from_deal_copies_client_contact_currency_and_lines(world, deal):
    invoice = services.invoice_from_deal(actor=world.staff.manager1, deal=deal)
    assert invoice.deal == deal and invoice.client == world.client1
    assert invoice.contact.last_name == "Ivanova" and invoice.currency_id == "EUR"
    assert invoice.organisation == world.org and invoice.manager == world.staff.manager1
    lines = list(
        invoice.lines.order_by("position").values_list(
            "description", "quantity", "price", "discount_percent", "vat_rate"
        )
    )
    assert lines == [
        ("Laptop", D(2), D("500.0000"), D("15.00"), D("20.00")),
        ("Setup", D(1), D("100.0000"), D("0.00"), None),
    ]
    # 2 x 500 - 15% = 850 (VAT inside), + 100
    assert invoice.total == D("950.00") and invoice.status == "draft"


def test_a_deal_another_manager_cannot_see_is_refused_and_nothing_written(world, deal):
    with pytest.raises(ValidationError) as error:
        services.invoice_from_deal(actor=world.staff.manager3, deal=deal)
    assert error.value.message_dict == {"deal": ["Choose a deal you can see."]}
    assert not Invoice.objects.exists()


def test_a_manual_discount_above_the_role_limit_is_refused_naming_the_line(world):
    ManualDiscountLimit.objects.filter(role=Role.MANAGER).update(max_percent=D(10))
    lines = [
        {"description": "Work", "quantity": 1, "price": "100", "discount_percent": "5"},
        {"description": "More work", "quantity": 1, "price": "100", "discount_percent": "25"},
    ]
    with pytest.raises(ValidationError) as error:
        services.invoice_create(actor=world.staff.manager1, client=world.client1, lines=lines)
    assert error.value.message_dict["lines"] == [
        "Line 2: the discount 25.00% is above your limit of 10.00%."
    ]
    assert not Invoice.objects.exists()
    # a director may
    services.invoice_create(actor=world.staff.director, client=world.client1, lines=lines)


def test_discounts_granted_on_the_deal_pass_and_stay_editable(world, deal):
    ManualDiscountLimit.objects.filter(role=Role.MANAGER).update(max_percent=D(10))
    invoice = services.invoice_from_deal(actor=world.staff.manager1, deal=deal)  # 15% from the deal
    kept = [
        {
            "product": line.product_id,
            "description": line.description,
            "quantity": line.quantity,
            "price": line.price,
            "discount_percent": line.discount_percent,
        }
        for line in invoice.lines.order_by("position")
    ]
    kept[0]["quantity"] = 3
    services.invoice_update(actor=world.staff.manager1, invoice=invoice, lines=kept)
    kept[1]["discount_percent"] = 30
    with pytest.raises(ValidationError):
        services.invoice_update(actor=world.staff.manager1, invoice=invoice, lines=kept)
