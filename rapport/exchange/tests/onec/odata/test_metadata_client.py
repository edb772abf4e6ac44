"""$metadata reading, configuration detection, the HTTP client's errors and paging."""

from __future__ import annotations

import pytest

from rapport.exchange.onec.odata.client import ODataClient, ODataError, base_url_of, guid
from rapport.exchange.onec.odata.mapping import BP30, OTHER, UT11, build, detect
from rapport.exchange.onec.odata.metadata import read_metadata
from rapport.exchange.onec.xml import XmlRefused

from ..odata_server import SAMPLES, SCHEMAS, ODataServer, edmx


def metadata_of(server: ODataServer):
    with (
        ODataClient(server.url, server.username, server.password) as client,
        client.metadata() as handle,
    ):
        return read_metadata(handle)


def test_bp30_metadata_and_detection(bp30):
    meta = metadata_of(bp30)
    assert meta.has("Catalog_Контрагенты") and meta.key_of("Catalog_Контрагенты") == ["Ref_Key"]
    assert meta.fields("Catalog_Контрагенты")["ИНН"].type == "Edm.String"
    assert meta.fields("Catalog_Контрагенты")["КонтактнаяИнформация"].is_collection
    assert "АдресЭП" in meta.row_fields("Catalog_Контрагенты", "КонтактнаяИнформация")
    # The real BP 3.0 contract's fields are published as they are in the sample.
    assert "НДСПоСтавкам4и2" in meta.fields("Catalog_ДоговорыКонтрагентов")
    assert meta.key_of("InformationRegister_ЦеныНоменклатуры") == [
        "Period",
        "ТипЦен_Key",
        "Номенклатура_Key",
    ]
    assert detect(meta) == BP30
    profile = build(meta)
    assert profile.configuration == BP30
    assert profile.found() == [
        "counterparties",
        "contacts",
        "contracts",
        "goods",
        "prices",
        "payments",
    ]
    counterparties = profile.get("counterparties")
    assert counterparties.fields["legal_kind"] == "ЮридическоеФизическоеЛицо"
    assert counterparties.sections["contact_info"][0] == "КонтактнаяИнформация"
    payments = profile.get("payments")
    assert payments.entity_set == "Document_ПоступлениеНаРасчетныйСчет"
    assert payments.fields["counterparty"] == "Контрагент"  # a composite reference in BP
    assert payments.sections["lines"][1]["invoice"] == "СчетНаОплату_Key"
    assert profile.get("invoices").entity_set == "Document_СчетНаОплатуПокупателю"
    # Cash receipts are not published here: nothing maps to them.
    assert "Document_ПриходныйКассовыйОрдер" not in meta.entity_sets


def test_ut11_metadata_and_detection(ut11):
    meta = metadata_of(ut11)
    assert detect(meta) == UT11
    profile = build(meta)
    assert profile.get("counterparties").fields["partner"] == "Партнер_Key"
    assert profile.get("counterparties").fields["legal_kind"] == "ЮрФизЛицо"
    assert profile.get("contacts").entity_set == "Catalog_КонтактныеЛицаПартнеров"
    assert profile.get("prices").fields["price_type"] == "ВидЦены_Key"
    assert profile.get("payments").entity_set == "Document_ПоступлениеБезналичныхДенежныхСредств"
    assert profile.get("payments").sections["lines"][1] == {"invoice": "Заказ", "amount": "Сумма"}
    assert profile.get("invoices").entity_set == "Document_СчетНаОплатуКлиенту"
    # Forcing BP 3.0 on a УТ base maps only what exists.
    forced = build(meta, BP30)
    assert forced.configuration == BP30
    assert "partner" not in forced.get("counterparties").fields
    assert forced.get("contacts") is None and "contacts" in forced.missing


