"""API of the catalogue against every role: everyone reads, administrators and
directors write, the rest get 403 problem details and nothing changes."""

import datetime as dt
from decimal import Decimal

import pytest

from rapport.catalog.models import (
    Currency,
    DiscountRule,
    ExchangeRate,
    PriceList,
    PriceType,
    Product,
    ProductGroup,
    Unit,
    VatRate,
)
from rapport.parties.models import Tag
from rapport.parties.tests.factories import ClientFactory

from .factories import (
    CurrencyFactory,
    PriceListFactory,
    PriceListItemFactory,
    PriceTypeFactory,
    ProductFactory,
    ProductGroupFactory,
    UnitFactory,
    VatRateFactory,
)

pytestmark = pytest.mark.django_db
WRITERS = ["admin", "director"]
READERS = ["head", "manager1", "viewer", "viewer_sales"]


@pytest.fixture
def world(db):
    eur, usd = CurrencyFactory(code="EUR"), CurrencyFactory(code="USD")
    group = ProductGroupFactory(name="Hardware")
    sub = ProductGroupFactory(name="Servers", parent=group)
    vat = VatRateFactory(name="20%", rate=Decimal("20"))
    product = ProductFactory(name="Server", sku="SRV-1", group=sub, vat_rate=vat)
    retail = PriceTypeFactory(code="retail", name="Retail", is_default=True)
    price_list = PriceListFactory(price_type=retail, currency=eur, name="Retail EUR")
    PriceListItemFactory(price_list=price_list, product=product, price=Decimal("1200"))
    rate = ExchangeRate.objects.create(
        currency=usd, base=eur, date=dt.date(2024, 1, 1), rate=Decimal("0.9")
    )
    unit = UnitFactory(name="pcs")
    rule = DiscountRule.objects.create(name="All", percent=Decimal("2"))
    return {
        "product": product,
        "group": group,
        "price-type": retail,
        "price-list": price_list,
        "currency": eur,
        "rate": rate,
        "unit": unit,
        "vat": vat,
        "rule": rule,
    }


ENDPOINTS = [
    ("products", "product"),
    ("product-groups", "group"),
    ("price-types", "price-type"),
    ("price-lists", "price-list"),
    ("currencies", "currency"),
    ("exchange-rates", "rate"),
    ("units", "unit"),
    ("vat-rates", "vat"),
    ("discount-rules", "rule"),
]


@pytest.mark.parametrize("role", WRITERS + READERS)
@pytest.mark.parametrize(("path", "key"), ENDPOINTS)
def test_everyone_reads(api, staff, world, role, path, key):
    client = api(getattr(staff, role))
    listed = client.get(f"/api/v1/{path}/")
    assert listed.status_code == 200
    assert listed.json()["results"]
    record = world[key]
    detail = client.get(f"/api/v1/{path}/{record.pk}/")
    assert detail.status_code == 200


@pytest.mark.parametrize(("path", "key"), ENDPOINTS)
def test_anonymous_gets_401(api, world, path, key):
    assert api().get(f"/api/v1/{path}/").status_code == 401
    assert api().delete(f"/api/v1/{path}/{world[key].pk}/").status_code == 401


WRITE_BODIES = {
    "products": lambda w: {"name": "New", "sku": "NEW-1", "group": str(w["group"].pk)},
    "product-groups": lambda w: {"name": "Networking", "parent": str(w["group"].pk)},
    "price-types": lambda w: {"code": "wholesale", "name": "Wholesale", "includes_vat": False},
    "price-lists": lambda w: {
        "name": "Wholesale",
        "price_type": str(w["price-type"].pk),
        "currency": "EUR",
        "valid_from": "2024-01-01",
        "items": [{"product": str(w["product"].pk), "price": "999.50"}],
    },
    "currencies": lambda w: {"code": "PLN", "name": "Zloty"},
    "exchange-rates": lambda w: {
        "currency": "USD",
        "base": "EUR",
        "date": "2024-02-01",
        "rate": "0.91",
    },
    "units": lambda w: {"name": "kg", "code": "166"},
    "vat-rates": lambda w: {"name": "10%", "rate": "10"},
    "discount-rules": lambda w: {"name": "Servers", "percent": "5"},
}
MODELS = {
    "products": Product,
    "product-groups": ProductGroup,
    "price-types": PriceType,
    "price-lists": PriceList,
    "currencies": Currency,
    "exchange-rates": ExchangeRate,
    "units": Unit,
    "vat-rates": VatRate,
    "discount-rules": DiscountRule,
}


