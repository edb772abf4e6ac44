"""Creating CRM invoices in 1C over OData; payments against them come back allocated."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from rapport.billing import services as billing
from rapport.billing.models import Invoice, Payment
from rapport.catalog.models import Product
from rapport.core.models import ExternalId
from rapport.exchange.models import SessionStatus
from rapport.exchange.onec.odata.jobs import push_session, start_push
from rapport.exchange.onec.odata.pull import client_for
from rapport.exchange.onec.sessions import session_open
from rapport.parties.tests.factories import ClientFactory

from ..odata_server import BP_CLIENT, BP_GOODS, ORG, UT_GOODS
from .conftest import make_connection
from .test_pull import client_of, pull

pytestmark = pytest.mark.django_db


def invoice_for(actor, client, products, *, currency="RUB"):
    invoice = billing.invoice_create(
        actor=actor,
        client=client,
        date=dt.date(2025, 3, 15),
        due_date=dt.date(2025, 3, 25),
        currency=currency,
        lines=[
            {"product": p.pk, "description": p.name, "quantity": 2, "price": "1000", "vat_rate": 20}
            for p in products
        ],
    )
    return billing.invoice_send(actor=actor, invoice=invoice)


def push(connection, invoice):
    session = session_open(connection=connection, channel="push", user=connection.run_as)
    session = push_session(session=session, invoice=invoice)
    session.refresh_from_db()
    return session


def ref_of(connection, record) -> str | None:
    return (
        ExternalId.objects.filter(system=connection.system, object_id=str(record.pk))
        .values_list("value", flat=True)
        .first()
    )


def test_push_invoice_bp30_and_payment_comes_back_allocated(bp30, staff, money):
    connection = make_connection(bp30, staff, organisation=ORG)
    pull(connection)
    romashka = client_of(connection, BP_CLIENT)
    washer = Product.objects.get(pk=ExternalId.objects.get(value=BP_GOODS).object_id)
    invoice = invoice_for(staff.admin, romashka, [washer])
    session = push(connection, invoice)
    assert session.status == SessionStatus.DONE, session.message
    ref = ref_of(connection, invoice)
    assert ref and ref in session.message
    document = bp30.get("Document_СчетНаОплатуПокупателю", ref)
    assert document["Контрагент_Key"] == BP_CLIENT and document["Организация_Key"] == ORG
    assert document["ВалютаДокумента_Key"] == "a192de9a-d84c-11ea-8133-0050569f62a1"
    assert document["СуммаДокумента"] == float(invoice.total)
    assert [
        (r["Номенклатура_Key"], r["Количество"], r["Цена"], r["СтавкаНДС"], r["LineNumber"])
        for r in document["Товары"]
    ] == [(BP_GOODS, 2.0, 1000.0, "НДС20", "1")]
    invoice.refresh_from_db()
    assert invoice.sent_to_1c_at is not None
    # Sending again does not create a second document.
    again = push(connection, invoice)
    assert again.status == SessionStatus.DONE and "already in 1C" in again.message
    assert len(bp30.elements("Document_СчетНаОплатуПокупателю")) == 1

    # 1C records the customer's payment against that invoice: it comes back allocated.
    bp30.add(
        "Document_ПоступлениеНаРасчетныйСчет",
        {
            "Number": "0000-000020",
            "Date": "2025-03-20T10:00:00",
            "Posted": True,
            "ВидОперации": "ОплатаПокупателя",
            "Контрагент": BP_CLIENT,
            "Контрагент_Type": "StandardODATA.Catalog_Контрагенты",
            "СуммаДокумента": float(invoice.total),
            "РасшифровкаПлатежа": [{"СчетНаОплату_Key": ref, "СуммаПлатежа": float(invoice.total)}],
        },
    )
    pull(connection)
    payment = Payment.objects.get(reference="0000-000020")
    allocation = payment.allocations.get()
    assert allocation.invoice == invoice and allocation.amount == invoice.total
    invoice.refresh_from_db()
    assert invoice.paid_amount == invoice.total


def test_push_creates_the_counterparty_first(bp30, staff, money):
    connection = make_connection(bp30, staff, organisation=ORG)
    pull(connection)
    washer = Product.objects.get(pk=ExternalId.objects.get(value=BP_GOODS).object_id)
    newcomer = ClientFactory(name="Новый клиент", tax_id="7728168971", manager=staff.manager1)
    invoice = invoice_for(staff.admin, newcomer, [washer])
    session = push(connection, invoice)
    assert session.status == SessionStatus.DONE, session.message
    counterparty_ref = ref_of(connection, newcomer)
    created = bp30.get("Catalog_Контрагенты", counterparty_ref)
    assert created["Description"] == "Новый клиент" and created["ИНН"] == "7728168971"
    assert created["ЮридическоеФизическоеЛицо"] == "ЮридическоеЛицо"
    document = bp30.get("Document_СчетНаОплатуПокупателю", ref_of(connection, invoice))
    assert document["Контрагент_Key"] == counterparty_ref


def test_push_refuses_products_1c_does_not_know_and_writes_nothing(bp30, staff, money):
    connection = make_connection(bp30, staff, organisation=ORG)
    local = Product.objects.create(name="Только в CRM")
    newcomer = ClientFactory(name="Новый клиент", manager=staff.manager1)
    invoice = invoice_for(staff.admin, newcomer, [local])
    session = push(connection, invoice)
    assert session.status == SessionStatus.FAILED
    assert "line 1 “Только в CRM”: the product is not in 1C" in session.message
    assert bp30.elements("Document_СчетНаОплатуПокупателю") == []
    assert len(bp30.elements("Catalog_Контрагенты")) == 3  # no counterparty created either
    assert not [m for m, _p in bp30.requests if m == "POST"]


def test_push_ut11_creates_partner_and_counterparty(ut11, staff, money):
    connection = make_connection(ut11, staff, organisation=ORG)
    pull(connection)
    kettle = Product.objects.get(pk=ExternalId.objects.get(value=UT_GOODS).object_id)
    newcomer = ClientFactory(name="Ландыш", manager=staff.manager1)
    invoice = invoice_for(staff.admin, newcomer, [kettle])
    session = push(connection, invoice)
    assert session.status == SessionStatus.DONE, session.message
    document = ut11.get("Document_СчетНаОплатуКлиенту", ref_of(connection, invoice))
    counterparty = ut11.get("Catalog_Контрагенты", document["Контрагент_Key"])
    assert counterparty["Description"] == "Ландыш" and counterparty["ЮрФизЛицо"] == "ЮрЛицо"
    partner = ut11.get("Catalog_Партнеры", counterparty["Партнер_Key"])
    assert partner["Клиент"] is True and document["Партнер_Key"] == partner["Ref_Key"]
    assert document["Товары"][0]["Номенклатура_Key"] == UT_GOODS


def test_start_push_job(bp30, staff, money, django_capture_on_commit_callbacks):
    connection = make_connection(bp30, staff, organisation=ORG)
    pull(connection)
    washer = Product.objects.get(pk=ExternalId.objects.get(value=BP_GOODS).object_id)
    invoice = invoice_for(staff.admin, client_of(connection, BP_CLIENT), [washer])
    with django_capture_on_commit_callbacks(execute=True):
        session = start_push(connection=connection, actor=staff.admin, invoice=invoice)
    session.refresh_from_db()
    assert session.status == SessionStatus.DONE, session.message
    assert Invoice.objects.get(pk=invoice.pk).sent_to_1c_at is not None
    assert client_for(connection).base_url.endswith("/odata/standard.odata/")
    assert Decimal(bp30.elements("Document_СчетНаОплатуПокупателю")[0]["СуммаДокумента"]) == (
        invoice.total
    )
