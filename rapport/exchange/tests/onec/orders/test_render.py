"""Orders out: ``mode=query`` renders the outbox as CommerceML that the 2.08 XSD accepts,
hands it out to the session only, and ``mode=success`` delivers it."""

from __future__ import annotations

import pytest
from django.utils import timezone
from lxml import etree

from rapport.billing.models import Invoice
from rapport.billing.services import payment_record
from rapport.exchange.models import OutboxItem, OutboxState
from rapport.exchange.onec import outbox
from rapport.exchange.onec.commerceml import orders
from rapport.exchange.onec.commerceml.counterparty import parse_counterparty
from rapport.sales.models import Deal

from .conftest import XSD, issue, new_run, product_lines

pytestmark = pytest.mark.django_db

NS = {"c": "urn:1C.ru:commerceml_2"}


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(XSD / "commerceml-2.08.xsd")))


def _parse(content: bytes):
    return etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))


def _queue_both(world):
    admin = world.staff.admin
    legal = issue(admin, world.company, lines=product_lines(world), contact=world.contact)
    person = issue(admin, world.person, include_vat=False)
    outbox.outbox_queue(actor=admin, record=legal)
    outbox.outbox_queue(actor=admin, record=person)
    return legal, person


@pytest.mark.parametrize("encoding", ["utf-8", "windows-1251"])
def test_query_validates_against_the_xsd_in_both_encodings(
    connection, run, world, schema, encoding
):
    connection.options = {**connection.options, "query_encoding": encoding}
    connection.save()
    legal, person = _queue_both(world)

    content = orders.render_orders(run)

    if encoding == "utf-8":
        assert content.startswith(b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>')
    else:
        assert content.startswith(b'<?xml version="1.0" encoding="windows-1251"?>')
        content.decode("cp1251")  # every byte is windows-1251
        assert b"&#380;" in content  # "ż" is not in windows-1251: a character reference
    root = _parse(content)
    schema.assertValid(root)
    docs = root.findall("c:Документ", NS)
    assert [d.findtext("c:Ид", namespaces=NS) for d in docs] == [str(legal.pk), str(person.pk)]

    first = docs[0]
    assert first.findtext("c:Номер", namespaces=NS) == legal.number
    assert first.findtext("c:ХозОперация", namespaces=NS) == "Заказ товара"
    assert first.findtext("c:Сумма", namespaces=NS) == f"{legal.total:.2f}"
    buyer = first.find("c:Контрагенты/c:Контрагент", NS)
    assert buyer.findtext("c:Роль", namespaces=NS) == "Покупатель"
    assert buyer.findtext("c:ОфициальноеНаименование", namespaces=NS) == (
        "ООО «Ромашка» — Zażółć gęślą jaźń"
    )
    assert buyer.findtext("c:ИНН", namespaces=NS) == "7707083893"
    assert buyer.findtext("c:КПП", namespaces=NS) == "773601001"
    legal_address = buyer.find("c:ЮридическийАдрес", NS)
    assert legal_address.findtext("c:Представление", namespaces=NS).startswith("101000, Россия")
    contacts = {
        c.findtext("c:Тип", namespaces=NS): c.findtext("c:Значение", namespaces=NS)
        for c in buyer.findall("c:Контакты/c:Контакт", NS)
    }
    assert contacts == {"Телефон рабочий": "+7 495 123-45-67", "Почта": "info@romashka.ru"}
    rep = buyer.find("c:Представители/c:Представитель", NS)
    assert rep.findtext("c:Отношение", namespaces=NS) == "Контактное лицо"
    assert rep.findtext("c:Фамилия", namespaces=NS) == "Иванов"

    goods = first.findall("c:Товары/c:Товар", NS)
    assert goods[0].findtext("c:Ид", namespaces=NS) == (
        "bd72d8f9-55bc-11d9-848a-00112f43529a#cbcf498f"  # the product came from this 1C
    )
    assert goods[1].findtext("c:Ид", namespaces=NS) == str(world.consulting.pk)  # ours
    unit = goods[0].find("c:БазоваяЕдиница", NS)
    assert (unit.get("Код"), unit.get("НаименованиеПолное"), unit.text) == ("796", "Штука", "шт")
    assert goods[0].findtext("c:ЦенаЗаЕдиницу", namespaces=NS) == "1500.50"
    assert goods[0].findtext("c:Количество", namespaces=NS) == "2"
    assert goods[0].findtext("c:Скидки/c:Скидка/c:Процент", namespaces=NS) == "10"
    assert goods[0].findtext("c:СтавкиНалогов/c:СтавкаНалога/c:Ставка", namespaces=NS) == "20"
    assert goods[1].findtext("c:СтавкиНалогов/c:СтавкаНалога/c:Ставка", namespaces=NS) == (
        "Без НДС"
    )
    assert goods[2].findtext("c:Наименование", namespaces=NS) == "Доставка ąęłńóśźż"
    requisites = {
        r.findtext("c:Наименование", namespaces=NS): r.findtext("c:Значение", namespaces=NS)
        for r in first.findall("c:ЗначенияРеквизитов/c:ЗначениеРеквизита", NS)
    }
    assert requisites["Заказ оплачен"] == "false"
    assert requisites["Отменен"] == "false"
    assert requisites["Статус заказа"] == "Принят"

    second = docs[1].find("c:Контрагенты/c:Контрагент", NS)
    assert second.findtext("c:ПолноеНаименование", namespaces=NS) == "Wójcik Łukasz Иванович"
    assert second.findtext("c:Фамилия", namespaces=NS) == "Wójcik"
    assert second.findtext("c:Имя", namespaces=NS) == "Łukasz"
    assert second.findtext("c:Отчество", namespaces=NS) == "Иванович"
    assert docs[1].findtext("c:Налоги/c:Налог/c:УчтеноВСумме", namespaces=NS) == "false"
    # What we write, our reader reads back the same way.
    parsed = parse_counterparty(second)
    assert parsed.kind == "person"
    assert parsed.addresses[0]["city"] == "Gdańsk"
    assert parsed.emails == [{"value": "lukasz@example.pl", "type": ""}]


def test_empty_outbox_is_an_empty_document(run, world, schema):
    root = _parse(orders.render_orders(run))
    schema.assertValid(root)
    assert len(root) == 0


def test_query_twice_without_success_hands_out_the_same_documents(connection, world, staff):
    _legal, _person = _queue_both(world)
    first_run = new_run(connection, staff.admin)
    first = _parse(orders.render_orders(first_run))
    assert (
        OutboxItem.objects.filter(state=OutboxState.HANDED_OUT, session=first_run.session).count()
        == 2
    )
    again = _parse(orders.render_orders(first_run))
    ids = [d.findtext("c:Ид", namespaces=NS) for d in first]
    assert ids == [d.findtext("c:Ид", namespaces=NS) for d in again]
    # 1C never confirmed: the next session gets them again, and only it may confirm.
    second_run = new_run(connection, staff.admin)
    third = _parse(orders.render_orders(second_run))
    assert [d.findtext("c:Ид", namespaces=NS) for d in third] == ids
    assert orders.confirm_orders(first_run) == 0
    assert not OutboxItem.objects.filter(state=OutboxState.DELIVERED).exists()


def test_success_delivers_and_a_later_change_queues_again(connection, run, world, staff):
    legal, person = _queue_both(world)
    orders.render_orders(run)
    assert orders.confirm_orders(run) == 2
    assert set(OutboxItem.objects.values_list("state", flat=True)) == {OutboxState.DELIVERED}
    legal.refresh_from_db()
    assert legal.sent_to_1c_at is not None and legal.marked_for_1c
    assert [s.state for s in outbox.outbox_status(actor=staff.admin, record=legal)] == [
        OutboxState.DELIVERED
    ]
    # Nothing left for the next query.
    assert len(_parse(orders.render_orders(new_run(connection, staff.admin)))) == 0

    # A payment in the CRM changes the invoice: it waits for 1C again.
    payment_record(
        actor=staff.admin,
        client=world.person,
        amount=person.total,
        currency="RUB",
        allocations=[{"invoice": person}],
    )
    status = outbox.outbox_status(actor=staff.admin, record=Invoice.objects.get(pk=person.pk))
    assert status[0].changed
    next_run = new_run(connection, staff.admin)
    docs = _parse(orders.render_orders(next_run))
    assert [d.findtext("c:Ид", namespaces=NS) for d in docs] == [str(person.pk)]
    requisites = {
        r.findtext("c:Наименование", namespaces=NS): r.findtext("c:Значение", namespaces=NS)
        for r in docs[0].findall("c:ЗначенияРеквизитов/c:ЗначениеРеквизита", NS)
    }
    assert requisites["Заказ оплачен"] == "true"


def test_deals_are_sent_when_the_connection_takes_them(connection, run, world, staff):
    from rapport.sales.tests.factories import DealFactory

    deal = DealFactory(client=world.company, manager=staff.manager1)
    outbox.outbox_queue(actor=staff.admin, record=deal)
    root = _parse(orders.render_orders(run))
    assert [d.findtext("c:Номер", namespaces=NS) for d in root] == [orders.deal_number(deal)]
    assert Deal.objects.get(pk=deal.pk).updated_at <= timezone.now()


def test_version_3_wraps_documents_in_containers(connection, world, staff):
    _queue_both(world)
    run = new_run(connection, staff.admin, version="3.1")
    root = _parse(orders.render_orders(run))
    assert root.tag == "{urn:1C.ru:commerceml_3}КоммерческаяИнформация"
    assert root.get("ВерсияСхемы") == "3.1"
    assert len(root.findall("{urn:1C.ru:commerceml_3}Контейнер")) == 2


def test_old_versions_have_no_namespace(connection, world, staff):
    _queue_both(world)
    run = new_run(connection, staff.admin, version="2.05")
    root = _parse(orders.render_orders(run))
    assert root.tag == "КоммерческаяИнформация"
    assert len(root.findall("Документ")) == 2


def test_confidential_client_details_stay_out_for_a_user_who_may_not_see_them(
    connection, world, staff
):
    from rapport.parties.services import client_update

    client_update(actor=staff.admin, client=world.company, is_confidential=True)
    invoice = issue(staff.admin, world.company)
    outbox.outbox_queue(actor=staff.admin, record=invoice)
    # manager3 (another department) does not see the invoice: it stays waiting.
    run = new_run(connection, staff.manager3)
    assert len(_parse(orders.render_orders(run))) == 0
    assert OutboxItem.objects.get().state == OutboxState.PENDING
    # The head of sales sees the invoice but not the VIP client's contact details.
    run = new_run(connection, staff.head)
    buyer = _parse(orders.render_orders(run)).find("c:Документ/c:Контрагенты/c:Контрагент", NS)
    assert buyer.findtext("c:ИНН", namespaces=NS) == "7707083893"
    assert buyer.find("c:Контакты", NS) is None
    assert buyer.find("c:ЮридическийАдрес", NS) is None
    run = new_run(connection, staff.admin)
    buyer = _parse(orders.render_orders(run)).find("c:Документ/c:Контрагенты/c:Контрагент", NS)
    assert buyer.find("c:Контакты", NS) is not None  # the administrator sees them
