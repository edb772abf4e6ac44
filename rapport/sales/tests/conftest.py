"""Fixtures of the deals tests: an organisation in EUR, a USD rate, a catalogue with two
priced products, a pipeline whose "Proposal" stage requires product lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from rapport.catalog.models import (
    ExchangeRate,
    PriceList,
    PriceListItem,
    PriceType,
    Product,
    ProductGroup,
    Unit,
    VatRate,
)
from rapport.core.models import Organisation

from .factories import PipelineFactory, currency


@pytest.fixture
def catalog(db):
    Organisation.objects.create(name="Our company", currency="EUR")
    eur, usd = currency("EUR"), currency("USD")
    ExchangeRate.objects.create(
        currency=usd, base=eur, date=dt.date(2020, 1, 1), rate=Decimal("0.900000")
    )
    retail = PriceType.objects.create(code="retail", name="Retail", is_default=True)
    net = PriceType.objects.create(code="net", name="Net", includes_vat=False)
    unit = Unit.objects.create(name="pcs")
    vat = VatRate.objects.create(name="20%", rate=Decimal("20"))
    group = ProductGroup.objects.create(name="Hardware")
    widget = Product.objects.create(name="Widget", sku="W-1", unit=unit, vat_rate=vat, group=group)
    gadget = Product.objects.create(name="Gadget", sku="G-1", unit=unit, vat_rate=vat)
    for price_type in (retail, net):
        for code, factor in (("EUR", 1), ("USD", Decimal("1.1"))):
            plist = PriceList.objects.create(
                name=f"{price_type.code} {code}",
                price_type=price_type,
                currency_id=code,
                valid_from=dt.date(2020, 1, 1),
            )
            PriceListItem.objects.create(
                price_list=plist, product=widget, price=Decimal("10.00") * factor
            )
            PriceListItem.objects.create(
                price_list=plist, product=gadget, price=Decimal("33.33") * factor
            )
    return SimpleNamespace(
        eur=eur, usd=usd, retail=retail, net=net, widget=widget, gadget=gadget, group=group
    )


@pytest.fixture
def pipeline(db):
    p = PipelineFactory(
        name="Sales of goods",
        stages=["Lead", "Qualification", "Proposal", "Negotiation", "Contract"],
        probabilities=[10, 20, 40, 60, 80],
    )
    proposal = p.stages.get(name="Proposal")
    proposal.required_fields = ["lines"]
    proposal.save()
    return p


@pytest.fixture
def stages(pipeline):
    return {s.name: s for s in pipeline.stages.all()}