def test_custom_configuration_from_the_sample():
    meta = read_metadata(edmx(SCHEMAS["custom"]()).encode("utf-8"))
    assert detect(meta) == OTHER
    profile = build(meta)
    counterparties = profile.get("counterparties")
    assert counterparties.fields == {
        "ref": "Ref_Key",
        "version": "DataVersion",
        "deleted": "DeletionMark",
        "code": "Code",
        "name": "Description",
    }
    assert profile.found() == ["counterparties"]


def test_metadata_with_a_dtd_is_refused():
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        b'<edmx:Edmx xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx">&a;</edmx:Edmx>'
    )
    with pytest.raises(XmlRefused):
        read_metadata(evil)


def test_base_url_normalised():
    assert base_url_of("https://h/base") == "https://h/base/odata/standard.odata/"
    assert base_url_of("https://h/base/odata/standard.odata/$metadata") == (
        "https://h/base/odata/standard.odata/"
    )
    with pytest.raises(ODataError, match="must start with http"):
        ODataClient("ftp://h/base")


def test_paging_filter_select_and_single_element(bp30):
    with ODataClient(bp30.url, "odata", "secret", page_size=1) as client:
        names = [
            e["Description"]
            for e in client.iterate(
                "Catalog_Контрагенты", select=["Ref_Key", "Description"], filter="not IsFolder"
            )
        ]
        assert sorted(names) == ["Иванов Пётр Сергеевич", "Ромашка ООО"]
        pages = [p for _m, p in bp30.requests if "$skip=" in p]
        assert len(pages) == 2  # $top=1: three requests, the last one empty
        answer = client.query(
            "Catalog_Контрагенты",
            filter="ИНН eq '7736207543' and DeletionMark eq false",
            inlinecount=True,
            select=["Description"],
        )
        assert answer["odata.count"] == "1" and answer["value"] == [{"Description": "Ромашка ООО"}]
        element = client.element("Catalog_Номенклатура", "f02ce7b3-e3b3-11eb-b4ad-000c29b45b09")
        assert element["Description"] == "Мойка" and element["DataVersion"]
        assert client.count("Catalog_Номенклатура") == 2
        by_guid = client.query(
            "Catalog_ДоговорыКонтрагентов",
            filter=f"Owner_Key eq {guid('b7569c0f-f670-11ea-8591-000c29b45b09')}",
        )["value"]
        assert by_guid[0]["ВидДоговора"] == "СПокупателем"


def test_odata_error_answers_are_readable(bp30):
    with ODataClient(bp30.url, "odata", "secret") as client:
        with pytest.raises(ODataError) as bad_field:
            client.query("Catalog_Контрагенты", filter="Нет eq 'x'")
        assert "Неправильный путь к полю: Нет" in str(bad_field.value)
        assert bad_field.value.status == 400 and bad_field.value.code == "6"
        with pytest.raises(ODataError, match="Не найден ресурс"):
            client.query("Catalog_НеОпубликован")
    with (
        ODataClient(bp30.url, "odata", "wrong") as client,
        pytest.raises(ODataError, match="refused the user name or password"),
    ):
        client.query("Catalog_Контрагенты")


def test_atom_answer_is_a_readable_error(bp30):
    """Without $format=json 1C answers Atom (the sample); the client says so plainly."""
    import httpx

    atom = (SAMPLES / "custom_Catalog_Контрагенты_element.atom.xml").read_bytes()

    def handler(request):
        return httpx.Response(200, content=atom, headers={"Content-Type": "application/atom+xml"})

    client = ODataClient("http://1c.test/base", "u", "p", transport=httpx.MockTransport(handler))
    with pytest.raises(ODataError, match="not JSON"):
        client.element("Catalog_Контрагенты", "1fa1a135-d89b-11e6-8343-40167e2531c3")


def test_timeout_is_readable():
    import httpx

    def handler(request):
        raise httpx.ReadTimeout("timed out", request=request)

    client = ODataClient(
        "http://1c.test/base", "u", "p", timeout=5, transport=httpx.MockTransport(handler)
    )
    with pytest.raises(ODataError, match="did not answer within 5 seconds"):
        client.query("Catalog_Контрагенты")
