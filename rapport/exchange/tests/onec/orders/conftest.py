"""Fixtures of the CommerceML orders tests: a connection, an organisation in roubles,
a legal entity and a person with Cyrillic and Polish names, products from 1C and ours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from rapport.billing import services as billing
from rapport.catalog.models import Currency, Product, Unit
from rapport.core.models import ExternalId, Organisation, PropertyDefinition
from rapport.exchange.models import Connection, ConnectionKind
from rapport.exchange.onec.sessions import session_open
from rapport.exchange.onec.sync import ExchangeRun
from rapport.parties import services as parties

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
CML = SAMPLES / "commerceml"
XSD = SAMPLES / "xsd"
TODAY = dt.date(2025, 3, 14)


@pytest.fixture
def connection(staff):
    return Connection.objects.create(
        kind=ConnectionKind.COMMERCEML,
        code="ut",
        name="УТ 11",
        run_as=staff.admin,
        default_manager=staff.manager1,
        options={"orders_source": "both"},
    )


def new_run(connection, user, channel="sale", version=""):
    session = session_open(connection=connection, channel=channel, user=user, version=version)
    return ExchangeRun.for_session(session)


@pytest.fixture
def run(connection, staff):
    return new_run(connection, staff.admin)


@pytest.fixture
def world(staff):
    from django.contrib.contenttypes.models import ContentType

    org = Organisation.objects.create(name="Наша фирма", currency="RUB")
    Currency.objects.create(code="RUB", name="Российский рубль")
    PropertyDefinition.objects.get_or_create(
        target="client", code="kpp", defaults={"label": "КПП", "type": "text"}
    )
    pcs = Unit.objects.get_or_create(name="шт", defaults={"code": "796", "full_name": "Штука"})[0]
    hour = Unit.objects.get_or_create(name="ч", defaults={"code": "356", "full_name": "Час"})[0]
    boots = Product.objects.create(name="Ботинки «Żółw»", unit=pcs, sku="B-1", kind="goods")
    consulting = Product.objects.create(name="Консультация", unit=hour, kind="service")
    ExternalId.objects.create(
        content_type=ContentType.objects.get_for_model(Product),
        object_id=str(boots.pk),
        system="1c:ut",
        value="bd72d8f9-55bc-11d9-848a-00112f43529a#cbcf498f",
    )
    company = parties.client_create(
        actor=staff.admin,
        name="Ромашка Sp. z o.o.",
        kind="company",
        legal_name="ООО «Ромашка» — Zażółć gęślą jaźń",
        tax_id="7707083893",
        manager=staff.manager1,
        properties={"kpp": "773601001"},
        phones=[{"value": "+7 495 123-45-67", "type": "work"}],
        emails=[{"value": "info@romashka.ru", "type": ""}],
        addresses=[
            {
                "type": "legal",
                "country": "RU",
                "postal_code": "101000",
                "city": "Москва",
                "street": "ул. Мясницкая, 1",
            },
            {
                "type": "actual",
                "country": "PL",
                "postal_code": "00-001",
                "city": "Łódź",
                "street": "ul. Piotrkowska 1",
            },
        ],
    )
    contact = parties.contact_create(
        actor=staff.admin,
        last_name="Иванов",
        first_name="Пётр",
        middle_name="Сергеевич",
        phones=[{"value": "+7 916 000-00-01", "type": "mobile"}],
        roles=[{"client": company, "position": "Директор"}],
    )
    person = parties.client_create(
        actor=staff.admin,
        name="Wójcik Łukasz Иванович",
        kind="person",
        manager=staff.manager1,
        emails=[{"value": "lukasz@example.pl", "type": ""}],
        addresses=[{"type": "actual", "country": "PL", "city": "Gdańsk", "street": "ul. Długa 5"}],
    )
    return SimpleNamespace(
        staff=staff,
        org=org,
        company=company,
        contact=contact,
        person=person,
        boots=boots,
        consulting=consulting,
        pcs=pcs,
    )


def issue(actor, client, *, lines=None, contact=None, send=True, include_vat=True):
    invoice = billing.invoice_create(
        actor=actor,
        client=client,
        contact=contact,
        date=TODAY,
        due_date=TODAY + dt.timedelta(days=10),
        currency="RUB",
        prices_include_vat=include_vat,
        lines=lines
        or [{"description": "Работа", "quantity": 1, "price": "1200.00", "vat_rate": 20}],
    )
    if send:
        invoice = billing.invoice_send(actor=actor, invoice=invoice)
    return invoice


def product_lines(world):
    return [
        {
            "product": world.boots,
            "quantity": "2",
            "price": "1500.5",
            "vat_rate": 20,
            "discount_percent": 10,
        },
        {"product": world.consulting, "quantity": "1.5", "price": "2000", "vat_rate": None},
        {"description": "Доставка ąęłńóśźż", "quantity": 1, "price": "300", "vat_rate": 20},
    ]


D = Decimal
