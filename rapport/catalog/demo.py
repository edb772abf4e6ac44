"""Demo catalogue: currencies with a few rates, units, VAT rates, groups (Hardware >
Servers, Hardware > Networking, Services), fifteen products, retail (default, VAT
included) and wholesale price types with a EUR price list each from January 1st, and a
discount for wholesale clients. Registered with rapport.parties.demo; safe to run twice
(what exists is left alone)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from rapport.core.models import Role, User
from rapport.parties.models import Tag

from .models import (
    Currency,
    DiscountRule,
    ExchangeRate,
    ManualDiscountLimit,
    PriceList,
    PriceType,
    Product,
    ProductGroup,
    ProductKind,
    Unit,
    VatRate,
)
from .services import groups as group_services
from .services import prices as price_services
from .services import products as product_services
from .services import reference as reference_services

CURRENCIES = [
    ("EUR", "Euro", "€", 2),
    ("USD", "US dollar", "$", 2),
    ("RUB", "Russian rouble", "₽", 2),
    ("PLN", "Polish zloty", "zł", 2),
]
# (currency, base, rate, multiplier, days ago)
RATES = [
    ("USD", "EUR", "0.920000", 1, 30),
    ("USD", "EUR", "0.915000", 1, 1),
    ("PLN", "EUR", "0.231000", 1, 1),
    ("RUB", "EUR", "1.010000", 100, 1),
]
UNITS = [("pcs", "796", "piece"), ("hour", "356", "hour"), ("kg", "166", "kilogram")]
VAT = [("20%", "20"), ("10%", "10"), ("0%", "0"), ("Without VAT", None)]
# name, SKU, kind, group, unit, VAT, retail price (EUR, VAT included)
PRODUCTS = [
    ("Rack server R-200", "SRV-200", ProductKind.GOODS, "Servers", "pcs", "20%", "4800.00"),
    ("Rack server R-400", "SRV-400", ProductKind.GOODS, "Servers", "pcs", "20%", "8900.00"),
    ("Tower server T-100", "SRV-T100", ProductKind.GOODS, "Servers", "pcs", "20%", "2300.00"),
    ("Server memory 32 GB", "MEM-32", ProductKind.GOODS, "Servers", "pcs", "20%", "210.00"),
    ("SSD 1.92 TB enterprise", "SSD-1920", ProductKind.GOODS, "Servers", "pcs", "20%", "390.00"),
    ("Switch 24 ports", "NET-SW24", ProductKind.GOODS, "Networking", "pcs", "20%", "640.00"),
    ("Switch 48 ports", "NET-SW48", ProductKind.GOODS, "Networking", "pcs", "20%", "1150.00"),
    ("Wi-Fi access point", "NET-AP6", ProductKind.GOODS, "Networking", "pcs", "20%", "180.00"),
    ("Router edge", "NET-RT1", ProductKind.GOODS, "Networking", "pcs", "20%", "720.00"),
    ("Patch cable 2 m", "NET-PC2", ProductKind.GOODS, "Networking", "pcs", "20%", "3.50"),
    ("Cable drum (copper)", "NET-CU", ProductKind.GOODS, "Networking", "kg", "20%", "12.80"),
    ("Installation", "SVC-INST", ProductKind.SERVICE, "Services", "hour", "20%", "85.00"),
    ("Consulting", "SVC-CONS", ProductKind.SERVICE, "Services", "hour", "20%", "120.00"),
    ("Support plan, year", "SVC-SUP", ProductKind.SERVICE, "Services", "pcs", "10%", "1500.00"),
    ("Training course", "SVC-TRN", ProductKind.SERVICE, "Services", "hour", "0%", "60.00"),
]
WHOLESALE_FACTOR = Decimal("0.85")


def _group(admin: User, name: str, parent: ProductGroup | None, position: int) -> ProductGroup:
    found = ProductGroup.objects.filter(name=name, parent=parent).first()
    return found or group_services.product_group_save(
        actor=admin, name=name, parent=parent, position=position
    )


def _price_type(admin: User, code: str, name: str, **kwargs: Any) -> PriceType:
    found = PriceType.objects.filter(code=code).first()
    return found or reference_services.price_type_save(actor=admin, code=code, name=name, **kwargs)


def create_demo_catalog(*, users: dict[str, User], clients: list[Any] | None = None) -> None:
    admin = users.get("admin")
    if admin is None:
        return
    for code, name, symbol, minor in CURRENCIES:
        if not Currency.objects.filter(code=code).exists():
            reference_services.currency_save(
                actor=admin, code=code, name=name, symbol=symbol, minor_units=minor
            )
    today = timezone.localdate()
    for code, base, rate, multiplier, days in RATES:
        day = today - dt.timedelta(days=days)
        if not ExchangeRate.objects.filter(currency=code, base=base, date=day).exists():
            reference_services.exchange_rate_save(
                actor=admin,
                currency=Currency.objects.get(code=code),
                base=Currency.objects.get(code=base),
                date=day,
                rate=rate,
                multiplier=multiplier,
            )
    units = {}
    for name, code, full in UNITS:
        units[name] = Unit.objects.filter(name=name).first() or reference_services.unit_save(
            actor=admin, name=name, code=code, full_name=full
        )
    vat = {}
    for position, (name, rate) in enumerate(VAT):
        vat[name] = VatRate.objects.filter(name=name).first() or reference_services.vat_rate_save(
            actor=admin, name=name, rate=rate, position=position
        )
    hardware = _group(admin, "Hardware", None, 1)
    groups = {
        "Servers": _group(admin, "Servers", hardware, 1),
        "Networking": _group(admin, "Networking", hardware, 2),
        "Services": _group(admin, "Services", None, 2),
    }
    products: list[tuple[Product, Decimal]] = []
    for name, sku, kind, group, unit, rate, price in PRODUCTS:
        product = Product.objects.alive().filter(
            sku=sku
        ).first() or product_services.product_create(
            actor=admin,
            name=name,
            sku=sku,
            kind=kind,
            group=groups[group],
            unit=units[unit],
            vat_rate=vat[rate],
        )
        products.append((product, Decimal(price)))
    retail = _price_type(admin, "retail", "Retail", is_default=True, includes_vat=True)
    wholesale = _price_type(admin, "wholesale", "Wholesale", includes_vat=False, position=1)
    eur = Currency.objects.get(code="EUR")
    start = today.replace(month=1, day=1)
    for price_type, factor in ((retail, Decimal(1)), (wholesale, WHOLESALE_FACTOR)):
        if PriceList.objects.alive().filter(price_type=price_type, currency=eur).exists():
            continue
        price_services.price_list_create(
            actor=admin,
            name=f"{price_type.name} {start.year} (EUR)",
            price_type=price_type,
            currency=eur,
            valid_from=start,
            items=[
                {"product": p, "price": (price * factor).quantize(Decimal("0.01"))}
                for p, price in products
            ],
        )
    category = Tag.objects.filter(name="Wholesale").first()
    if category is not None and not DiscountRule.objects.filter(client_category=category).exists():
        reference_services.discount_rule_save(
            actor=admin,
            name="Wholesale clients: hardware",
            client_category=category,
            product_group=hardware,
            percent="5",
        )
    if not ManualDiscountLimit.objects.exists():
        reference_services.manual_discount_limit_set(
            actor=admin, role=Role.MANAGER, max_percent="10"
        )
        reference_services.manual_discount_limit_set(actor=admin, role=Role.HEAD, max_percent="20")
