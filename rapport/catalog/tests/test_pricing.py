"""The money contract: line amounts, prices valid on a day, discounts, currency rates."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rapport.catalog import pricing
from rapport.catalog.models import DiscountRule, ExchangeRate, ManualDiscountLimit
from rapport.core.models import Organisation, Role
from rapport.core.tests.factories import UserFactory
from rapport.parties.models import Tag

from .factories import (
    CurrencyFactory,
    PriceListFactory,
    PriceListItemFactory,
    PriceTypeFactory,
    ProductFactory,
    ProductGroupFactory,
)

D = Decimal


# --- line amounts -----------------------------------------------------------------------


def test_line_without_vat_rate_has_no_vat():
    line = pricing.line_amounts(quantity=D("3"), price=D("10.005"), vat_rate=None)
    assert line == pricing.LineAmounts(D("30.02"), D("0.00"), D("30.02"), D(0), D("30.02"))


def test_vat_inside_the_price_is_split_out_and_rounded_half_up():
    line = pricing.line_amounts(quantity=D("1"), price=D("100"), vat_rate=D("20"))
    assert (line.amount, line.net, line.vat, line.total) == (
        D("100.00"),
        D("83.33"),
        D("16.67"),
        D("100.00"),
    )


def test_vat_on_top_is_added():
    line = pricing.line_amounts(
        quantity=D("2"), price=D("10.125"), vat_rate=D("20"), prices_include_vat=False
    )
    # 2 x 10.125 = 20.25; VAT 4.05; total 24.30
    assert (line.amount, line.net, line.vat, line.total) == (
        D("20.25"),
        D("20.25"),
        D("4.05"),
        D("24.30"),
    )


def test_discount_is_rounded_once_on_the_line_and_taken_before_vat():
    line = pricing.line_amounts(
        quantity=D("3"), price=D("33.33"), discount_percent=D("2.5"), vat_rate=D("10")
    )
    # gross 99.99; discount 2.49975 -> 2.50; amount 97.49; VAT inside 97.49*10/110 = 8.8627
    assert line.discount == D("2.50")
    assert line.amount == D("97.49")
    assert line.vat == D("8.86")
    assert line.net == D("88.63")
    assert line.net + line.vat == line.total


def test_three_decimal_quantities_round_half_up_on_the_amount():
    line = pricing.line_amounts(quantity=D("1.235"), price=D("10"), vat_rate=None)
    assert line.amount == D("12.35")
    line = pricing.line_amounts(quantity=D("0.125"), price=D("0.1"), vat_rate=None)
    assert line.amount == D("0.01")  # 0.0125 -> 0.01 at two places; half-up at the third digit
    line = pricing.line_amounts(quantity=D("0.005"), price=D("1"), vat_rate=None)
    assert line.amount == D("0.01")  # exactly half rounds up, not to even


def test_minor_units_of_the_currency_are_respected():
    line = pricing.line_amounts(quantity=D("3"), price=D("333.5"), vat_rate=None, minor_units=0)
    assert line.amount == D("1001")
    assert pricing.quantize(D("2.5"), 0) == D("3")


def test_zero_vat_is_not_the_same_as_without_vat():
    zero = pricing.line_amounts(quantity=D("1"), price=D("10"), vat_rate=D("0"))
    assert zero.vat == D("0.00") and zero.total == D("10.00")


# --- prices -----------------------------------------------------------------------------


@pytest.fixture
def priced(db):
    product = ProductFactory()
    retail = PriceTypeFactory(code="retail")
    return product, retail


def _price(product, price_type, on, currency="EUR"):
    return pricing.price_for(product=product, price_type=price_type, currency=currency, on=on)


def test_latest_valid_from_wins(priced):
    product, retail = priced
    old = PriceListFactory(price_type=retail, valid_from=dt.date(2024, 1, 1))
    new = PriceListFactory(price_type=retail, valid_from=dt.date(2024, 6, 1))
    PriceListItemFactory(price_list=old, product=product, price=D("10"))
    PriceListItemFactory(price_list=new, product=product, price=D("12"))
    assert _price(product, retail, dt.date(2024, 5, 31)) == D("10")
    assert _price(product, retail, dt.date(2024, 6, 1)) == D("12")
    assert _price(product, retail, dt.date(2023, 12, 31)) is None


def test_valid_to_is_respected(priced):
    product, retail = priced
    base = PriceListFactory(price_type=retail, valid_from=dt.date(2024, 1, 1))
    promo = PriceListFactory(
        price_type=retail, valid_from=dt.date(2024, 3, 1), valid_to=dt.date(2024, 3, 31)
    )
    PriceListItemFactory(price_list=base, product=product, price=D("10"))
    PriceListItemFactory(price_list=promo, product=product, price=D("8"))
    assert _price(product, retail, dt.date(2024, 3, 31)) == D("8")
    assert _price(product, retail, dt.date(2024, 4, 1)) == D("10")


def test_inactive_and_trashed_lists_are_ignored(priced):
    product, retail = priced
    base = PriceListFactory(price_type=retail, valid_from=dt.date(2024, 1, 1))
    off = PriceListFactory(price_type=retail, valid_from=dt.date(2024, 2, 1), is_active=False)
    gone = PriceListFactory(
        price_type=retail, valid_from=dt.date(2024, 3, 1), deleted_at=timezone.now()
    )
    for pl, price in ((base, "10"), (off, "1"), (gone, "2")):
        PriceListItemFactory(price_list=pl, product=product, price=D(price))
    assert _price(product, retail, dt.date(2024, 4, 1)) == D("10")


def test_other_type_or_currency_does_not_count(priced):
    product, retail = priced
    wholesale = PriceTypeFactory(code="wholesale")
    usd = CurrencyFactory(code="USD")
    PriceListItemFactory(
        price_list=PriceListFactory(price_type=wholesale), product=product, price=D("5")
    )
    PriceListItemFactory(
        price_list=PriceListFactory(price_type=retail, currency=usd), product=product, price=D("7")
    )
    assert _price(product, retail, dt.date(2024, 1, 1)) is None
    assert _price(product, retail, dt.date(2024, 1, 1), "USD") == D("7")


def test_default_price_type_prefers_the_marked_one(db):
    PriceTypeFactory(code="a", name="A", position=0)
    marked = PriceTypeFactory(code="b", name="B", position=5, is_default=True)
    PriceTypeFactory(code="c", name="C", is_default=True, is_active=False)
    assert pricing.default_price_type() == marked


# --- discounts --------------------------------------------------------------------------


@pytest.fixture
def tree(db):
    hardware = ProductGroupFactory(name="Hardware")
    servers = ProductGroupFactory(name="Servers", parent=hardware)
    blades = ProductGroupFactory(name="Blades", parent=servers)
    return hardware, servers, blades


def test_largest_matching_rule_applies_and_group_covers_subgroups(tree):
    hardware, servers, blades = tree
    product = ProductFactory(group=blades)
    DiscountRule.objects.create(name="hw", product_group=hardware, percent=D("3"))
    DiscountRule.objects.create(name="srv", product_group=servers, percent=D("7"))
    DiscountRule.objects.create(name="other", product_group=ProductGroupFactory(), percent=D("50"))
    on = dt.date(2024, 1, 1)
    assert pricing.discount_for(client_category_ids=[], product=product, on=on) == D("7")
    assert pricing.discount_for(client_category_ids=[], product=ProductFactory(), on=on) == D("0")


def test_category_rules_need_the_client_category(tree):
    hardware, _servers, _blades = tree
    wholesale, retail = Tag.objects.create(name="Wholesale"), Tag.objects.create(name="Retail")
    product = ProductFactory(group=hardware)
    DiscountRule.objects.create(
        name="w", client_category=wholesale, product_group=hardware, percent=D("10")
    )
    DiscountRule.objects.create(name="everyone", percent=D("1"))
    on = dt.date(2024, 1, 1)
    assert pricing.discount_for(client_category_ids=[wholesale.pk], product=product, on=on) == D(
        "10"
    )
    assert pricing.discount_for(client_category_ids=[retail.pk], product=product, on=on) == D("1")
    assert pricing.discount_for(client_category_ids=[], product=product, on=on) == D("1")


def test_rule_dates_and_active_flag(db):
    product = ProductFactory()
    DiscountRule.objects.create(
        name="spring",
        percent=D("15"),
        valid_from=dt.date(2024, 3, 1),
        valid_to=dt.date(2024, 5, 31),
    )
    DiscountRule.objects.create(name="off", percent=D("40"), is_active=False)
    assert (
        pricing.discount_for(client_category_ids=[], product=product, on=dt.date(2024, 2, 29)) == 0
    )
    assert pricing.discount_for(
        client_category_ids=[], product=product, on=dt.date(2024, 5, 31)
    ) == D("15")
    assert (
        pricing.discount_for(client_category_ids=[], product=product, on=dt.date(2024, 6, 1)) == 0
    )


def test_manual_discount_limit(db):
    manager = UserFactory(role=Role.MANAGER)
    director = UserFactory(role=Role.DIRECTOR)
    assert pricing.manual_discount_limit(manager) == D("0")
    assert pricing.manual_discount_limit(director) == D("100")
    ManualDiscountLimit.objects.create(role=Role.MANAGER, max_percent=D("12.5"))
    ManualDiscountLimit.objects.create(role=Role.DIRECTOR, max_percent=D("30"))
    assert pricing.manual_discount_limit(manager) == D("12.5")
    assert pricing.manual_discount_limit(director) == D("30")


# --- currencies -------------------------------------------------------------------------


@pytest.fixture
def currencies(db):
    return {c: CurrencyFactory(code=c) for c in ("EUR", "USD", "RUB", "JPY", "PLN")}


def test_rate_direct_latest_on_or_before(currencies):
    ExchangeRate.objects.create(
        currency_id="USD", base_id="EUR", date=dt.date(2024, 1, 1), rate=D("0.9")
    )
    ExchangeRate.objects.create(
        currency_id="USD", base_id="EUR", date=dt.date(2024, 2, 1), rate=D("0.8")
    )
    assert pricing.rate_on(currency="USD", base="EUR", on=dt.date(2024, 1, 31)) == D("0.9")
    assert pricing.rate_on(currency="USD", base="EUR", on=dt.date(2024, 2, 1)) == D("0.8")
    assert pricing.rate_on(currency="EUR", base="EUR", on=dt.date(2024, 2, 1)) == D(1)


def test_rate_inverse_and_multiplier(currencies):
    ExchangeRate.objects.create(
        currency_id="JPY", base_id="RUB", date=dt.date(2024, 1, 1), rate=D("60"), multiplier=100
    )
    assert pricing.rate_on(currency="JPY", base="RUB", on=dt.date(2024, 1, 2)) == D("0.6")
    # 1 RUB buys 100/60 JPY
    inverse = pricing.rate_on(currency="RUB", base="JPY", on=dt.date(2024, 1, 2))
    assert inverse.quantize(D("0.0001")) == D("1.6667")
    assert pricing.convert(amount=D("1000"), currency="JPY", to="RUB", on=dt.date(2024, 1, 2)) == (
        D("600.00")
    )
    assert pricing.convert(amount=D("100"), currency="RUB", to="JPY", on=dt.date(2024, 1, 2)) == (
        D("166.67")
    )


def test_missing_rate_names_the_currency(currencies):
    ExchangeRate.objects.create(
        currency_id="USD", base_id="EUR", date=dt.date(2024, 5, 1), rate=D("0.9")
    )
    with pytest.raises(ValidationError) as caught:
        pricing.rate_on(currency="USD", base="EUR", on=dt.date(2024, 4, 30))
    assert "currency" in caught.value.message_dict
    assert "USD" in caught.value.message_dict["currency"][0]
    with pytest.raises(ValidationError) as caught:
        pricing.convert(amount=D("1"), currency="PLN", to="EUR", on=dt.date(2024, 6, 1))
    assert "PLN" in caught.value.message_dict["currency"][0]


def test_convert_rounds_to_the_target_minor_units(currencies):
    currencies["JPY"].minor_units = 0
    currencies["JPY"].save()
    ExchangeRate.objects.create(
        currency_id="EUR", base_id="JPY", date=dt.date(2024, 1, 1), rate=D("160.55")
    )
    assert pricing.convert(amount=D("10"), currency="EUR", to="JPY", on=dt.date(2024, 1, 1)) == (
        D("1606")
    )


def test_base_currency(db):
    assert pricing.base_currency(None) == "EUR"
    org = Organisation.objects.create(name="Org", currency="PLN")
    assert pricing.base_currency(org) == "PLN"
    assert pricing.base_currency(None) == "PLN"
