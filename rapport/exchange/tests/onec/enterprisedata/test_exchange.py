"""EnterpriseData: handshake, round trip, numbering, payments, folder, safety, access."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from lxml import etree

from rapport.billing.models import Invoice, InvoiceStatus, Payment
from rapport.catalog.models import Product
from rapport.core.models import ExternalId
from rapport.exchange.models import ExchangeSession, Rejection, SessionStatus, SyncState
from rapport.exchange.onec import sessions
from rapport.exchange.onec.enterprisedata import envelope, folder, reader, services
from rapport.exchange.onec.enterprisedata.jobs import run_connection
from rapport.parties.models import Address, Client, ContactPerson, ContactRole

from .conftest import HANDSHAKE, make_connection

pytestmark = pytest.mark.django_db

MSG = "{http://www.1c.ru/SSL/Exchange/Message}"


def _import(connection, path, user):
    session = sessions.session_open(connection=connection, channel="import", user=user)
    return services.session_import(session=session, path=Path(path), name=Path(path).name)


def _export(connection, user):
    session = sessions.session_open(connection=connection, channel="export", user=user)
    return services.session_export(session=session)


def _out_bytes(session) -> bytes:
    """The XML of the session's outgoing file (unzipped)."""
    record = session.files.get(direction="out")
    data = record.file.open("rb").read()
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            (name,) = archive.namelist()
            return archive.read(name)
    return data


def _write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def _message(body: str, *, no: int, received: int = 0, to="ДЗ", sender="НФ", version="1.10"):
    ns = f"http://v8.1c.ru/edi/edi_stnd/EnterpriseData/{version}"
    return (
        '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Message xmlns:msg="http://www.1c.ru/SSL/Exchange/Message">'
        f"<msg:Header><msg:Format>{ns}</msg:Format>"
        "<msg:CreationDate>2025-03-20T10:00:00</msg:CreationDate><msg:Confirmation>"
        "<msg:ExchangePlan>СинхронизацияДанныхЧерезУниверсальныйФормат</msg:ExchangePlan>"
        f"<msg:To>{to}</msg:To><msg:From>{sender}</msg:From>"
        f"<msg:MessageNo>{no}</msg:MessageNo><msg:ReceivedNo>{received}</msg:ReceivedNo>"
        f"</msg:Confirmation><msg:AvailableVersion>{version}</msg:AvailableVersion></msg:Header>"
        f'<Body xmlns="{ns}">{body}</Body></Message>'
    ).encode()


COUNTERPARTY = (
    "<Справочник.Контрагенты><КлючевыеСвойства><Ссылка>{ref}</Ссылка>"
    "<Наименование>{name}</Наименование><НаименованиеПолное>ООО «{name}»</НаименованиеПолное>"
    "<ИНН>{inn}</ИНН><КПП>770101001</КПП>"
    "<ЮридическоеФизическоеЛицо>ЮридическоеЛицо</ЮридическоеФизическоеЛицо></КлючевыеСвойства>"
    "<КонтактнаяИнформация><Строка><ВидКонтактнойИнформации>Телефон</ВидКонтактнойИнформации>"
    "<Представление>+7 495 765-43-21</Представление></Строка></КонтактнаяИнформация>"
    "</Справочник.Контрагенты>"
)


# --- handshake ------------------------------------------------------------------------


