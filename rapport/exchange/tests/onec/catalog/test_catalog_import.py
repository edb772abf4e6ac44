"""CommerceML catalogue import: every catalogue sample, incremental and full packages,
deactivation, idempotency (0 rows written the second time), refused files, resuming."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from rapport.catalog.models import (
    PriceList,
    PriceListItem,
    PriceType,
    Product,
    ProductGroup,
    StockLevel,
    Unit,
    Warehouse,
)
from rapport.core.models import ExternalId, PropertyDefinition
from rapport.exchange.models import Rejection, SyncState
from rapport.exchange.onec.commerceml import catalog_parse as cml
from rapport.exchange.onec.commerceml.catalog import (
    STATE_KEY,
    apply_catalog_file,
    deactivate_missing,
)
from rapport.exchange.onec.xml import XmlRefused

from .conftest import SAMPLES, new_progress, new_run

pytestmark = pytest.mark.django_db

DATA_TABLES = (
    "catalog_",
    "core_externalid",
    "exchange_syncstate",
    "core_propertydefinition",
)


def data_writes(queries) -> list[str]:
    """INSERT/UPDATE/DELETE statements on the catalogue and the exchange's memory."""
    found = []
    for query in queries:
        sql = query["sql"].lstrip()
        if not sql.upper().startswith(("INSERT", "UPDATE", "DELETE")):
            continue
        table = re.search(r'"([a-z_]+)"', sql)
        if table and table.group(1).startswith(DATA_TABLES):
            found.append(sql[:120])
    return found


def product(external_id: str) -> Product:
    link = ExternalId.objects.get(system="1c:ut", value=external_id, content_type__model="product")
    return Product.objects.get(pk=link.object_id)


def group_path(group: ProductGroup | None) -> list[str]:
    path = []
    while group is not None:
        path.insert(0, group.name)
        group = group.parent
    return path


# --- parsing -------------------------------------------------------------------------------


def test_parser_reads_every_catalogue_sample():
    def kinds(name):
        records = list(cml.read_catalog(SAMPLES / name))
        counts: dict[str, int] = {}
        for r in records:
            counts[type(r).__name__] = counts.get(type(r).__name__, 0) + 1
        return counts, records

    counts, records = kinds("dobromyslov_commerceml-parser/import0_1.xml")
    assert counts == {"Group": 1, "Property": 12, "Header": 1, "Item": 36}
    item = next(r for r in records if isinstance(r, cml.Item))
    assert item.unit.code == "796"  # written as Код="796 "
    assert item.unit.international == "PCE"
    assert item.vat == "20"
    header = next(r for r in records if isinstance(r, cml.Header))
    assert (header.kind, header.only_changes, header.version) == ("catalog", False, "2.07")
    counts, records = kinds("dobromyslov_commerceml-parser/offers0_1.xml")
    assert counts == {"Header": 1, "PriceTypeDef": 1, "WarehouseDef": 3, "Offer": 44}
    offer = next(r for r in records if isinstance(r, cml.Offer))
    assert offer.stock[2] == ("dd306af1-19c9-11e7-80c2-0cc47ab29cd1", "376")
    assert kinds("ArtemiusUA_django-cml/import.xml")[0]["Item"] == 282  # 2.05, no namespace
    counts, records = kinds(
        "stee1cat_1c-exchange_cml3.1/import___29d3f7f0-36dd-4eea-a06c-4c325bed4285.xml"
    )
    assert counts == {"Group": 25, "WarehouseDef": 13, "UnitDef": 10, "Header": 1}
    assert next(r for r in records if isinstance(r, cml.Header)).only_changes is True
    counts, _ = kinds(
        "stee1cat_1c-exchange_cml3.1/offers___cd9ce019-f901-4dd4-aed7-a76bec5faac2.xml"
    )
    assert counts == {"Header": 1, "Property": 25}
    variants = [
        r
        for r in kinds("carono_php-commerceml/offers.xml")[1]
        if isinstance(r, cml.Offer) and r.characteristics
    ]
    assert variants[0].id.endswith("#90c55447-d3a8-11e4-9423-e0cb4ed5eed4")
    assert ("14ed8b06-55bd-11d9-848a-00112f43529a", "Размер", "40") in variants[0].characteristics


