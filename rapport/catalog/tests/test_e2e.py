"""Browser test: an administrator creates a product, prices it in a price list through
the editor's search picker, and sees the price on the product card."""

import datetime as dt
from decimal import Decimal

import pytest

from rapport.catalog.models import PriceListItem, Product
from rapport.core.models import Role
from rapport.core.tests.factories import UserFactory

from .factories import CurrencyFactory, PriceListFactory, PriceTypeFactory, ProductGroupFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_creates_a_product_prices_it_and_sees_the_price(page, login):
    UserFactory(username="anna", role=Role.ADMINISTRATOR)
    ProductGroupFactory(name="Networking")
    price_list = PriceListFactory(
        name="Retail EUR",
        price_type=PriceTypeFactory(name="Retail", is_default=True),
        currency=CurrencyFactory(code="EUR"),
        valid_from=dt.date(2020, 1, 1),
    )
    page_errors = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    login("anna")
    page.goto("/catalog/")
    page.get_by_test_id("product-new").click()
    page.fill("#id_name", "Switch 8 ports")
    page.fill("#id_sku", "SW-8")
    page.select_option("#id_group", label="Networking")
    page.get_by_test_id("form-submit").click()
    page.get_by_test_id("product-name").wait_for()
    assert "Switch 8 ports" in page.get_by_test_id("product-name").inner_text()
    assert page.get_by_test_id("no-prices").is_visible()
    product = Product.objects.get(sku="SW-8")

    page.goto(f"/catalog/price-lists/{price_list.pk}/")
    page.locator(".ts-control input").fill("SW-8")
    option = page.locator(".ts-dropdown .option", has_text="Switch 8 ports")
    option.wait_for()
    option.click()
    row = page.locator(f'tr[data-product="{product.pk}"]')
    row.wait_for()
    row.get_by_test_id("price-input").fill("149,90")
    page.get_by_test_id("prices-save").click()
    page.wait_for_url(f"**/catalog/price-lists/{price_list.pk}/")
    assert PriceListItem.objects.get(product=product).price == Decimal("149.9")

    page.goto(f"/catalog/products/{product.pk}/")
    prices = page.get_by_test_id("product-prices")
    prices.wait_for()
    assert "149.90 EUR" in prices.inner_text()
    assert "Retail" in prices.inner_text()
    assert not page_errors