def test_real_unf_handshake_is_answered(ed):
    connection = make_connection(ed.staff, peer_prefix="")
    session = _import(connection, HANDSHAKE, ed.staff.admin)
    assert session.status == SessionStatus.DONE, session.message
    raw = _out_bytes(session)
    assert raw.startswith(b"\xef\xbb\xbf")
    root = etree.fromstring(raw)
    header = root.find(f"{MSG}Header")
    confirmation = header.find(f"{MSG}Confirmation")
    assert confirmation.findtext(f"{MSG}To") == "НФ"
    assert confirmation.findtext(f"{MSG}From") == "ДЗ"
    assert confirmation.findtext(f"{MSG}ExchangePlan") == envelope.EXCHANGE_PLAN
    # 1C offers 1.22 and 1.10; we offer 1.8, 1.10, 1.11: the highest common is 1.10.
    assert [v.text for v in header.findall(f"{MSG}AvailableVersion")] == ["1.10"]
    assert header.findtext(f"{MSG}Format") == envelope.FORMAT_BASE
    assert root.find("Body") is None and len(root) == 1
    assert header.findtext(f"{MSG}NewFrom") == envelope.state_of(connection)["node_id"]
    declared = {
        t.findtext(f"{MSG}Name"): (t.findtext(f"{MSG}Sending"), t.findtext(f"{MSG}Receiving"))
        for t in header.find(f"{MSG}AvailableObjectTypes")
    }
    assert declared[reader.INVOICE] == ("*", "")  # sent, never declared as received
    assert declared[reader.COUNTERPARTY] == ("*", "*")
    assert declared[reader.BANK_PAYMENT] == ("", "*")
    # Types 1C offered that we do not process are not declared at all.
    assert "Документ.РеализацияТоваровУслуг" not in declared
    assert "Документ.АвансовыйОтчет" not in declared
    connection.refresh_from_db()
    state = envelope.state_of(connection)
    assert state["version"] == "1.10"
    assert state["peer_node"] == "91d5a7dd-2d96-4af5-b855-90ad613450b9"
    assert connection.options["peer_prefix"] == "НФ"
    assert state["sent_no"] == 0 and state["received_no"] == 0
    assert ExchangeSession.objects.get(pk=session.pk).version == "1.10"


def test_handshake_picks_highest_common_and_refuses_none(ed):
    wide = make_connection(ed.staff, code="wide", versions=["1.10", "1.11", "1.22"])
    session = _import(wide, HANDSHAKE, ed.staff.admin)
    header = etree.fromstring(_out_bytes(session)).find(f"{MSG}Header")
    assert header.findtext(f"{MSG}AvailableVersion") == "1.22"
    narrow = make_connection(ed.staff, code="narrow", versions=["1.8", "1.11"])
    failed = _import(narrow, HANDSHAKE, ed.staff.admin)
    assert failed.status == SessionStatus.FAILED
    assert "no version in common" in failed.message
    assert not failed.files.filter(direction="out").exists()


def test_message_for_another_node_is_refused(ed):
    connection = make_connection(ed.staff, our_prefix="CRM")
    session = _import(connection, HANDSHAKE, ed.staff.admin)
    assert session.status == SessionStatus.FAILED
    assert "addressed to the node “ДЗ”" in session.message


# --- round trip -----------------------------------------------------------------------


def _client_fields(client: Client) -> dict:
    return {
        "kind": client.kind,
        "name": client.name,
        "legal_name": client.legal_name,
        "tax_id": client.tax_id,
        "kpp": (client.properties or {}).get("kpp", ""),
        "phones": sorted(p.value for p in client.contact_points.filter(channel="phone")),
        "emails": sorted(p.value for p in client.contact_points.filter(channel="email")),
        "addresses": sorted((a.type, str(a)) for a in Address.objects.filter(client=client)),
    }


def _contact_fields(contact: ContactPerson) -> dict:
    role = ContactRole.objects.get(contact=contact)
    return {
        "names": (contact.last_name, contact.first_name, contact.middle_name),
        "phones": sorted(p.value for p in contact.contact_points.filter(channel="phone")),
        "emails": sorted(p.value for p in contact.contact_points.filter(channel="email")),
        "client": role.client.tax_id,
        "position": role.position,
    }


def _product_fields(product: Product) -> dict:
    return {
        "name": product.name,
        "sku": product.sku,
        "unit": (product.unit.code, product.unit.name, product.unit.full_name),
        "vat": product.vat_rate.rate,
        "description": product.description,
    }