def test_order_files_hold_no_catalogue_objects():
    """Windows-1251 order files (2.03/2.05) parse, and their lines are not goods."""
    for name in (
        "carono_php-commerceml/orders.xml",
        "carono_yii2-1c-exchange/from_orders_2.03_cp1251.xml",
        "dobromyslov_commerceml-parser/bitrix-query-response-full.xml",
        "dobromyslov_commerceml-parser/bitrix-query-response-empty.xml",
    ):
        assert list(cml.read_catalog(SAMPLES / name)) == []


# --- importing the samples -----------------------------------------------------------------


def test_dobromyslov_import_and_offers(apply):
    run = apply(
        "dobromyslov_commerceml-parser/import0_1.xml",
        "dobromyslov_commerceml-parser/offers0_1.xml",
    )
    assert Product.objects.count() == 36
    mat = product("bd8c4e15-18f9-11e7-80c2-0cc47ab29cd1")
    assert mat.name == "Портативный коврик Portable 140x200x1 см, Деревянные лошадки"
    assert (mat.sku, mat.barcode) == ("PM-421-WP", "8809288404089")
    assert (mat.unit.code, mat.unit.name, mat.unit.full_name) == ("796", "PCE", "Штука")
    assert mat.vat_rate.rate == Decimal("20")
    assert group_path(mat.group) == ["Коврики для дома"]
    labels = dict(
        PropertyDefinition.objects.filter(code__in=mat.properties).values_list("code", "label")
    )
    by_label = {labels[k]: v for k, v in mat.properties.items()}
    assert by_label["Страна производства"] == "КОРЕЯ, РЕСПУБЛИКА"  # a variant id resolved
    assert by_label["Линейка"] == "Portable"
    assert by_label["Габарит_Вес"] == 1.4  # "1,4"
    assert by_label["Код ОЗОН"] == "149831179"
    price_type = PriceType.objects.get(name="BASE")
    price = PriceListItem.objects.get(product=mat, price_list__price_type=price_type)
    assert (price.price, price.price_list.currency_id) == (Decimal("100"), "RUB")
    stock = dict(mat.stock_levels.values_list("warehouse__name", "quantity"))
    assert stock == {"Владивосток": 1, "Новосибирск": 0, "Москва": 376}
    # Offers of goods the catalogue part did not hold are refused by name.
    refused = Rejection.objects.filter(session=run.session, target="offer")
    assert refused.count() == 8
    assert "no product with this id came from 1C" in refused.first().reason
    assert run.session.counts["created"] == 36 + 1  # goods and their group
    assert run.session.counts["rejected"] == 8


def test_carono_import_offers_and_variants(apply):
    apply("carono_php-commerceml/import.xml", "carono_php-commerceml/offers.xml")
    assert ProductGroup.objects.count() == 22
    boots = product("bd72d910-55bc-11d9-848a-00112f43529a")
    assert group_path(boots.group) == ["Обувь", "Обувь"]
    assert (boots.unit.code, boots.unit.full_name) == ("715", "Пара (2 шт.)")
    labels = {PropertyDefinition.objects.get(code=k).label: v for k, v in boots.properties.items()}
    assert labels["Производитель"] == "Обувной комбинат"
    assert labels["Основной поставщик"] == "ООО Рога и копыта"
    # Each "product#characteristic" offer is a product of its own with its price and stock.
    size38 = product("bd72d910-55bc-11d9-848a-00112f43529a#90c55447-d3a8-11e4-9423-e0cb4ed5eed4")
    assert size38.name == "Женские ботфорты коричневые (38)"
    assert size38.group_id == boots.group_id
    chars = {PropertyDefinition.objects.get(code=k).label: v for k, v in size38.properties.items()}
    assert chars["Размер"] == "40" and chars["Цвет"] == "Коричневый"
    assert size38.prices.get().price == Decimal("1719")
    assert size38.stock_levels.get().warehouse.name == 'Магазин "Обувь"'
    assert Product.objects.count() == 2 + 5
    assert Warehouse.objects.count() == 5


