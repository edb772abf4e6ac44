"""EnterpriseData fixtures: an ED connection acting as the admin, a small client base,
catalogue and an invoice marked for 1C."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from rapport.billing import services as billing
from rapport.catalog.models import Currency, Unit, VatRate
from rapport.catalog.services import products as product_services
from rapport.core.models import Organisation
from rapport.exchange.models import Connection, ConnectionKind
from rapport.exchange.onec.targets.parties import ensure_client_properties
from rapport.parties import services as parties

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "enterprisedata"
HANDSHAKE = SAMPLES / "handshake_UNF_1.22_from_test.xml"


def make_connection(staff, code="ed", folder="", **options):
    return Connection.objects.create(
        kind=ConnectionKind.ENTERPRISEDATA,
        code=code,
        name=f"1C {code}",
        run_as=staff.admin,
        default_manager=staff.manager1,
        options={"our_prefix": "ДЗ", "peer_prefix": "НФ", "folder": str(folder), **options},
    )


@pytest.fixture
def ed(staff, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    org = Organisation.objects.create(
        name="Our Ltd", legal_name="ООО «Наша»", tax_id="7707083893", currency="RUB"
    )
    Currency.objects.create(code="RUB", name="Рубль")
    piece = Unit.objects.create(code="796", name="шт", full_name="Штука")
    vat20 = VatRate.objects.create(name="20%", rate=Decimal(20))
    admin = staff.admin
    ensure_client_properties()  # as setting up a 1C connection does
    client = parties.client_create(
        actor=admin,
        kind="company",
        name="Ромашка",
        legal_name="ООО «Ромашка»",
        tax_id="7728168971",
        properties={"kpp": "772801001"},
        phones=[{"value": "+74951234567", "type": ""}],
        emails=[{"value": "info@romashka.ru", "type": ""}],
        addresses=[
            {
                "type": "legal",
                "postal_code": "101000",
                "city": "Москва",
                "street": "ул. Мясницкая, 1",
            }
        ],
        manager=staff.manager1,
    )
    person = parties.client_create(
        actor=admin,
        kind="person",
        name="Иванов Пётр",
        legal_name="Иванов Пётр Сергеевич",
        tax_id="500100732259",
        manager=staff.manager1,
    )
    contact = parties.contact_create(
        actor=admin,
        last_name="Петрова",
        first_name="Анна",
        middle_name="Ивановна",
        phones=[{"value": "+79161234567", "type": ""}],
        emails=[{"value": "anna@romashka.ru", "type": ""}],
        roles=[{"client": client.pk, "position": "Бухгалтер"}],
    )
    product = product_services.product_create(
        actor=admin,
        name="Ботинки",
        sku="BT-42",
        unit=piece,
        vat_rate=vat20,
        description="Кожаные",
    )
    invoice = billing.invoice_create(
        actor=admin,
        client=client,
        organisation=org,
        date=dt.date(2025, 3, 15),
        due_date=dt.date(2025, 3, 25),
        currency="RUB",
        comment="Счёт по договору 5",
        marked_for_1c=True,
        lines=[
            {
                "product": product.pk,
                "description": "Ботинки",
                "quantity": 2,
                "price": "1200.00",
                "vat_rate": Decimal(20),
            }
        ],
    )
    invoice = billing.invoice_send(actor=admin, invoice=invoice)
    return SimpleNamespace(
        staff=staff,
        org=org,
        client=client,
        person=person,
        contact=contact,
        product=product,
        invoice=invoice,
        piece=piece,
        vat20=vat20,
        tmp=tmp_path,
    )