def test_round_trip_keeps_every_field(ed):
    ours = make_connection(ed.staff)
    exported = _export(ours, ed.staff.admin)
    assert exported.status == SessionStatus.DONE, exported.message
    raw = _out_bytes(exported)
    assert raw.startswith(b"\xef\xbb\xbf")
    before_clients = {c.tax_id: _client_fields(c) for c in Client.objects.all()}
    before_contact = _contact_fields(ed.contact)
    before_product = _product_fields(ed.product)
    invoice = ed.invoice

    # The invoice for payment as 1C reads it: every field.
    message = _write(ed.tmp, "Message_ДЗ_НФ.xml", raw)
    (doc,) = [o for o in reader.iter_objects(message) if o.type == reader.INVOICE]
    assert not doc.error
    assert doc.ref == str(invoice.pk)
    assert doc.data["number"] == invoice.number
    assert doc.data["date"] == invoice.date
    assert doc.data["organisation"]["ИНН"] == "7707083893"
    assert doc.data["counterparty"]["ИНН"] == ed.client.tax_id
    assert doc.data["counterparty"]["Ссылка"] == str(ed.client.pk)
    assert doc.data["currency"] == {"Код": "643", "Наименование": "RUB"}
    assert doc.data["total"] == invoice.total == Decimal("2400")
    assert doc.data["prices_include_vat"] is True
    assert doc.data["comment"] == "Счёт по договору 5"
    (line,) = doc.data["lines"]
    src = invoice.lines.get()
    assert line["product"]["Ссылка"] == str(ed.product.pk)
    assert (line["quantity"], line["price"], line["amount"]) == (
        src.quantity,
        src.price,
        src.amount,
    )
    assert (line["vat_rate"], line["vat_amount"]) == (src.vat_rate, src.vat_amount)

    # A fresh database state: nothing of the exported records is left.
    Invoice.objects.all().delete()
    ContactPerson.objects.all().delete()
    Client.objects.all().delete()
    Product.objects.all().delete()
    ExternalId.objects.all().delete()
    SyncState.objects.all().delete()

    # The other side (playing 1C) takes our message.
    theirs = make_connection(ed.staff, code="peer", our_prefix="НФ", peer_prefix="ДЗ")
    session = _import(theirs, message, ed.staff.admin)
    assert session.status == SessionStatus.DONE, session.message
    assert session.counts["created"] == 4 and session.counts["rejected"] == 0
    after_clients = {c.tax_id: _client_fields(c) for c in Client.objects.all()}
    assert after_clients == before_clients
    assert _contact_fields(ContactPerson.objects.get()) == before_contact
    assert _product_fields(Product.objects.get()) == before_product
    assert Client.objects.get(tax_id=ed.client.tax_id).manager == ed.staff.manager1

    # The same objects again (a new message number): every one unchanged, nothing written.
    history = Client.history.count() + Product.history.count() + ContactPerson.history.count()
    again = _write(ed.tmp, "again.xml", raw.replace(b"<msg:MessageNo>1<", b"<msg:MessageNo>2<"))
    second = _import(theirs, again, ed.staff.admin)
    assert second.status == SessionStatus.DONE, second.message
    assert second.counts == {"created": 0, "updated": 0, "unchanged": 4, "rejected": 0}
    assert Client.history.count() + Product.history.count() + ContactPerson.history.count() == (
        history
    )


# --- numbering ------------------------------------------------------------------------


