"""Orders in: every order sample through ``apply_orders_file``, and the round trip of our
own query output coming back from 1C paid, cancelled, numbered."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rapport.billing.models import Invoice, InvoiceStatus, Payment
from rapport.core.models import ExternalId
from rapport.exchange.models import OutboxItem, OutboxState, Rejection
from rapport.exchange.onec import outbox
from rapport.exchange.onec.commerceml import orders
from rapport.parties.models import Client, ContactPerson

from .conftest import CML, issue, new_run

pytestmark = pytest.mark.django_db

CARONO = CML / "carono_php-commerceml" / "orders.xml"
YII = CML / "carono_yii2-1c-exchange" / "from_orders_2.03_cp1251.xml"
BITRIX_FULL = CML / "dobromyslov_commerceml-parser" / "bitrix-query-response-full.xml"
BITRIX_EMPTY = CML / "dobromyslov_commerceml-parser" / "bitrix-query-response-empty.xml"
CSCART = CML / "cscart_docs" / "orders_cscart_fragment.xml"


def _apply(connection, user, path):
    run = new_run(connection, user)
    orders.apply_orders_file(run, path)
    counts = dict(run.counts)
    run.flush()
    return run, counts


@pytest.mark.parametrize(
    ("path", "clients", "rejected_orders"),
    [
        (CARONO, {"Петр Петров": ("person", "")}, 1),
        (YII, {"admin": ("person", "")}, 1),
        (
            BITRIX_FULL,
            {"catalog_exchange": ("person", ""), "Контент менджер": ("person", "")},
            2,
        ),
        (CSCART, {"New New": ("person", "")}, 1),
    ],
)
def test_samples_create_their_counterparties_once(
    connection, world, staff, path, clients, rejected_orders
):
    before = set(Client.objects.values_list("pk", flat=True))
    run, counts = _apply(connection, staff.admin, path)
    created = Client.objects.exclude(pk__in=before)
    assert {c.name: (c.kind, c.tax_id) for c in created} == clients
    assert all(c.manager == staff.manager1 for c in created)  # the default manager rule
    assert counts["rejected"] == rejected_orders
    reasons = list(
        Rejection.objects.filter(session=run.session, target="order").values_list(
            "reason", flat=True
        )
    )
    assert len(reasons) == rejected_orders
    assert all("is not a CRM order" in r for r in reasons)

    # The same file again: nothing new, every counterparty unchanged.
    _run2, counts2 = _apply(connection, staff.admin, path)
    assert Client.objects.exclude(pk__in=before).count() == len(clients)
    assert counts2["created"] == 0 and counts2["updated"] == 0
    assert counts2["unchanged"] >= len(clients)


def test_sample_details_land_on_the_client(connection, world, staff):
    _apply(connection, staff.admin, CSCART)
    client = Client.objects.get(name="New New")
    emails = list(client.contact_points.filter(channel="email").values_list("value", flat=True))
    phones = list(
        client.contact_points.filter(channel="phone").values_list("normalized", flat=True)
    )
    assert emails == ["new@test.test"]  # nested in АдресРегистрации (CS-Cart)
    assert phones == ["+79512111111"]
    address = client.addresses.get()
    assert address.postal_code == "520111"
    assert ExternalId.objects.filter(
        system="1c:ut", value="62E1BAD5-97D9-4A6D-AE51-51DBD6780837"
    ).exists()
    # The representative is a contact person of the client.
    assert ContactPerson.objects.filter(roles__client=client).count() == 1

    _apply(connection, staff.admin, CARONO)
    petrov = Client.objects.get(name="Петр Петров")
    assert petrov.addresses.get().postal_code == "6546"
    contact = ContactPerson.objects.get(roles__client=petrov)
    assert contact.last_name == "Петр Петров"


def test_empty_bitrix_answer_changes_nothing(connection, world, staff):
    before = Client.objects.count()
    _run, counts = _apply(connection, staff.admin, BITRIX_EMPTY)
    assert counts == {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    assert Client.objects.count() == before


def _changed_orders(query: bytes, requisites: dict[str, str], encoding: str) -> bytes:
    """What 1C uploads after loading our query: the same documents with its requisites
    (put first: the first value of a name is the one read)."""
    codec = "utf-8-sig" if encoding == "utf-8" else "cp1251"
    text = query.decode(codec)
    extra = "".join(
        f"<ЗначениеРеквизита><Наименование>{k}</Наименование><Значение>{v}</Значение>"
        "</ЗначениеРеквизита>"
        for k, v in requisites.items()
    )
    marker = "<ЗначенияРеквизитов>"
    head, _sep, tail = text.rpartition(marker)
    assert head, "the query has document requisites"
    return (head + marker + extra + tail).encode(codec)


def _round_trip(connection, world, staff, tmp_path, requisites, encoding="utf-8"):
    connection.options = {**connection.options, "query_encoding": encoding}
    connection.save()
    invoice = issue(staff.admin, world.company, contact=world.contact)
    outbox.outbox_queue(actor=staff.admin, record=invoice)
    run = new_run(connection, staff.admin)
    query = orders.render_orders(run)
    orders.confirm_orders(run)
    path = tmp_path / "orders-1.xml"
    path.write_bytes(_changed_orders(query, requisites, encoding))
    return invoice, path


PAID = {
    "Номер по 1С": "ТД00-000123",
    "Дата по 1С": "2025-03-15T10:00:00",
    "Заказ оплачен": "true",
    "Дата оплаты по 1С": "2025-03-16T12:30:00",
    "Номер оплаты по 1С": "ПП-000045",
    "Проведен": "true",
}


def test_round_trip_paid_in_1c_pays_the_invoice_once(connection, world, staff, tmp_path):
    clients = Client.objects.count()
    contacts = ContactPerson.objects.count()
    invoice, path = _round_trip(connection, world, staff, tmp_path, PAID)

    run, _counts = _apply(connection, staff.admin, path)
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.paid_amount == invoice.total
    payment = Payment.objects.get()
    assert payment.reference == "ПП-000045"
    assert str(payment.date) == "2025-03-16"
    assert ExternalId.objects.get(system="1c:ut", value="ПП-000045").object_id == str(payment.pk)
    assert Client.objects.count() == clients  # our own client, not a copy
    assert ContactPerson.objects.count() == contacts
    assert Rejection.objects.filter(session=run.session).count() == 0
    values = outbox.onec_values(connection=connection, record=invoice)
    assert values["number_1c"] == "ТД00-000123" and values["date_1c"] == "2025-03-15"
    # 1C's change is not sent back to 1C as a CRM change.
    item = OutboxItem.objects.get()
    assert item.state == OutboxState.DELIVERED
    assert len(orders.render_orders(new_run(connection, staff.admin)).strip()) > 0
    assert OutboxItem.objects.get().state == OutboxState.DELIVERED

    # The same upload again: nothing changes, no second payment.
    _run2, counts2 = _apply(connection, staff.admin, path)
    assert Payment.objects.count() == 1
    assert Invoice.objects.get(pk=invoice.pk).paid_amount == invoice.total
    assert counts2["created"] == 0 and counts2["updated"] == 0 and counts2["rejected"] == 0


def test_round_trip_in_windows_1251(connection, world, staff, tmp_path):
    invoice, path = _round_trip(connection, world, staff, tmp_path, PAID, encoding="windows-1251")
    _apply(connection, staff.admin, path)
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID


def test_payment_number_known_already_pays_nothing_twice(connection, world, staff, tmp_path):
    _invoice, path = _round_trip(connection, world, staff, tmp_path, PAID)
    _apply(connection, staff.admin, path)
    # 1C renumbers its order: the state is updated, the payment is not made again.
    path.write_bytes(path.read_bytes().replace("ТД00-000123".encode(), "ТД00-000124".encode()))
    _run, counts = _apply(connection, staff.admin, path)
    assert counts["updated"] == 1
    assert Payment.objects.count() == 1


def test_cancelled_in_1c_cancels_the_invoice(connection, world, staff, tmp_path):
    invoice, path = _round_trip(
        connection, world, staff, tmp_path, {"Отменен": "true", "Номер по 1С": "ТД-1"}
    )
    _apply(connection, staff.admin, path)
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.CANCELLED


def test_matched_by_the_number_we_sent(connection, world, staff, tmp_path):
    invoice, path = _round_trip(connection, world, staff, tmp_path, PAID)
    # 1C answers with its own Ид but keeps our number.
    path.write_bytes(
        path.read_bytes().replace(str(invoice.pk).encode(), b"1c-guid-of-the-order", 1)
    )
    _apply(connection, staff.admin, path)
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID
    assert ExternalId.objects.get(system="1c:ut", value="1c-guid-of-the-order").object_id == str(
        invoice.pk
    )


def test_an_invoice_paid_in_the_crm_gets_no_second_payment(connection, world, staff, tmp_path):
    invoice, path = _round_trip(connection, world, staff, tmp_path, PAID)
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.PAID, paid_amount=Decimal(0))
    _run, counts = _apply(connection, staff.admin, path)
    # Already paid in the CRM: no payment is forced on it.
    assert Payment.objects.count() == 0
    assert counts["rejected"] == 0


def test_samples_copied_into_the_repo():
    for path in (CARONO, YII, BITRIX_FULL, BITRIX_EMPTY, CSCART):
        assert path.is_file(), path