def test_classifier_from_an_earlier_file_resolves_ids(apply, connection, staff):
    apply("carono_php-commerceml/import.xml")
    Product.objects.all().delete()
    ExternalId.objects.filter(content_type__model="product").delete()
    later = new_run(connection, staff.admin)
    apply("carono_php-commerceml/import_wo_classifier.xml", run_=later)
    boots = product("bd72d910-55bc-11d9-848a-00112f43529a")
    assert group_path(boots.group) == ["Обувь", "Обувь"]
    values = {PropertyDefinition.objects.get(code=k).label: v for k, v in boots.properties.items()}
    assert values == {
        "Производитель": "Обувной комбинат",
        "Вид товара": "Демисезонная обувь",
        "Канал сбыта": "Опт",
    }


def test_artemius_205_without_namespace(apply):
    run = apply("ArtemiusUA_django-cml/import.xml")
    refused = list(Rejection.objects.filter(session=run.session).values_list("reason", flat=True))
    # Two SKUs are used twice in this 1C base; the catalogue keeps SKUs unique.
    assert len(refused) == 2
    assert all("Another product already has the SKU" in r for r in refused)
    assert Product.objects.count() == 280
    laminate = product("c04853c5-720b-11d9-ac6c-0080482454f7")
    assert (laminate.unit.name, laminate.unit.code) == ("м2", "055")
    assert group_path(laminate.group)[-1]
    assert laminate.properties == {}  # empty values are not stored


def test_commerceml_31_split_files(apply):
    apply(
        "stee1cat_1c-exchange_cml3.1/import___29d3f7f0-36dd-4eea-a06c-4c325bed4285.xml",
        "stee1cat_1c-exchange_cml3.1/import___a499ca50-a6b0-4bbd-953a-24962a5ab40d.xml",
        "stee1cat_1c-exchange_cml3.1/offers___cd9ce019-f901-4dd4-aed7-a76bec5faac2.xml",
    )
    assert ProductGroup.objects.count() == 25
    shoes = ProductGroup.objects.get(name="Женская обувь")
    assert group_path(shoes) == ["Торговая деятельность", "Обувь", "Женская обувь"]
    assert Warehouse.objects.filter(name="Центральный склад").exists()
    assert Warehouse.objects.count() == 13
    box = Unit.objects.get(code="996")
    assert (box.name, box.full_name) == ("кор", "Коробка")
    linked = ExternalId.objects.filter(system="1c:ut", content_type__model="propertydefinition")
    assert linked.count() == 25
    sizes = PropertyDefinition.objects.get(label="Габариты (высота,ширина, глубина)")
    assert "120*60*30" in sizes.choices


# --- idempotency, incremental and full packages ------------------------------------------------


def test_second_run_writes_nothing(apply, connection, staff):
    files = (
        "carono_php-commerceml/import.xml",
        "carono_php-commerceml/offers.xml",
        "dobromyslov_commerceml-parser/import0_1.xml",
        "dobromyslov_commerceml-parser/offers0_1.xml",
    )
    apply(*files)
    history = Product.history.count()
    again = new_run(connection, staff.admin)
    with CaptureQueriesContext(db) as queries:
        apply(*files, run_=again)
    assert data_writes(queries.captured_queries) == []
    assert Product.history.count() == history
    assert again.session.counts["created"] == 0
    assert again.session.counts["updated"] == 0
    assert again.session.counts["unchanged"] > 40


