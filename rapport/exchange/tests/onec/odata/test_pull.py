"""Pulls from a local OData stand-in of 1C: full, repeated, incremental, conflicts, failures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rapport.billing.models import Payment
from rapport.catalog.models import PriceListItem, Product, ProductGroup
from rapport.core.models import ExternalId
from rapport.exchange.models import Conflict, ExchangeSession, Rejection, SessionStatus
from rapport.exchange.onec.odata.jobs import pull_session, run_connection
from rapport.exchange.onec.sessions import session_open
from rapport.parties.models import Address, Client, ContactPerson, ContactPoint, ContactRole
from rapport.parties.services import client_update

from ..odata_server import (
    BP_CLIENT,
    BP_CONTACT,
    BP_GOODS,
    BP_PERSON,
    UT_CLIENT,
    UT_GOODS,
    ODataServer,
)
from .conftest import make_connection

pytestmark = pytest.mark.django_db


def pull(connection) -> ExchangeSession:
    session = session_open(connection=connection, channel="pull", user=connection.run_as)
    session = pull_session(session=session)
    session.refresh_from_db()
    connection.refresh_from_db()
    return session


def client_of(connection, ref: str) -> Client:
    link = ExternalId.objects.get(system=connection.system, value=ref, content_type__model="client")
    return Client.objects.get(pk=link.object_id)


def row_counts() -> dict[str, int]:
    return {
        "clients": Client.objects.count(),
        "contacts": ContactPerson.objects.count(),
        "points": ContactPoint.objects.count(),
        "addresses": Address.objects.count(),
        "products": Product.objects.count(),
        "groups": ProductGroup.objects.count(),
        "prices": PriceListItem.objects.count(),
        "payments": Payment.objects.count(),
    }


def test_full_pull_bp30(bp30, staff, money):
    connection = make_connection(bp30, staff)
    session = pull(connection)
    assert session.status == SessionStatus.DONE, session.message
    assert "Accounting 3.0" in session.message

    # Counterparties: the folder is not a client; legal entity and person with contact info.
    romashka = client_of(connection, BP_CLIENT)
    assert romashka.name == "Ромашка ООО"
    assert romashka.legal_name == "Общество с ограниченной ответственностью «Ромашка»"
    assert romashka.tax_id == "7736207543"
    assert romashka.kind == "company"
    assert romashka.manager == staff.manager1
    assert romashka.properties["kpp"] == "773601001"
    points = {(p.channel, p.value) for p in romashka.contact_points.all()}
    assert ("email", "info@romashka.ru") in points
    assert any(channel == "phone" and "495" in value for channel, value in points)
    address = Address.objects.get(client=romashka)
    assert address.postal_code == "117312" and address.country == "RU"
    assert "Вавилова" in address.street
    # The contract of the real BP 3.0 sample is kept on its counterparty.
    assert "Основной договор" in romashka.properties["onec_contracts"]
    assert "СПокупателем" in romashka.properties["onec_contracts"]
    person = client_of(connection, BP_PERSON)
    assert person.kind == "person"
    assert Client.objects.filter(name="Покупатели").count() == 0

    # The contact person belongs to Ромашка, with her position, phone and e-mail.
    link = ExternalId.objects.get(system=connection.system, value=BP_CONTACT)
    contact = ContactPerson.objects.get(pk=link.object_id)
    assert (contact.last_name, contact.first_name, contact.middle_name) == (
        "Сидорова",
        "Анна",
        "Викторовна",
    )
    role = ContactRole.objects.get(contact=contact)
    assert role.client == romashka and role.position == "Главный бухгалтер"
    assert contact.contact_points.filter(channel="email", value="buh@romashka.ru").exists()

    # Goods: the real sample element "Мойка" and a service.
    washer = Product.objects.get(pk=ExternalId.objects.get(value=BP_GOODS).object_id)
    assert washer.name == "Мойка" and washer.kind == "goods"
    delivery = Product.objects.get(name="Доставка")
    assert delivery.kind == "service" and delivery.sku == "DLV-1"
    assert "Доставка по Москве" in delivery.description

    # Prices: the latest record per product of the price type.
    prices = {i.product.name: i.price for i in PriceListItem.objects.select_related("product")}
    assert prices == {"Мойка": Decimal("1750.5"), "Доставка": Decimal("500")}
    assert connection.options["cursor"]["prices_from"] == "2021-08-01T00:00:00"

    # Payment received: a bank payment of Ромашка in roubles.
    payment = Payment.objects.get()
    assert payment.client == romashka
    assert payment.amount == Decimal("3000") and payment.currency_id == "RUB"
    assert payment.reference == "0000-000011" and str(payment.date) == "2021-09-01"
    assert payment.method == "bank"
    assert connection.options["cursor"]["payments_from"] == "2021-09-01T12:00:00"
    assert session.counts["rejected"] == 0, list(Rejection.objects.values_list("reason", flat=True))


def test_second_pull_changes_nothing(bp30, staff, money):
    connection = make_connection(bp30, staff)
    pull(connection)
    before = row_counts()
    histories = Client.history.count()
    bp30.requests.clear()
    second = pull(connection)
    assert second.status == SessionStatus.DONE, second.message
    assert row_counts() == before
    assert Client.history.count() == histories
    assert second.counts["created"] == 0 and second.counts["updated"] == 0
    # Catalogues were listed lightly and nothing was read in full again.
    full_reads = [
        path for _m, path in bp30.requests if "Catalog_Контрагенты" in path and "Ref_Key eq" in path
    ]
    assert full_reads == []


def test_change_in_1c_is_pulled_incrementally(bp30, staff, money):
    connection = make_connection(bp30, staff)
    pull(connection)
    bp30.edit(
        "Catalog_Контрагенты",
        BP_CLIENT,
        НаименованиеПолное="ООО «Ромашка и партнёры»",
        КонтактнаяИнформация=[
            {
                "LineNumber": "1",
                "Тип": "АдресЭлектроннойПочты",
                "АдресЭП": "sales@romashka.ru",
                "Представление": "sales@romashka.ru",
            }
        ],
    )
    bp30.edit("Catalog_Номенклатура", BP_GOODS, Description="Мойка высокого давления")
    bp30.requests.clear()
    session = pull(connection)
    assert session.status == SessionStatus.DONE, session.message
    romashka = client_of(connection, BP_CLIENT)
    assert romashka.legal_name == "ООО «Ромашка и партнёры»"
    assert list(
        romashka.contact_points.filter(channel="email").values_list("value", flat=True)
    ) == ["sales@romashka.ru"]
    assert Product.objects.filter(name="Мойка высокого давления").exists()
    assert session.counts["updated"] == 2
    # Only the two changed elements were read in full.
    full_reads = [path for _m, path in bp30.requests if " or " in path or "Ref_Key eq" in path]
    assert len(full_reads) == 2


def test_new_payment_in_1c_uses_the_date_cursor(bp30, staff, money):
    connection = make_connection(bp30, staff)
    pull(connection)
    bp30.add(
        "Document_ПоступлениеНаРасчетныйСчет",
        {
            "Number": "0000-000012",
            "Date": "2021-09-20T09:00:00",
            "Posted": True,
            "ВидОперации": "ОплатаПокупателя",
            "Контрагент": BP_PERSON,
            "Контрагент_Type": "StandardODATA.Catalog_Контрагенты",
            "СуммаДокумента": 450,
        },
    )
    bp30.requests.clear()
    session = pull(connection)
    assert Payment.objects.count() == 2
    assert Payment.objects.get(reference="0000-000012").client == client_of(connection, BP_PERSON)
    payment_reads = [p for _m, p in bp30.requests if "ПоступлениеНаРасчетныйСчет" in p]
    assert payment_reads and all(
        "Date ge datetime'2021-08-02T12:00:00'" in p for p in payment_reads
    )
    assert session.counts["created"] == 1


def test_shared_field_changed_on_both_sides_opens_a_conflict(bp30, staff, money):
    connection = make_connection(bp30, staff)
    pull(connection)
    romashka = client_of(connection, BP_CLIENT)
    client_update(actor=staff.admin, client=romashka, name="Ромашка (CRM)")
    bp30.edit("Catalog_Контрагенты", BP_CLIENT, Description="Ромашка (1С)")
    session = pull(connection)
    conflict = Conflict.objects.get(object_id=str(romashka.pk), field="name")
    assert conflict.crm_value == "Ромашка (CRM)" and conflict.external_value == "Ромашка (1С)"
    assert conflict.session == session
    romashka.refresh_from_db()
    assert romashka.name == "Ромашка (CRM)"


def test_wrong_password_is_a_readable_error(bp30, staff, money):
    connection = make_connection(bp30, staff)
    connection.secret = "wrong"
    connection.save()
    session = pull(connection)
    assert session.status == SessionStatus.FAILED
    assert "refused the user name or password" in session.message
    assert Client.objects.count() == 0


def test_server_down_is_a_readable_error_and_nothing_is_written(staff, money):
    server = ODataServer("bp30").start()
    connection = make_connection(server, staff)
    server.stop()
    session = pull(connection)
    assert session.status == SessionStatus.FAILED
    assert "Cannot connect to 1C" in session.message and "Traceback" not in session.message
    assert row_counts() == dict.fromkeys(row_counts(), 0)
    assert "cursor" not in connection.options


def test_server_dying_mid_pull_keeps_only_whole_steps(bp30, staff, money):
    connection = make_connection(bp30, staff)
    # 1C stops answering while goods are read: counterparties are in, goods are not.
    session = session_open(connection=connection, channel="pull", user=staff.admin)
    bp30.fail_when = lambda path: "Номенклатура" in path and "IsFolder eq false" in path
    session = pull_session(session=session)
    assert session.status == SessionStatus.FAILED
    assert "1C at http://127.0.0.1" in session.message and "Catalog_Номенклатура" in session.message
    assert Client.objects.count() == 2  # counterparties were complete before
    assert Product.objects.count() == 0
    assert Payment.objects.count() == 0
    connection.refresh_from_db()
    assert "payments_from" not in (connection.options.get("cursor") or {})
    # 1C is back: the next pull carries on and completes.
    bp30.down, bp30.fail_when = False, None
    again = pull(connection)
    assert again.status == SessionStatus.DONE, again.message
    assert Product.objects.count() == 2 and Payment.objects.count() == 1
    assert again.counts["created"] >= 4 and Client.objects.count() == 2


def test_run_connection_runs_the_pull_job(bp30, staff, money, django_capture_on_commit_callbacks):
    connection = make_connection(bp30, staff)
    with django_capture_on_commit_callbacks(execute=True):
        session = run_connection(connection)
    session.refresh_from_db()
    assert session.channel == "pull" and session.job is not None
    assert session.status == SessionStatus.DONE, session.message
    session.job.refresh_from_db()
    assert session.job.status == "done"
    assert Client.objects.count() == 2


def test_ut11_pull(ut11, staff, money):
    connection = make_connection(ut11, staff)
    session = pull(connection)
    assert session.status == SessionStatus.DONE, session.message
    assert "Trade Management 11" in session.message
    assert session.counts["rejected"] == 0, list(Rejection.objects.values_list("reason", flat=True))
    vasilek = client_of(connection, UT_CLIENT)
    assert vasilek.name == "Василёк АО" and vasilek.tax_id == "7728168971"
    assert vasilek.kind == "company"
    # The counterparty has only an address; phones and e-mails come from its partner.
    assert vasilek.contact_points.filter(channel="email", value="zakaz@vasilek.ru").exists()
    assert Address.objects.get(client=vasilek).street.startswith("Санкт-Петербург")
    # The partner's contact person is attached to the partner's counterparty.
    contact = ContactPerson.objects.get(last_name="Петров")
    role = ContactRole.objects.get(contact=contact)
    assert role.client == vasilek and role.position == "Закупщик"
    assert "Договор поставки № 15" in vasilek.properties["onec_contracts"]
    kettle = Product.objects.get(pk=ExternalId.objects.get(value=UT_GOODS).object_id)
    assert kettle.sku == "KT-17"
    assert PriceListItem.objects.get(product=kettle).price == Decimal("2490")
    assert Payment.objects.get().client == vasilek
    again = pull(connection)
    assert again.counts["created"] == 0 and again.counts["updated"] == 0


def test_custom_configuration_maps_only_published_fields(staff, money):
    with ODataServer("custom") as server:
        connection = make_connection(server, staff)
        session = pull(connection)
    assert session.status == SessionStatus.DONE, session.message
    client = Client.objects.get()
    assert client.name == "Чебоксарец" and client.tax_id == ""
    assert "not published" in session.message  # goods, payments... are not there
