"""Export -> import into a fresh connection keeps every field (hypothesis)."""

from __future__ import annotations

import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.catalog.models import (
    Currency,
    PriceListItem,
    PriceType,
    Product,
    ProductGroup,
    StockLevel,
    Unit,
    VatRate,
    Warehouse,
)
from rapport.catalog.services import prices as price_services
from rapport.catalog.services import products as product_services
from rapport.core.models import PropertyDefinition, PropertyTarget, PropertyType
from rapport.exchange.models import Connection, ConnectionKind
from rapport.exchange.onec.commerceml.catalog import apply_catalog_file
from rapport.exchange.onec.commerceml.catalog_export import export_catalog

from .conftest import new_progress, new_run

pytestmark = pytest.mark.django_db

text = (
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)
goods = st.lists(
    st.fixed_dictionaries(
        {
            "name": text,
            "description": st.one_of(st.just(""), text),
            "price": st.decimals(min_value=0, max_value=10**6, places=2),
            "stock": st.decimals(min_value=0, max_value=10**5, places=3),
            "colour": st.one_of(st.none(), st.sampled_from(["red", "зелёный"])),
            "weight": st.one_of(st.none(), st.integers(0, 10**6)),
            "service": st.booleans(),
        }
    ),
    min_size=1,
    max_size=6,
)


def _snapshot(products):
    rows = []
    for p in products:
        rows.append(
            (
                p.name,
                p.kind,
                p.sku,
                p.barcode,
                p.group.name if p.group else None,
                p.group.parent.name if p.group and p.group.parent else None,
                (p.unit.code, p.unit.name, p.unit.full_name) if p.unit else None,
                p.vat_rate.rate if p.vat_rate else None,
                p.description,
                {PropertyDefinition.objects.get(code=k).label: v for k, v in p.properties.items()},
                p.is_active,
                sorted((i.price_list.price_type.name, i.price) for i in p.prices.all()),
                sorted((s.warehouse.name, s.quantity) for s in p.stock_levels.all()),
            )
        )
    return sorted(rows, key=repr)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(goods=goods)
def test_export_import_round_trip_keeps_every_field(staff, goods):
    admin = staff.admin
    Product.objects.all().delete()
    parent = ProductGroup.objects.get_or_create(name="Обувь", parent=None)[0]
    group = ProductGroup.objects.get_or_create(name="Женская", parent=parent)[0]
    unit = Unit.objects.get_or_create(name="шт", defaults={"code": "796", "full_name": "Штука"})[0]
    vat = VatRate.objects.get_or_create(name="20%", defaults={"rate": Decimal(20)})[0]
    PropertyDefinition.objects.get_or_create(
        target=PropertyTarget.PRODUCT,
        code="colour",
        defaults={"label": "Цвет", "type": PropertyType.CHOICE, "choices": ["red", "зелёный"]},
    )
    PropertyDefinition.objects.get_or_create(
        target=PropertyTarget.PRODUCT,
        code="weight",
        defaults={"label": "Вес", "type": PropertyType.NUMBER},
    )
    rub = Currency.objects.get_or_create(code="RUB", defaults={"name": "Rouble"})[0]
    retail = PriceType.objects.get_or_create(code="retail", defaults={"name": "Розница"})[0]
    store = Warehouse.objects.get_or_create(name="Склад 1")[0]
    import datetime as dt

    price_list = price_services.price_list_create(
        actor=admin, name="Розница", price_type=retail, currency=rub, valid_from=dt.date.today()
    )
    made = []
    for n, g in enumerate(goods):
        made.append(
            product_services.product_create(
                actor=admin,
                name=g["name"],
                kind="service" if g["service"] else "goods",
                sku=f"SKU-{n}",
                barcode=f"46{n:011d}",
                group=group,
                unit=unit,
                vat_rate=vat,
                description=g["description"],
                properties={"colour": g["colour"], "weight": g["weight"]},
            )
        )
        StockLevel.objects.create(product=made[-1], warehouse=store, quantity=g["stock"])
    price_services.price_list_set_prices(
        actor=admin,
        price_list=price_list,
        items=[{"product": p, "price": g["price"]} for p, g in zip(made, goods, strict=True)],
    )
    before = _snapshot(Product.objects.all())
    folder = Path(tempfile.mkdtemp())
    try:
        import_path, offers_path = export_catalog(folder)
        # A fresh database holding nothing of the catalogue, a fresh connection.
        Product.objects.all().delete()
        price_list.delete()
        PriceType.objects.all().delete()
        ProductGroup.objects.filter(parent__isnull=False).delete()
        ProductGroup.objects.all().delete()
        Warehouse.objects.all().delete()
        connection = Connection.objects.create(
            kind=ConnectionKind.COMMERCEML,
            code=f"rt{Connection.objects.count()}",
            name="round trip",
            run_as=admin,
        )
        run = new_run(connection, admin)
        for path in (import_path, offers_path):
            apply_catalog_file(run, path, new_progress(admin))
        run.session.refresh_from_db()
        assert run.session.counts["rejected"] == 0
        after = _snapshot(Product.objects.all())
    finally:
        shutil.rmtree(folder)
        Product.objects.all().delete()
        from rapport.catalog.models import PriceList

        PriceList.objects.all().delete()
        PriceListItem.objects.all().delete()
    assert after == before
