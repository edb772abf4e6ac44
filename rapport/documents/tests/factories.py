"""Test data of documents: deals with product lines made with the ORM (the sales services
may not exist yet), and the shipped templates uploaded through the service."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile

from rapport.catalog.models import Currency, PriceType, Product, Unit
from rapport.core.models import Organisation
from rapport.documents import services
from rapport.documents.models import DocumentKind
from rapport.parties.models import ChannelKind, ContactPoint, ContactRole
from rapport.parties.tests.factories import ClientFactory, ContactPersonFactory
from rapport.sales.models import Deal, DealLine, Pipeline, Stage

DEFAULTS = Path(__file__).resolve().parent.parent / "default_templates"


def _currency(code: str) -> Currency:
    return Currency.objects.get_or_create(code=code, defaults={"name": code})[0]


def make_deal(
    *,
    manager,
    client=None,
    currency: str = "RUB",
    title: str = "Поставка мебели — Ёлка",
    confidential: bool = False,
    lines: bool = True,
) -> Deal:
    Organisation.objects.get_or_create(
        name="ООО «Раппорт»",
        defaults={"legal_name": "ООО «Раппорт Демо»", "tax_id": "7707083893"},
    )
    if client is None:
        client = ClientFactory(
            name="Zakład Łódź Sp. z o.o.",
            legal_name="Zakład Łódź ąćęłńóśźż Sp. z o.o.",
            tax_id="5260250995",
            manager=manager,
            is_confidential=confidential,
        )
        ContactPoint.objects.create(
            client=client,
            channel=ChannelKind.PHONE,
            value="+48 22 123 45 67",
            normalized="+48221234567",
        )
    contact = ContactPersonFactory(first_name="Фёдор", last_name="Ёжиков")
    ContactRole.objects.create(contact=contact, client=client, position="Директор")
    ContactPoint.objects.create(
        contact=contact,
        channel=ChannelKind.EMAIL,
        value="fedor@example.com",
        normalized="fedor@example.com",
    )
    pipeline = Pipeline.objects.get_or_create(name="Продажи")[0]
    stage = Stage.objects.get_or_create(pipeline=pipeline, name="Предложение", position=1)[0]
    price_type = PriceType.objects.get_or_create(
        code="retail", defaults={"name": "Retail", "includes_vat": True}
    )[0]
    deal = Deal.objects.create(
        title=title,
        client=client,
        pipeline=pipeline,
        stage=stage,
        currency=_currency(currency),
        manager=manager,
        department=manager.department,
        price_type=price_type,
        amount=Decimal("1234.56"),
        created_by=manager,
    )
    deal.contacts.add(contact)
    if lines:
        unit = Unit.objects.get_or_create(name="шт")[0]
        chair = Product.objects.create(name="Кресло «Ёж» Łódź", sku="CH-01", unit=unit)
        desk = Product.objects.create(name="Biurko źółć", sku="DS-02", unit=unit)
        DealLine.objects.create(
            deal=deal,
            position=1,
            product=chair,
            quantity=Decimal("2"),
            unit=unit,
            price=Decimal("500"),
            vat_rate=Decimal("20"),
            amount=Decimal("1000.00"),
            vat_amount=Decimal("166.67"),
        )
        DealLine.objects.create(
            deal=deal,
            position=2,
            product=desk,
            description="ąćęłńóśźż",
            quantity=Decimal("1.5"),
            unit=unit,
            price=Decimal("156.37"),
            discount_percent=Decimal("0"),
            vat_rate=Decimal("20"),
            amount=Decimal("234.56"),
            vat_amount=Decimal("39.09"),
        )
    return deal


def install_template(actor, filename: str, language: str, *, name: str = "", kind=None):
    upload = ContentFile((DEFAULTS / filename).read_bytes(), name=filename)
    return services.template_upload(
        actor=actor,
        name=name or filename,
        kind=kind or DocumentKind.OFFER,
        target="sales.deal",
        language=language,
        upload=upload,
    )
