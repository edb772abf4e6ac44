"""type=sale: query hands orders out, success delivers them, 1C's orders file comes back."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.billing import services as billing
from rapport.billing.models import Invoice
from rapport.catalog.models import Currency
from rapport.core.models import Job, JobStatus, Organisation
from rapport.exchange.models import (
    ExchangeFile,
    ExchangeSession,
    OutboxItem,
    OutboxState,
    Rejection,
)
from rapport.exchange.onec.commerceml.jobs import KIND
from rapport.exchange.onec.outbox import outbox_queue
from rapport.exchange.onec.xml import parse_bytes
from rapport.parties.models import Client
from rapport.parties.tests.factories import ClientFactory

from .conftest import sample

pytestmark = pytest.mark.django_db(transaction=True)

DAY = dt.date(2025, 3, 14)
ORDERS = sample("carono_php-commerceml/orders.xml").read_bytes()


@pytest.fixture
def invoice(one_c_user):
    Organisation.objects.create(name="Наша фирма", currency="RUB")
    Currency.objects.get_or_create(code="RUB", defaults={"name": "Российский рубль"})
    client = ClientFactory(name="ООО «Ромашка»", manager=one_c_user, tax_id="7707083893")
    invoice = billing.invoice_create(
        actor=one_c_user,
        client=client,
        date=DAY,
        due_date=DAY + dt.timedelta(days=10),
        currency="RUB",
        lines=[{"description": "Работа", "quantity": 1, "price": "1200.00", "vat_rate": 20}],
    )
    invoice = billing.invoice_send(actor=one_c_user, invoice=invoice)
    outbox_queue(actor=one_c_user, record=invoice)
    return invoice


def documents(content: bytes) -> list[str]:
    root = parse_bytes(content)
    return [
        el.findtext("{*}Номер") or el.findtext("Номер")
        for el in root.iter()
        if isinstance(el.tag, str) and el.tag.rsplit("}", 1)[-1] == "Документ"
    ]


def test_query_hands_out_and_only_success_delivers(one_c, invoice):
    one_c.start("sale")
    first = one_c.query()
    assert first.status == 200
    assert first.content_type == "application/xml; charset=utf-8"
    assert first.content.startswith(b"\xef\xbb\xbf<?xml")
    assert documents(first.content) == [invoice.number]
    item = OutboxItem.objects.get()
    assert item.state == OutboxState.HANDED_OUT
    invoice.refresh_from_db()
    assert invoice.sent_to_1c_at is None

    # 1C failed to load them and asks again: the same orders, still not delivered.
    again = one_c.query()
    assert documents(again.content) == [invoice.number]
    assert OutboxItem.objects.get().state == OutboxState.HANDED_OUT

    assert one_c.success().ok
    item.refresh_from_db()
    assert item.state == OutboxState.DELIVERED
    invoice.refresh_from_db()
    assert invoice.sent_to_1c_at is not None
    assert documents(one_c.query().content) == []
    # What was sent is kept in the exchange log.
    session = ExchangeSession.objects.get()
    sent = ExchangeFile.objects.filter(session=session, direction="out")
    assert sent.count() == 3


def test_a_session_that_never_confirms_leaves_the_orders_for_the_next(one_c, invoice):
    one_c.start("sale")
    one_c.query()
    one_c.start("sale")  # a new exchange: the previous one never said success
    assert documents(one_c.query().content) == [invoice.number]
    one_c.success()
    assert OutboxItem.objects.get().state == OutboxState.DELIVERED


def test_query_in_windows_1251(one_c, connection, invoice):
    connection.options = {"query_encoding": "windows-1251", "version": "2.05"}
    connection.save()
    one_c.version = "2.05"
    one_c.start("sale")
    reply = one_c.query()
    assert reply.content_type == "application/xml; charset=windows-1251"
    assert reply.content.startswith(b'<?xml version="1.0" encoding="windows-1251"?>')
    assert "Ромашка".encode("cp1251") in reply.content
    assert documents(reply.content) == [invoice.number]


def test_query_with_nothing_to_send_is_an_empty_document(one_c):
    one_c.start("sale")
    reply = one_c.query()
    assert reply.status == 200
    root = parse_bytes(reply.content)
    assert root.tag.rsplit("}", 1)[-1] == "КоммерческаяИнформация"
    assert len(root) == 0


def test_orders_file_is_imported_within_the_file_request(one_c):
    one_c.run_sale({"orders.xml": ORDERS}, import_after=False)
    session = ExchangeSession.objects.get()
    job = Job.objects.get(kind=KIND)
    assert (job.params["file"], job.status) == ("orders.xml", JobStatus.DONE)
    # Not one of our orders: its counterparty is taken, the order is listed as rejected.
    assert Client.objects.exists()
    assert Rejection.objects.filter(session=session, target="order").exists()
    assert ExchangeFile.objects.filter(session=session, name="orders.xml").exists()


def test_orders_file_followed_by_mode_import(one_c):
    one_c.run_sale({"orders.xml": ORDERS}, import_after=True)
    # mode=import reports on the job the upload started rather than starting another.
    assert Job.objects.filter(kind=KIND).count() == 1
    imports = [s for s in one_c.log if s.params["mode"] == "import"]
    assert [s.reply.word for s in imports] == ["success"]


def test_orders_zipped(one_c):
    one_c.run_sale({"orders-1f2e.xml": ORDERS}, zipped=True, import_after=False)
    job = Job.objects.get(kind=KIND)
    assert job.params["file"] == "orders-1f2e.xml"
    assert job.status == JobStatus.DONE


def test_a_broken_orders_file_is_a_failure_of_the_upload(one_c):
    one_c.start("sale")
    replies = one_c.upload("sale", "orders.xml", b"<?xml version='1.0'?><oops>")
    assert replies[-1].word == "failure"
    assert "orders.xml" in replies[-1].text
    assert not Invoice.objects.exists()