def test_numbering_duplicates_and_acknowledgement(ed):
    connection = make_connection(ed.staff)
    first = _export(connection, ed.staff.admin)
    assert first.state["message_no"] == 1
    root = etree.fromstring(_out_bytes(first))
    assert root.find(f"{MSG}Header/{MSG}Confirmation/{MSG}ReceivedNo").text == "0"

    body = COUNTERPARTY.format(
        ref="c0c0c0c0-0000-4000-8000-000000000001", name="Лютик", inn="7702070139"
    )
    path = _write(ed.tmp, "m3.xml", _message(body, no=3, received=0))
    applied = _import(connection, path, ed.staff.admin)
    assert applied.counts["created"] == 1
    # The same message number again: skipped as a duplicate, nothing applied.
    dup = _import(connection, path, ed.staff.admin)
    assert dup.status == SessionStatus.DONE
    assert "duplicate" in dup.message
    assert dup.counts == {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    assert Client.objects.filter(name="Лютик").count() == 1

    # Not yet confirmed: the next message repeats everything and acknowledges 1C's no. 3.
    second = _export(connection, ed.staff.admin)
    header = etree.fromstring(_out_bytes(second)).find(f"{MSG}Header/{MSG}Confirmation")
    assert header.findtext(f"{MSG}MessageNo") == "2"
    assert header.findtext(f"{MSG}ReceivedNo") == "3"
    assert second.state["sent"]["invoices"] == 1
    assert ed.invoice.__class__.objects.get(pk=ed.invoice.pk).sent_to_1c_at is None

    # 1C confirms our message 2: the invoice is delivered, the next message is empty.
    confirm = _write(ed.tmp, "m4.xml", _message("", no=4, received=2))
    assert _import(connection, confirm, ed.staff.admin).status == SessionStatus.DONE
    assert Invoice.objects.get(pk=ed.invoice.pk).sent_to_1c_at is not None
    state = envelope.state_of(connection)
    assert state["acked_no"] == 2 and state["pending"] == []
    third = _export(connection, ed.staff.admin)
    assert third.state["sent"] == {}
    assert third.state["message_no"] == 3


# --- payments -------------------------------------------------------------------------


def test_payment_is_allocated_to_our_invoice(ed):
    connection = make_connection(ed.staff)
    _export(connection, ed.staff.admin)  # 1C now knows our client and invoice by their Ссылка
    body = (
        "<Документ.ПБДСРасчетыСКонтрагентами><КлючевыеСвойства>"
        "<Ссылка>aaaaaaaa-0000-4000-8000-000000000001</Ссылка><Дата>2025-03-18T12:00:00</Дата>"
        "<Номер>НФ-000017</Номер><Организация><Наименование>Our Ltd</Наименование>"
        "</Организация></КлючевыеСвойства>"
        f"<Контрагент><Ссылка>{ed.client.pk}</Ссылка><Наименование>Ромашка</Наименование>"
        f"<ИНН>{ed.client.tax_id}</ИНН></Контрагент>"
        "<Валюта><ДанныеКлассификатора><Код>643</Код><Наименование>RUB</Наименование>"
        "</ДанныеКлассификатора></Валюта><СуммаДокумента>1000.00</СуммаДокумента>"
        "<НазначениеПлатежа>Оплата по счёту</НазначениеПлатежа>"
        "<РасшифровкаПлатежа><Строка><Сумма>1000.00</Сумма><ДокументРасчетов>"
        f"<Ссылка>{ed.invoice.pk}</Ссылка><Номер>{ed.invoice.number}</Номер>"
        "</ДокументРасчетов></Строка></РасшифровкаПлатежа></Документ.ПБДСРасчетыСКонтрагентами>"
    )
    path = _write(ed.tmp, "pay.xml", _message(body, no=1, received=1))
    session = _import(connection, path, ed.staff.admin)
    assert session.status == SessionStatus.DONE, session.message
    assert session.counts["created"] == 1, list(Rejection.objects.values_list("reason", flat=True))
    payment = Payment.objects.get()
    assert payment.amount == Decimal("1000.00") and payment.reference == "НФ-000017"
    assert payment.client == ed.client and payment.currency_id == "RUB"
    (allocation,) = payment.allocations.all()
    assert allocation.invoice == ed.invoice and allocation.amount == Decimal("1000.00")
    invoice = Invoice.objects.get(pk=ed.invoice.pk)
    assert invoice.paid_amount == Decimal("1000.00")
    assert invoice.status == InvoiceStatus.PARTLY_PAID
    # Applied twice (a new number): the payment is unchanged, not doubled.
    again = _write(ed.tmp, "pay2.xml", _message(body, no=2, received=1))
    assert _import(connection, again, ed.staff.admin).counts["unchanged"] == 1
    assert Payment.objects.count() == 1


# --- broken objects -------------------------------------------------------------------


def _broken_body():
    good = COUNTERPARTY.format(
        ref="c0c0c0c0-0000-4000-8000-000000000002", name="Василёк", inn="7736050003"
    )
    nameless = COUNTERPARTY.format(
        ref="c0c0c0c0-0000-4000-8000-000000000003", name="", inn="7740000076"
    )
    bad_vat = (
        "<Справочник.Номенклатура><КлючевыеСвойства><Ссылка>bbbbbbbb-0000-4000-8000-"
        "000000000001</Ссылка><Наименование>Шнурки</Наименование></КлючевыеСвойства>"
        "<СтавкаНДС>много</СтавкаНДС></Справочник.Номенклатура>"
    )
    return good + nameless + bad_vat


def test_broken_objects_are_rejected_and_the_rest_applied(ed):
    connection = make_connection(ed.staff)
    path = _write(ed.tmp, "broken.xml", _message(_broken_body(), no=1))
    session = _import(connection, path, ed.staff.admin)
    assert session.status == SessionStatus.DONE
    assert session.counts["created"] == 1 and session.counts["rejected"] == 2
    reasons = list(session.rejections.values_list("reason", flat=True))
    assert any("has no name (Наименование)" in r for r in reasons)
    assert any("Product “Шнурки”: VAT rate “много”" in r for r in reasons)
    assert Client.objects.filter(name="Василёк").exists()
    assert not Product.objects.filter(name="Шнурки").exists()


def test_stop_option_applies_nothing_of_a_broken_message(ed):
    connection = make_connection(ed.staff, on_error="stop")
    path = _write(ed.tmp, "broken.xml", _message(_broken_body(), no=1))
    session = _import(connection, path, ed.staff.admin)
    assert session.status == SessionStatus.FAILED
    assert "was not applied" in session.message and "has no name" in session.message
    assert not Client.objects.filter(name="Василёк").exists()
    assert session.rejections.count() == 1
    # Not taken: once 1C fixes the object, the same number is applied.
    assert envelope.state_of(connection)["received_no"] == 0


# --- safety ---------------------------------------------------------------------------

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Message xmlns:msg="http://www.1c.ru/SSL/Exchange/Message"><msg:Header>&lol2;</msg:Header></Message>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Message xmlns:msg="http://www.1c.ru/SSL/Exchange/Message"><msg:Header>&x;</msg:Header></Message>
"""


@pytest.mark.parametrize("payload", [LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_entities_are_refused_readably(ed, payload):
    connection = make_connection(ed.staff)
    clients = Client.objects.count()
    session = _import(connection, _write(ed.tmp, "evil.xml", payload), ed.staff.admin)
    assert session.status == SessionStatus.FAILED
    assert "declares a DTD or entities" in session.message
    assert Client.objects.count() == clients


def test_zipped_entities_are_refused_too(ed):
    connection = make_connection(ed.staff)
    target = ed.tmp / "Message_НФ_ДЗ.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("Message_НФ_ДЗ.xml", XXE)
    session = _import(connection, target, ed.staff.admin)
    assert session.status == SessionStatus.FAILED
    assert "declares a DTD or entities" in session.message


# --- folder transport -----------------------------------------------------------------


def test_folder_run_takes_a_file_once_and_writes_atomically(ed):
    shared = ed.tmp / "shared"
    shared.mkdir()
    connection = make_connection(ed.staff, folder=shared, peer_prefix="")
    with zipfile.ZipFile(shared / "Message_НФ_ДЗ.zip", "w") as archive:
        archive.write(HANDSHAKE, "Message_НФ_ДЗ.xml")
    (shared / "readme.txt").write_text("not a message")

    session = run_connection(connection, ed.staff.admin)
    assert session.status == SessionStatus.DONE, session.message
    assert not (shared / "Message_НФ_ДЗ.zip").exists()  # moved away, never read twice
    assert len(list((shared / folder.PROCESSED).iterdir())) == 1
    answer = shared / "Message_ДЗ_НФ.zip"
    assert answer.exists()
    assert sorted(p.name for p in shared.iterdir() if p.is_file()) == [
        "Message_ДЗ_НФ.zip",
        "readme.txt",
    ]  # no temporary file left
    with zipfile.ZipFile(answer) as archive:
        assert archive.namelist() == ["Message_ДЗ_НФ.xml"]
        assert archive.read("Message_ДЗ_НФ.xml").startswith(b"\xef\xbb\xbf")

    # Next run: nothing new from 1C; our data message replaces the handshake answer.
    connection.refresh_from_db()
    export = run_connection(connection, ed.staff.admin)
    assert export.channel == "export" and export.status == SessionStatus.DONE, export.message
    imports = ExchangeSession.objects.filter(connection=connection, channel="import")
    assert "No message from 1C" in imports.order_by("-started_at").first().message
    with zipfile.ZipFile(answer) as archive:
        root = etree.fromstring(archive.read("Message_ДЗ_НФ.xml"))
    assert root.findtext(f"{MSG}Header/{MSG}Format").endswith("/1.10")
    assert root.findtext(f"{MSG}Header/{MSG}Confirmation/{MSG}MessageNo") == "1"


def test_folder_ignores_our_own_and_foreign_files(tmp_path):
    for name in ("Message_ДЗ_НФ.zip", "Message_XX_YY.xml", "Message_НФ_ДЗ.xml", ".tmp.xml"):
        (tmp_path / name).write_bytes(b"<x/>")
    assert [p.name for p in folder.incoming(tmp_path, ours="ДЗ")] == ["Message_НФ_ДЗ.xml"]
    claimed = folder.claim(tmp_path / "Message_НФ_ДЗ.xml")
    assert claimed.parent.name == folder.PROCESSED
    assert folder.incoming(tmp_path, ours="ДЗ") == []
    with pytest.raises(folder.TransportError):
        folder.claim(tmp_path / "Message_НФ_ДЗ.xml")


# --- access and the browser -----------------------------------------------------------


def test_only_exchange_users_reach_upload_and_download(ed, client):
    connection = make_connection(ed.staff)
    upload = reverse("onec:onec_ed:upload", args=[connection.pk])
    download = reverse("onec:onec_ed:download", args=[connection.pk])
    client.force_login(ed.staff.director)  # sees everything, but may not exchange
    assert client.get(download).status_code == 404
    with open(HANDSHAKE, "rb") as handle:
        assert client.post(upload, {"file": handle}).status_code == 404
    assert not ExchangeSession.objects.exists()


def test_upload_runs_the_import_and_download_gives_the_message(
    ed, client, django_capture_on_commit_callbacks
):
    connection = make_connection(ed.staff, peer_prefix="")
    client.force_login(ed.staff.admin)
    upload = reverse("onec:onec_ed:upload", args=[connection.pk])
    with django_capture_on_commit_callbacks(execute=True), open(HANDSHAKE, "rb") as handle:
        response = client.post(upload, {"file": handle})
    session = ExchangeSession.objects.get(channel="import")
    assert response.status_code == 302
    assert response["Location"] == reverse("onec:session", args=[session.pk])
    assert session.status == SessionStatus.DONE, session.message
    assert session.job is not None
    response = client.get(reverse("onec:onec_ed:download", args=[connection.pk]))
    assert response.status_code == 200
    assert "Message_" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = etree.fromstring(archive.read(archive.namelist()[0]))
    assert root.findtext(f"{MSG}Header/{MSG}Confirmation/{MSG}To") == "НФ"
    assert ExchangeSession.objects.filter(channel="export").get().files.count() == 1


def test_connection_page_fragments_render(ed, rf):
    from django.template.loader import render_to_string

    connection = make_connection(ed.staff)
    request = rf.get("/exchange/")
    request.user = ed.staff.admin
    html = render_to_string(
        "exchange/onec/ed_transfer.html", {"connection": connection}, request=request
    )
    assert reverse("onec:onec_ed:upload", args=[connection.pk]) in html
    assert reverse("onec:onec_ed:download", args=[connection.pk]) in html
    _export(connection, ed.staff.admin)
    connection.refresh_from_db()
    html = render_to_string(
        "exchange/onec/ed_state.html",
        {"connection": connection, "ed_state": envelope.state_of(connection)},
    )
    assert "Last message sent" in html and ">1<" in html


def test_options_form_keeps_the_numbering_state(ed, tmp_path):
    from rapport.exchange.onec.enterprisedata.options import OptionsForm, options_for

    connection = make_connection(ed.staff)
    _export(connection, ed.staff.admin)
    connection.refresh_from_db()
    form = OptionsForm(
        {
            "folder": str(tmp_path),
            "our_prefix": "ДЗ",
            "peer_prefix": "НФ",
            "versions": ["1.10"],
            "send_counterparties": "on",
            "on_error": "stop",
        },
        initial=dict(connection.options),
    )
    assert form.is_valid(), form.errors
    options = form.to_options()
    assert options["ed_state"]["sent_no"] == 1
    connection.options = options
    parsed = options_for(connection)
    assert parsed.versions == ["1.10"] and parsed.on_error == "stop"
    assert parsed.send_counterparties and not parsed.send_invoices
    bad = OptionsForm(
        {
            "folder": "relative/path",
            "our_prefix": "A_B",
            "peer_prefix": "",
            "versions": ["1.10"],
            "on_error": "skip",
        }
    )
    assert not bad.is_valid()
    assert "folder" in bad.errors and "our_prefix" in bad.errors