@pytest.mark.parametrize("role", READERS)
@pytest.mark.parametrize(("path", "key"), ENDPOINTS)
def test_readers_get_403_on_every_write_and_nothing_changes(api, staff, world, role, path, key):
    client = api(getattr(staff, role))
    model = MODELS[path]
    before = model.objects.count()
    body = WRITE_BODIES[path](world)
    record = world[key]
    for response in (
        client.post(f"/api/v1/{path}/", body, format="json"),
        client.patch(f"/api/v1/{path}/{record.pk}/", {"name": "X"}, format="json"),
        client.delete(f"/api/v1/{path}/{record.pk}/"),
    ):
        assert response.status_code == 403
        assert response["Content-Type"].startswith("application/problem+json")
        assert "administrators and directors" in response.json()["detail"]
    assert model.objects.count() == before
    assert Product.objects.get(pk=world["product"].pk).deleted_at is None


@pytest.mark.parametrize("role", WRITERS)
@pytest.mark.parametrize(("path", "key"), ENDPOINTS)
def test_writers_create_and_change(api, staff, world, role, path, key):
    client = api(getattr(staff, role))
    model = MODELS[path]
    before = model.objects.count()
    created = client.post(f"/api/v1/{path}/", WRITE_BODIES[path](world), format="json")
    assert created.status_code == 201, created.json()
    assert model.objects.count() == before + 1
    pk = created.json().get("id") or created.json().get("code")
    if path == "exchange-rates":
        change = {"rate": "0.950000"}
    elif path == "currencies":
        change = {"name": "Polish zloty"}
    else:
        change = {"name": "Renamed"}
    changed = client.patch(f"/api/v1/{path}/{pk}/", change, format="json")
    assert changed.status_code == 200, changed.json()
    for field, value in change.items():
        assert changed.json()[field] == value


def test_product_list_filters_ordering_and_cursor(api, staff, world):
    client = api(staff.manager1)
    for i in range(5):
        ProductFactory(name=f"Cable {i}", sku=f"CB-{i}", is_active=i != 4)
    r = client.get("/api/v1/products/", {"search": "cb-", "page_size": 2, "ordering": "-name"})
    body = r.json()
    assert [p["name"] for p in body["results"]] == ["Cable 4", "Cable 3"]
    r2 = client.get(body["next"])
    assert [p["name"] for p in r2.json()["results"]] == ["Cable 2", "Cable 1"]
    r = client.get("/api/v1/products/", {"group": str(world["group"].pk)})
    assert [p["sku"] for p in r.json()["results"]] == ["SRV-1"]
    r = client.get("/api/v1/products/", {"active": "false"})
    assert [p["name"] for p in r.json()["results"]] == ["Cable 4"]
    assert client.get("/api/v1/products/", {"ordering": "price"}).status_code == 400
    assert client.get("/api/v1/products/", {"group": "x"}).status_code == 400


def test_product_detail_has_current_prices_and_decimal_strings(api, staff, world):
    r = api(staff.viewer).get(f"/api/v1/products/{world['product'].pk}/")
    body = r.json()
    assert body["vat_percent"] == "20.00"
    assert body["group_name"] == "Servers"
    assert body["prices"] == [
        {
            "price_type": str(world["price-type"].pk),
            "price_type_name": "Retail",
            "currency": "EUR",
            "price": "1200.0000",
            "price_list": str(world["price-list"].pk),
        }
    ]


