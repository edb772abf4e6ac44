"""Writes of the catalogue: who may, what is validated, what is refused."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rapport.catalog import selectors
from rapport.catalog.models import (
    ExchangeRate,
    ManualDiscountLimit,
    PriceListItem,
    PriceType,
    Product,
    ProductGroup,
)
from rapport.catalog.services import groups as group_services
from rapport.catalog.services import prices as price_services
from rapport.catalog.services import products as product_services
from rapport.catalog.services import reference as reference_services
from rapport.core import access
from rapport.core.models import PropertyDefinition, PropertyTarget, PropertyType, Role

from .factories import (
    CurrencyFactory,
    PriceListFactory,
    PriceListItemFactory,
    PriceTypeFactory,
    ProductFactory,
    ProductGroupFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal


def _errors(exc_info):
    return exc_info.value.message_dict


# --- products ---------------------------------------------------------------------------


def test_director_creates_a_product_with_properties_and_history(staff):
    PropertyDefinition.objects.create(
        target=PropertyTarget.PRODUCT, code="weight", label="Weight", type=PropertyType.NUMBER
    )
    group, unit = ProductGroupFactory(), UnitFactory()
    product = product_services.product_create(
        actor=staff.director,
        name="  Server X ",
        sku="SRV-X",
        group=group,
        unit=unit,
        properties={"weight": "12,5"},
    )
    product.refresh_from_db()
    assert product.name == "Server X"
    assert product.properties == {"weight": 12.5}
    assert product.created_by == staff.director
    assert product.history.first().history_user == staff.director
    product_services.product_update(actor=staff.admin, product=product, name="Server XL")
    assert product.history.count() == 2
    entries = selectors.product_history(actor=staff.admin, product=product)
    assert entries[0].changes[0][1:] == ("Server X", "Server XL")


@pytest.mark.parametrize("role", ["head", "manager1", "viewer"])
def test_only_admins_and_directors_write(staff, role):
    user = getattr(staff, role)
    product = ProductFactory(name="Keep")
    with pytest.raises(PermissionDenied):
        product_services.product_create(actor=user, name="New")
    with pytest.raises(PermissionDenied):
        product_services.product_update(actor=user, product=product, name="Changed")
    with pytest.raises(PermissionDenied):
        product_services.product_trash(actor=user, product=product)
    with pytest.raises(PermissionDenied):
        reference_services.currency_save(actor=user, code="USD", name="Dollar")
    product.refresh_from_db()
    assert product.name == "Keep" and product.deleted_at is None
    assert Product.objects.count() == 1


def test_product_validation_names_the_fields(staff):
    ProductFactory(sku="DUP", barcode="4600000000001")
    PropertyDefinition.objects.create(
        target=PropertyTarget.PRODUCT,
        code="color",
        label="Color",
        type=PropertyType.CHOICE,
        choices=["red"],
        is_required=True,
    )
    with pytest.raises(ValidationError) as caught:
        product_services.product_create(
            actor=staff.admin,
            name=" ",
            kind="thing",
            sku="DUP",
            barcode="4600000000001",
            properties={"color": "blue"},
        )
    errors = _errors(caught)
    assert set(errors) == {"name", "kind", "sku", "barcode", "properties.color"}
    assert "DUP" in errors["sku"][0]
    assert Product.objects.count() == 1


def test_a_trashed_product_frees_its_sku_and_is_hidden_from_readers(staff):
    product = ProductFactory(sku="A-1")
    product_services.product_trash(actor=staff.admin, product=product)
    assert product_services.product_create(actor=staff.admin, name="Again", sku="A-1").sku == "A-1"
    assert not access.visible_to(staff.manager1, Product).filter(pk=product.pk).exists()
    assert not (
        access.visible_to(staff.manager1, Product, include_trashed=True)
        .filter(pk=product.pk)
        .exists()
    )
    assert (
        access.visible_to(staff.admin, Product, include_trashed=True).filter(pk=product.pk).exists()
    )
    product_services.product_restore(actor=staff.director, product=product)
    product.refresh_from_db()
    assert product.deleted_at is None


# --- groups -----------------------------------------------------------------------------


def test_group_tree_refuses_cycles(staff):
    top = group_services.product_group_save(actor=staff.admin, name="Hardware")
    child = group_services.product_group_save(actor=staff.admin, name="Servers", parent=top)
    grandchild = group_services.product_group_save(actor=staff.admin, name="Blades", parent=child)
    for parent in (top, grandchild):
        with pytest.raises(ValidationError) as caught:
            group_services.product_group_save(
                actor=staff.admin, group=top, name="Hardware", parent=parent
            )
        assert "parent" in _errors(caught)
    top.refresh_from_db()
    assert top.parent is None
    with pytest.raises(ValidationError) as caught:
        group_services.product_group_save(actor=staff.admin, name="Servers", parent=top)
    assert "name" in _errors(caught)
    tree = selectors.group_tree(actor=staff.viewer)
    assert [(n.group.name, n.depth) for n in tree] == [
        ("Hardware", 0),
        ("Servers", 1),
        ("Blades", 2),
    ]


def test_deleting_a_non_empty_group_is_refused_with_a_clear_message(staff):
    group = ProductGroupFactory(name="Servers")
    sub = ProductGroupFactory(name="Blades", parent=group)
    ProductFactory(group=group)
    with pytest.raises(ValidationError) as caught:
        group_services.product_group_delete(actor=staff.admin, group=group)
    message = caught.value.messages[0]
    assert "Servers" in message and "1 product" in message and "1 subgroup" in message
    assert ProductGroup.objects.filter(pk=group.pk).exists()
    group_services.product_group_delete(actor=staff.admin, group=sub)
    assert not ProductGroup.objects.filter(pk=sub.pk).exists()


# --- price lists ------------------------------------------------------------------------


def test_price_list_with_items_set_and_replaced_in_one_go(staff):
    a, b, c = ProductFactory(), ProductFactory(), ProductFactory()
    retail, eur = PriceTypeFactory(), CurrencyFactory()
    price_list = price_services.price_list_create(
        actor=staff.director,
        name="Retail 2024",
        price_type=retail,
        currency=eur,
        valid_from=dt.date(2024, 1, 1),
        items=[{"product": a, "price": "10,50"}, {"product": str(b.pk), "price": 20}],
    )
    prices = dict(price_list.items.values_list("product_id", "price"))
    assert prices == {a.pk: D("10.5"), b.pk: D("20")}
    price_services.price_list_set_prices(
        actor=staff.director, price_list=price_list, items=[{"product": c, "price": "1"}]
    )
    assert price_list.items.count() == 3
    price_services.price_list_set_prices(
        actor=staff.director,
        price_list=price_list,
        items=[{"product": a, "price": "11"}],
        replace=True,
    )
    assert dict(price_list.items.values_list("product_id", "price")) == {a.pk: D("11")}


def test_bad_price_rows_are_named_and_nothing_is_written(staff):
    good = ProductFactory(name="Good", sku="G-1")
    bad = ProductFactory(name="Router", sku="RT-1")
    price_list = PriceListFactory()
    PriceListItemFactory(price_list=price_list, product=good, price=D("5"))
    with pytest.raises(ValidationError) as caught:
        price_services.price_list_set_prices(
            actor=staff.admin,
            price_list=price_list,
            items=[
                {"product": good, "price": "7"},
                {"product": bad, "price": "-1"},
                {"product": ProductFactory(name="Switch"), "price": "abc"},
                {"product": "not-an-id", "price": "1"},
                {"product": good, "price": "8"},
                {"product": ProductFactory(name="Tiny"), "price": "0.00001"},
            ],
            replace=True,
        )
    messages = _errors(caught)["items"]
    assert messages[0].startswith("#2 “Router (RT-1)”") and "negative" in messages[0]
    assert messages[1].startswith("#3 “Switch") and "number" in messages[1]
    assert messages[2].startswith("#4") and "no such product" in messages[2]
    assert messages[3].startswith("#5") and "twice" in messages[3]
    assert messages[4].startswith("#6") and "decimal places" in messages[4]
    assert list(PriceListItem.objects.values_list("product_id", "price")) == [(good.pk, D("5"))]


def test_price_list_dates_are_checked(staff):
    with pytest.raises(ValidationError) as caught:
        price_services.price_list_create(
            actor=staff.admin,
            name="",
            price_type=PriceTypeFactory(),
            currency=CurrencyFactory(),
            valid_from=dt.date(2024, 2, 1),
            valid_to=dt.date(2024, 1, 1),
        )
    assert set(_errors(caught)) == {"name", "valid_to"}


def test_trashed_products_cannot_be_priced(staff):
    product = ProductFactory(deleted_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValidationError):
        price_services.price_list_set_prices(
            actor=staff.admin,
            price_list=PriceListFactory(),
            items=[{"product": product, "price": "1"}],
        )


# --- reference lists --------------------------------------------------------------------


def test_price_type_default_is_unique(staff):
    first = reference_services.price_type_save(
        actor=staff.admin, code="retail", name="R", is_default=True
    )
    second = reference_services.price_type_save(
        actor=staff.admin, code="whole", name="W", is_default=True
    )
    first.refresh_from_db()
    assert not first.is_default and second.is_default
    with pytest.raises(ValidationError) as caught:
        reference_services.price_type_save(actor=staff.admin, code="RETAIL", name="dup")
    assert "code" in _errors(caught)
    assert PriceType.objects.count() == 2


def test_currency_and_rates(staff):
    usd = reference_services.currency_save(
        actor=staff.admin, code="usd", name="US dollar", symbol="$"
    )
    eur = reference_services.currency_save(actor=staff.admin, code="EUR", name="Euro")
    assert usd.code == "USD"
    with pytest.raises(ValidationError) as caught:
        reference_services.currency_save(actor=staff.admin, code="US", name="", minor_units=7)
    assert set(_errors(caught)) == {"code", "name", "minor_units"}
    day = dt.date(2024, 1, 1)
    reference_services.exchange_rate_save(
        actor=staff.admin, currency=usd, base=eur, date=day, rate="0,92", multiplier=1
    )
    with pytest.raises(ValidationError) as caught:
        reference_services.exchange_rate_save(
            actor=staff.admin, currency=usd, base=eur, date=day, rate="1"
        )
    assert "date" in _errors(caught)
    with pytest.raises(ValidationError) as caught:
        reference_services.exchange_rate_save(
            actor=staff.admin, currency=usd, base=usd, date=day, rate="-1", multiplier=0
        )
    assert set(_errors(caught)) == {"base", "rate", "multiplier"}
    assert ExchangeRate.objects.get().rate == D("0.92")


def test_units_and_vat_in_use_are_not_deleted(staff):
    unit = reference_services.unit_save(actor=staff.admin, name="pcs", code="796")
    vat = reference_services.vat_rate_save(actor=staff.admin, name="20%", rate="20")
    none = reference_services.vat_rate_save(actor=staff.admin, name="Without VAT", rate="")
    assert none.rate is None
    with pytest.raises(ValidationError) as caught:
        reference_services.vat_rate_save(actor=staff.admin, name="x", rate="120")
    assert "rate" in _errors(caught)
    ProductFactory(unit=unit, vat_rate=vat)
    with pytest.raises(ValidationError):
        reference_services.unit_delete(actor=staff.admin, unit=unit)
    with pytest.raises(ValidationError):
        reference_services.vat_rate_delete(actor=staff.admin, vat_rate=vat)
    reference_services.vat_rate_delete(actor=staff.admin, vat_rate=none)


def test_discount_rules_and_manual_limits(staff):
    group = ProductGroupFactory()
    with pytest.raises(ValidationError) as caught:
        reference_services.discount_rule_save(actor=staff.admin, name="", percent="0")
    assert set(_errors(caught)) == {"name", "percent"}
    rule = reference_services.discount_rule_save(
        actor=staff.director, name="Servers", percent="5", product_group=group
    )
    assert rule.percent == D("5")
    reference_services.manual_discount_limit_set(
        actor=staff.admin, role=Role.MANAGER, max_percent="15"
    )
    assert ManualDiscountLimit.objects.get(role=Role.MANAGER).max_percent == D("15")
    with pytest.raises(ValidationError):
        reference_services.manual_discount_limit_set(
            actor=staff.admin, role=Role.MANAGER, max_percent="101"
        )
    reference_services.manual_discount_limit_set(
        actor=staff.admin, role=Role.MANAGER, max_percent=""
    )
    assert not ManualDiscountLimit.objects.exists()
    with pytest.raises(PermissionDenied):
        reference_services.manual_discount_limit_set(
            actor=staff.head, role=Role.HEAD, max_percent="50"
        )
    limits = {r.role: r.effective for r in selectors.manual_discount_limits(actor=staff.viewer)}
    assert limits[Role.MANAGER] == D("0") and limits[Role.DIRECTOR] == D("100")


# --- selectors --------------------------------------------------------------------------


def test_product_search_group_and_active_filters(staff):
    hardware = ProductGroupFactory(name="Hardware")
    servers = ProductGroupFactory(name="Servers", parent=hardware)
    a = ProductFactory(name="Alpha server", sku="AS-1", group=servers)
    b = ProductFactory(name="Beta switch", sku="BS-1", barcode="12345", group=hardware)
    c = ProductFactory(name="Gamma", sku="G-1", is_active=False)

    def names(**kwargs):
        filters = selectors.ProductFilters(**kwargs)
        return [p.name for p in selectors.product_list(actor=staff.viewer, filters=filters)]

    assert names() == [a.name, b.name, c.name]
    assert names(search="server") == [a.name]
    assert names(search="bs-1") == [b.name]
    assert names(search="12345") == [b.name]
    assert names(group=hardware.pk) == [a.name, b.name]
    assert names(group=servers.pk) == [a.name]
    assert names(active=True) == [a.name, b.name]
    assert names(active=False) == [c.name]


def test_product_page_is_keyset(staff):
    products = [ProductFactory(name=f"P{i:02d}") for i in range(7)]
    qs = selectors.product_list(actor=staff.manager1)
    first, after = selectors.product_page(qs, size=3)
    assert [p.name for p in first] == ["P00", "P01", "P02"] and after == products[2].pk
    second, after = selectors.product_page(qs, after=after, size=3)
    third, end = selectors.product_page(qs, after=after, size=3)
    assert [p.name for p in second + third] == ["P03", "P04", "P05", "P06"]
    assert end is None


def test_current_prices_per_type(staff):
    product = ProductFactory()
    retail = PriceTypeFactory(name="Retail", position=0)
    wholesale = PriceTypeFactory(name="Wholesale", position=1)
    old = PriceListFactory(price_type=retail, valid_from=dt.date(2020, 1, 1))
    new = PriceListFactory(price_type=retail, valid_from=dt.date(2021, 1, 1))
    whole = PriceListFactory(price_type=wholesale, valid_from=dt.date(2020, 1, 1))
    PriceListItemFactory(price_list=old, product=product, price=D("10"))
    PriceListItemFactory(price_list=new, product=product, price=D("11"))
    PriceListItemFactory(price_list=whole, product=product, price=D("9"))
    rows = selectors.product_prices(actor=staff.manager1, product=product)
    assert [(r.price_type.name, r.price) for r in rows] == [
        ("Retail", D("11")),
        ("Wholesale", D("9")),
    ]