def _catalog_file(tmp_path: Path, name: str, goods: list[tuple[str, str, str]], *, changes: bool):
    body = "".join(
        f"<Товар><Ид>{gid}</Ид><Артикул>{sku}</Артикул><Наименование>{title}</Наименование></Товар>"
        for gid, sku, title in goods
    )
    path = tmp_path / name
    flag = "true" if changes else "false"
    path.write_text(
        '<?xml version="1.0" encoding="windows-1251"?>'
        '<КоммерческаяИнформация ВерсияСхемы="2.04">'
        f'<Каталог СодержитТолькоИзменения="{flag}"><Ид>c</Ид>'
        "<ИдКлассификатора>c</ИдКлассификатора>"
        f"<Товары>{body}</Товары></Каталог></КоммерческаяИнформация>",
        encoding="cp1251",
    )
    return path


def test_incremental_package_changes_only_what_it_lists(apply, tmp_path, connection, staff):
    full = _catalog_file(
        tmp_path, "import.xml", [("a", "A-1", "Альфа"), ("b", "B-1", "Бета")], changes=False
    )
    apply(full)
    beta_before = product("b").updated_at
    change = _catalog_file(tmp_path, "import1.xml", [("a", "A-1", "Альфа 2")], changes=True)
    later = new_run(connection, staff.admin)
    apply(change, run_=later)
    assert product("a").name == "Альфа 2"
    assert product("b").updated_at == beta_before and product("b").is_active
    assert later.session.counts["updated"] == 1
    # An incremental package deactivates nothing.
    assert deactivate_missing(later) == 0


def test_full_package_then_deactivate_missing(apply, tmp_path, connection, staff):
    apply(
        _catalog_file(tmp_path, "i.xml", [("a", "A", "Альфа"), ("b", "B", "Бета")], changes=False)
    )
    later = new_run(connection, staff.admin)
    apply(_catalog_file(tmp_path, "i2.xml", [("a", "A", "Альфа")], changes=False), run_=later)
    assert deactivate_missing(later) == 1
    assert product("b").is_active is False and product("a").is_active is True
    assert product("b").history.first().is_active is False
    # 1C sends it again: it comes back.
    back = new_run(connection, staff.admin)
    apply(
        _catalog_file(tmp_path, "i3.xml", [("a", "A", "Альфа"), ("b", "B", "Бета")], changes=False),
        run_=back,
    )
    assert product("b").is_active is True


def test_deleted_status_deactivates(apply, tmp_path):
    path = tmp_path / "import.xml"
    path.write_text(
        '<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_3" ВерсияСхемы="3.1">'
        '<Каталог СодержитТолькоИзменения="true"><ИдКлассификатора>c</ИдКлассификатора><Товары>'
        "<Товар><Ид>x</Ид><Наименование>Икс</Наименование><ПометкаУдаления>true</ПометкаУдаления></Товар>"
        '<Товар Статус="Удален"><Ид>y</Ид><Наименование>Игрек</Наименование></Товар>'
        "<Товар><Ид>z</Ид><Наименование>Зет</Наименование></Товар>"
        "</Товары></Каталог></КоммерческаяИнформация>",
        encoding="utf-8",
    )
    apply(path)
    assert [product(i).is_active for i in "xyz"] == [False, False, True]


# --- refused files -------------------------------------------------------------------------------


def _nothing_written():
    return (
        Product.objects.count() == 0
        and ProductGroup.objects.count() == 0
        and SyncState.objects.count() == 0
        and PriceListItem.objects.count() == 0
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04 not xml at all", "is not an XML file"),
        (
            "<?xml version='1.0'?><Документ><Ид>1</Ид></Документ>".encode(),
            "is not a CommerceML file",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>',
            "declares a DTD or entities",
        ),
        (
            "<КоммерческаяИнформация><Классификатор><Группы><Группа><Ид>g</Ид>"
            "<Наименование>Г</Наименование></Группа></Группы></Классификатор>"
            "<Каталог><Товары><Товар><Ид>1</Ид><Наименование>Оборван".encode(),
            "is not well-formed XML",
        ),
    ],
)
def test_bad_files_are_refused_whole(apply, tmp_path, content, message):
    path = tmp_path / "import.xml"
    path.write_bytes(content)
    with pytest.raises(XmlRefused, match=message):
        apply(path)
    assert _nothing_written()


