"""Pages of the catalogue for every role; forms save through the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.catalog.demo import create_demo_catalog
from rapport.catalog.models import (
    Currency,
    ManualDiscountLimit,
    PriceList,
    PriceListItem,
    PriceType,
    Product,
    ProductGroup,
)
from rapport.core.models import PropertyDefinition, PropertyTarget, PropertyType, Role

from .factories import (
    CurrencyFactory,
    PriceListFactory,
    PriceListItemFactory,
    PriceTypeFactory,
    ProductFactory,
    ProductGroupFactory,
)

pytestmark = pytest.mark.django_db
ROLES = ["admin", "director", "head", "manager1", "viewer", "viewer_sales"]
WRITERS = {"admin", "director"}


@pytest.fixture
def world(db):
    group = ProductGroupFactory(name="Hardware")
    product = ProductFactory(name="Server", sku="SRV-1", group=group)
    price_list = PriceListFactory(name="Retail EUR", price_type=PriceTypeFactory(name="Retail"))
    PriceListItemFactory(price_list=price_list, product=product, price=Decimal("99.5"))
    return {"group": group, "product": product, "price_list": price_list}


def _login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_read_pages_render_for_everyone(client, staff, world, role):
    _login(client, getattr(staff, role))
    for url in (
        reverse("catalog:product_list"),
        reverse("catalog:product_list") + f"?group={world['group'].pk}&q=srv&active=all",
        reverse("catalog:product_detail", args=[world["product"].pk]),
        reverse("catalog:price_list_list"),
        reverse("catalog:price_list_detail", args=[world["price_list"].pk]),
        reverse("catalog:product_lookup") + "?q=serv",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    card = client.get(reverse("catalog:product_detail", args=[world["product"].pk])).content
    assert b"99.50 EUR" in card
    editor = client.get(reverse("catalog:price_list_detail", args=[world["price_list"].pk]))
    assert (b'name="item-price"' in editor.content) == (role in WRITERS)


@pytest.mark.parametrize("role", ROLES)
def test_write_pages_only_for_admins_and_directors(client, staff, world, role):
    _login(client, getattr(staff, role))
    expected = 200 if role in WRITERS else 403
    for url in (
        reverse("catalog:product_create"),
        reverse("catalog:product_edit", args=[world["product"].pk]),
        reverse("catalog:group_list"),
        reverse("catalog:price_list_create"),
        reverse("catalog:price_list_edit", args=[world["price_list"].pk]),
        reverse("catalog:settings"),
        reverse("catalog:settings_create", args=["group"]),
        reverse("catalog:settings_create", args=["discount"]),
        reverse("catalog:settings_edit", args=["currency", world["price_list"].currency_id]),
    ):
        assert client.get(url).status_code == expected, url
    if role not in WRITERS:
        response = client.post(
            reverse("catalog:price_list_prices", args=[world["price_list"].pk]),
            {"item-product": [str(world["product"].pk)], "item-price": ["1"]},
        )
        assert response.status_code == 403
        assert PriceListItem.objects.get().price == Decimal("99.5")
        response = client.post(reverse("catalog:product_trash", args=[world["product"].pk]))
        assert response.status_code == 403
        assert Product.objects.alive().count() == 1


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("catalog:product_list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_product_form_saves_with_properties(client, staff, world):
    PropertyDefinition.objects.create(
        target=PropertyTarget.PRODUCT,
        code="warranty",
        label="Warranty, months",
        type=PropertyType.NUMBER,
    )
    _login(client, staff.director)
    page = client.get(reverse("catalog:product_create"))
    assert b"Warranty, months" in page.content
    response = client.post(
        reverse("catalog:product_create"),
        {
            "name": "Switch",
            "kind": "goods",
            "sku": "SW-1",
            "group": str(world["group"].pk),
            "prop_warranty": "24",
            "is_active": "on",
        },
    )
    product = Product.objects.get(sku="SW-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:product_detail", args=[product.pk])
    assert product.properties == {"warranty": 24} and product.group == world["group"]
    response = client.post(
        reverse("catalog:product_edit", args=[product.pk]),
        {"name": "Switch", "kind": "goods", "sku": "SRV-1", "prop_warranty": "many"},
    )
    assert response.status_code == 200
    assert b'data-testid="error-sku"' in response.content
    assert b'data-testid="error-prop_warranty"' in response.content
    product.refresh_from_db()
    assert product.sku == "SW-1" and product.is_active


def test_product_trash_from_the_card(client, staff, world):
    _login(client, staff.admin)
    response = client.post(reverse("catalog:product_trash", args=[world["product"].pk]))
    assert response.status_code == 302
    assert Product.objects.alive().count() == 0


def test_price_list_editor_saves_all_at_once_and_names_bad_rows(client, staff, world):
    other = ProductFactory(name="Router", sku="RT-1")
    url = reverse("catalog:price_list_prices", args=[world["price_list"].pk])
    _login(client, staff.admin)
    row = client.get(
        reverse("catalog:price_list_row", args=[world["price_list"].pk]),
        {"product": str(other.pk)},
    )
    assert b"Router" in row.content and b'name="item-product"' in row.content
    bad = client.post(
        url,
        {
            "item-product": [str(world["product"].pk), str(other.pk)],
            "item-price": ["120", "-5"],
        },
    )
    assert bad.status_code == 422
    assert "#2 “Router (RT-1)”: the price must not be negative." in bad.content.decode()
    assert b'value="-5"' in bad.content  # the user's input is kept
    assert PriceListItem.objects.get().price == Decimal("99.5")
    good = client.post(url, {"item-product": [str(other.pk)], "item-price": ["1 250,5"]})
    assert good.status_code == 302
    assert dict(PriceListItem.objects.values_list("product__sku", "price")) == {
        "RT-1": Decimal("1250.5")
    }


def test_price_list_header_form(client, staff, world):
    _login(client, staff.director)
    response = client.post(
        reverse("catalog:price_list_create"),
        {
            "name": "Wholesale",
            "price_type": str(world["price_list"].price_type_id),
            "currency": world["price_list"].currency_id,
            "valid_from": "2024-01-01",
            "valid_to": "2023-01-01",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert b'data-testid="error-valid_to"' in response.content
    assert PriceList.objects.count() == 1


def test_group_settings_refuse_a_non_empty_group(client, staff, world):
    _login(client, staff.admin)
    response = client.post(
        reverse("catalog:settings_delete", args=["group", world["group"].pk]), follow=True
    )
    assert "is not empty" in response.content.decode()
    assert ProductGroup.objects.filter(pk=world["group"].pk).exists()
    response = client.post(
        reverse("catalog:settings_create", args=["group"]),
        {"name": "Servers", "parent": str(world["group"].pk), "position": "0"},
    )
    assert response.status_code == 302
    child = ProductGroup.objects.get(name="Servers")
    response = client.post(
        reverse("catalog:settings_edit", args=["group", world["group"].pk]),
        {"name": "Hardware", "parent": str(child.pk), "position": "0"},
    )
    assert response.status_code == 422
    assert b'data-testid="error-parent"' in response.content


def test_settings_forms_save(client, staff, world):
    _login(client, staff.director)
    assert (
        client.post(
            reverse("catalog:settings_create", args=["currency"]),
            {"code": "pln", "name": "Zloty", "minor_units": "2", "is_active": "on"},
        ).status_code
        == 302
    )
    assert Currency.objects.filter(code="PLN").exists()
    eur = world["price_list"].currency_id
    response = client.post(
        reverse("catalog:settings_create", args=["rate"]),
        {"currency": "PLN", "multiplier": "1", "base": eur, "rate": "abc", "date": "2024-01-01"},
    )
    assert response.status_code == 422 and b'data-testid="error-rate"' in response.content
    response = client.post(
        reverse("catalog:settings_create", args=["price-type"]),
        {"code": "dealer", "name": "Dealer", "position": "0", "is_active": "on"},
    )
    assert response.status_code == 302 and PriceType.objects.filter(code="dealer").exists()
    response = client.post(
        reverse("catalog:settings"), {Role.MANAGER: "12,5", Role.HEAD: "", Role.ADMINISTRATOR: ""}
    )
    assert response.status_code == 302
    assert ManualDiscountLimit.objects.get().max_percent == Decimal("12.5")
    response = client.post(reverse("catalog:settings"), {Role.MANAGER: "200"})
    assert response.status_code == 422
    assert ManualDiscountLimit.objects.get().max_percent == Decimal("12.5")


def test_list_pages_query_counts(client, staff, world, django_assert_max_num_queries):
    for i in range(40):
        ProductFactory(name=f"Item {i:02d}", group=world["group"])
        PriceListFactory(price_type=world["price_list"].price_type)
    _login(client, staff.manager1)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("catalog:product_list"))
    assert response.status_code == 200
    assert response.content.count(b'data-testid="product-row"') == 41
    with django_assert_max_num_queries(12):
        assert client.get(reverse("catalog:price_list_list")).status_code == 200
    with django_assert_max_num_queries(15):
        assert (
            client.get(reverse("catalog:product_detail", args=[world["product"].pk])).status_code
            == 200
        )


def test_product_list_pages_by_keyset_and_answers_htmx_fragments(client, staff, world):
    for i in range(55):
        ProductFactory(name=f"Item {i:02d}")
    _login(client, staff.viewer)
    first = client.get(reverse("catalog:product_list"))
    assert first.content.count(b'data-testid="product-row"') == 50
    after = first.context["next_after"]
    second = client.get(reverse("catalog:product_list"), {"after": str(after)})
    assert second.content.count(b'data-testid="product-row"') == 6
    fragment = client.get(
        reverse("catalog:product_list"),
        {"q": "Server"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="product-results",
    )
    assert b"<html" not in fragment.content and b"Server" in fragment.content


def test_demo_catalog_is_idempotent(staff):
    from rapport.parties.models import Tag

    Tag.objects.create(name="Wholesale")
    CurrencyFactory(code="EUR")
    create_demo_catalog(users={"admin": staff.admin}, clients=[])
    counts = (Product.objects.count(), PriceList.objects.count(), PriceListItem.objects.count())
    assert counts == (15, 2, 30)
    create_demo_catalog(users={"admin": staff.admin}, clients=[])
    assert counts == (
        Product.objects.count(),
        PriceList.objects.count(),
        PriceListItem.objects.count(),
    )
    retail = PriceType.objects.get(code="retail")
    assert retail.is_default and retail.includes_vat
    assert PriceList.objects.get(price_type=retail).valid_from == dt.date.today().replace(
        month=1, day=1
    )
    assert set(Currency.objects.values_list("code", flat=True)) == {"EUR", "USD", "RUB", "PLN"}
