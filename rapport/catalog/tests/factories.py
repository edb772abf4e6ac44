import datetime as dt
from decimal import Decimal

import factory

from rapport.catalog.models import (
    Currency,
    PriceList,
    PriceListItem,
    PriceType,
    Product,
    ProductGroup,
    Unit,
    VatRate,
)


class CurrencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Currency
        django_get_or_create = ("code",)

    code = "EUR"
    name = factory.LazyAttribute(lambda c: c.code)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"unit{n}")


class VatRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VatRate

    name = factory.Sequence(lambda n: f"VAT {n}")
    rate = Decimal("20")


class ProductGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductGroup

    name = factory.Sequence(lambda n: f"Group {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n:03d}")
    sku = factory.Sequence(lambda n: f"SKU-{n:03d}")


class PriceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceType

    code = factory.Sequence(lambda n: f"type{n}")
    name = factory.Sequence(lambda n: f"Type {n}")


class PriceListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceList

    name = factory.Sequence(lambda n: f"Price list {n}")
    price_type = factory.SubFactory(PriceTypeFactory)
    currency = factory.SubFactory(CurrencyFactory)
    valid_from = dt.date(2020, 1, 1)


class PriceListItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceListItem

    price_list = factory.SubFactory(PriceListFactory)
    product = factory.SubFactory(ProductFactory)
    price = Decimal("100")