def test_bad_price_rejects_that_offer_only(apply, tmp_path, run):
    apply("carono_php-commerceml/import.xml")
    text = (SAMPLES / "carono_php-commerceml/offers.xml").read_text(encoding="utf-8-sig")
    text = text.replace("<ЦенаЗаЕдиницу>1719</ЦенаЗаЕдиницу>", "<ЦенаЗаЕдиницу>abc</ЦенаЗаЕдиницу>")
    path = tmp_path / "offers.xml"
    path.write_text(text, encoding="utf-8")
    apply(path)
    reason = Rejection.objects.get(session=run.session, target="offer").reason
    assert reason == (
        "“Женские ботфорты коричневые (38)” (1C id bd72d910-55bc-11d9-848a-00112f43529a"
        "#90c55447-d3a8-11e4-9423-e0cb4ed5eed4): price “abc” is not a number."
    )
    assert PriceListItem.objects.count() == 4  # the other four offers
    assert StockLevel.objects.count() == 4
    assert PriceList.objects.count() == 1


def test_user_who_may_not_manage_the_catalogue_is_refused(connection, staff):
    from django.core.exceptions import PermissionDenied

    run = new_run(connection, staff.manager1)
    with pytest.raises(PermissionDenied, match="may not change the catalogue"):
        apply_catalog_file(
            run, SAMPLES / "carono_php-commerceml/import.xml", new_progress(staff.manager1)
        )
    assert _nothing_written()


# --- resuming ----------------------------------------------------------------------------------


def test_resume_after_checkpoint_skips_written_chunks(tmp_path, connection, staff, monkeypatch):
    from rapport.exchange.onec.commerceml import catalog

    monkeypatch.setattr(catalog, "CHUNK", 2)
    goods = [(f"g{i}", f"S-{i}", f"Товар {i}") for i in range(5)]
    path = _catalog_file(tmp_path, "import.xml", goods, changes=False)
    run = new_run(connection, staff.admin)
    progress = new_progress(staff.admin)
    calls = {"n": 0}
    real = catalog._Applier._apply_items

    def dies_on_second_chunk(self, items):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(self, items)

    monkeypatch.setattr(catalog._Applier, "_apply_items", dies_on_second_chunk)
    with pytest.raises(RuntimeError):
        apply_catalog_file(run, path, progress)
    progress.job.refresh_from_db()
    assert progress.job.state[STATE_KEY] == {"file": "import.xml", "done": 2}
    assert Product.objects.count() == 2  # the first chunk, with its checkpoint
    monkeypatch.setattr(catalog._Applier, "_apply_items", real)
    with CaptureQueriesContext(db) as queries:
        apply_catalog_file(run, path, catalog.jobs.Progress(progress.job))
    assert Product.objects.count() == 5
    inserts = [
        q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "catalog_product"')
    ]
    assert len(inserts) == 2  # chunks 2 and 3 only
    run.session.refresh_from_db()
    assert sorted(run.session.state["catalog_seen"]) == [g[0] for g in goods]


def test_product_card_shows_stock_and_1c_id(apply, client, staff):
    apply("carono_php-commerceml/import.xml", "carono_php-commerceml/offers.xml")
    variant = product("bd72d910-55bc-11d9-848a-00112f43529a#90c55447-d3a8-11e4-9423-e0cb4ed5eed4")
    client.force_login(staff.director)
    page = client.get(f"/catalog/products/{variant.pk}/").content.decode()
    assert 'data-testid="product-stock"' in page
    assert "Магазин &quot;Обувь&quot;" in page
    assert "bd72d910-55bc-11d9-848a-00112f43529a#90c55447-d3a8-11e4-9423-e0cb4ed5eed4" in page