def test_product_validation_errors_name_the_field(api, staff, world):
    r = api(staff.admin).post(
        "/api/v1/products/", {"name": "", "sku": "SRV-1", "properties": {"x": 1}}, format="json"
    )
    assert r.status_code == 400
    assert set(r.json()["fields"]) == {"name", "sku", "properties"}


def test_delete_product_moves_it_to_the_trash(api, staff, world):
    product = world["product"]
    assert api(staff.director).delete(f"/api/v1/products/{product.pk}/").status_code == 204
    product.refresh_from_db()
    assert product.deleted_at is not None
    assert api(staff.manager1).get(f"/api/v1/products/{product.pk}/").status_code == 404


def test_non_empty_group_delete_answers_400_with_the_reason(api, staff, world):
    r = api(staff.admin).delete(f"/api/v1/product-groups/{world['group'].pk}/")
    assert r.status_code == 400
    assert "not empty" in r.json()["errors"][0]["message"]


def test_price_list_items_nested_and_replaced(api, staff, world):
    client = api(staff.admin)
    price_list = world["price-list"]
    other = ProductFactory(name="Switch")
    r = client.get(f"/api/v1/price-lists/{price_list.pk}/")
    assert r.json()["items"] == [
        {"product": str(world["product"].pk), "product_name": "Server", "price": "1200.0000"}
    ]
    assert "items" not in client.get("/api/v1/price-lists/").json()["results"][0]
    r = client.patch(
        f"/api/v1/price-lists/{price_list.pk}/",
        {"items": [{"product": str(other.pk), "price": "15.5"}]},
        format="json",
    )
    assert r.status_code == 200
    assert [(i["product_name"], i["price"]) for i in r.json()["items"]] == [("Switch", "15.5000")]
    r = client.patch(
        f"/api/v1/price-lists/{price_list.pk}/",
        {"items": [{"product": str(other.pk), "price": "-3"}]},
        format="json",
    )
    assert r.status_code == 400
    error = r.json()["errors"][0]
    assert error["field"] == "items" and "#1 “Switch" in error["message"]
    assert price_list.items.get().price == Decimal("15.5")


def test_price_quote_for_the_deals_form(api, staff, world):
    product = world["product"]
    wholesale = Tag.objects.create(name="Wholesale")
    DiscountRule.objects.create(
        name="W", client_category=wholesale, product_group=world["group"], percent=Decimal("7")
    )
    client = ClientFactory(manager=staff.manager1, department=staff.sales)
    client.tags.add(wholesale)
    other = ClientFactory(manager=staff.manager3, department=staff.service)
    url = f"/api/v1/products/{product.pk}/price/"
    r = api(staff.manager1).get(url, {"client": str(client.pk), "date": "2024-03-01"})
    assert r.status_code == 200
    assert r.json() == {
        "product": str(product.pk),
        "price_type": str(world["price-type"].pk),
        "currency": "EUR",
        "date": "2024-03-01",
        "price": "1200.0000",
        "discount_percent": "7.00",
        "vat_rate": "20.00",
        "prices_include_vat": True,
    }
    r = api(staff.manager1).get(url, {"price_type": "retail", "currency": "usd"})
    assert r.json()["price"] is None and r.json()["discount_percent"] == "2.00"
    # a client outside the caller's scope is not found
    assert api(staff.manager1).get(url, {"client": str(other.pk)}).status_code == 404
    assert api(staff.manager1).get(url, {"price_type": "nope"}).status_code == 400
    assert api(staff.manager1).get(url, {"date": "1.2.2024"}).status_code == 400


def test_product_list_query_count(api, staff, world, django_assert_max_num_queries):
    for _ in range(30):
        ProductFactory(group=world["group"], vat_rate=world["vat"], unit=world["unit"])
    client = api(staff.manager1)
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/products/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/v1/price-lists/{world['price-list'].pk}/").status_code == 200


def test_schema_is_valid(api, staff):
    r = api(staff.admin).get("/api/v1/schema/", {"format": "json"})
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/v1/products/{id}/price/" in paths
    assert "/api/v1/price-lists/{id}/" in paths
