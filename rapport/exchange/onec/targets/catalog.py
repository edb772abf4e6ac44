"""Sync targets of the catalogue: product groups and products.

Both write through ``rapport.catalog.services`` (validation, permission, history). Values
are JSON-like: related records (parent group, group, unit, VAT rate) by their id.
CommerceML's batched import (``onec.commerceml.catalog``) keeps the same semantics for
large catalogues without a service call per product; these targets serve ``upsert``
(groups, single products from OData / EnterpriseData) and conflict resolution.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rapport.catalog.models import Product, ProductGroup, Unit, VatRate
from rapport.catalog.services import groups as group_services
from rapport.catalog.services import products as product_services
from rapport.exchange.onec import sync

PRODUCT_VALUE_FIELDS = product_services.PRODUCT_FIELDS
_RELATED = {"group": ProductGroup, "unit": Unit, "vat_rate": VatRate}


def _related(model: type, pk: Any, field: str) -> Any:
    if pk in (None, ""):
        return None
    found = model._default_manager.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [_("Choose a valid option.")]})
    return found


def _objects(values: dict[str, Any]) -> dict[str, Any]:
    result = {}
    for name, value in values.items():
        if name in _RELATED:
            result[name] = _related(_RELATED[name], value, name)
        elif name in PRODUCT_VALUE_FIELDS:
            result[name] = value
    return result


# --- groups -------------------------------------------------------------------------------


def group_create(run: sync.ExchangeRun, values: dict[str, Any]) -> ProductGroup:
    parent = _related(ProductGroup, values.get("parent"), "parent")
    return group_services.product_group_save(
        actor=run.actor, name=values.get("name", ""), parent=parent
    )


def group_update(
    run: sync.ExchangeRun, group: ProductGroup, changes: dict[str, Any]
) -> ProductGroup:
    parent = (
        _related(ProductGroup, changes["parent"], "parent") if "parent" in changes else group.parent
    )
    return group_services.product_group_save(
        actor=run.actor,
        group=group,
        name=changes.get("name", group.name),
        parent=parent,
        position=group.position,
    )


def group_current(group: ProductGroup, fields: Iterable[str]) -> dict[str, Any]:
    values = {"name": group.name, "parent": str(group.parent_id) if group.parent_id else None}
    return {f: values.get(f) for f in fields}


# --- products -----------------------------------------------------------------------------


def product_create(run: sync.ExchangeRun, values: dict[str, Any]) -> Product:
    data = _objects(values)
    return product_services.product_create(actor=run.actor, **data)


def product_update(run: sync.ExchangeRun, product: Product, changes: dict[str, Any]) -> Product:
    return product_services.product_update(actor=run.actor, product=product, **_objects(changes))


def product_current(product: Product, fields: Iterable[str]) -> dict[str, Any]:
    values = {
        "name": product.name,
        "kind": product.kind,
        "sku": product.sku,
        "barcode": product.barcode,
        "group": str(product.group_id) if product.group_id else None,
        "unit": str(product.unit_id) if product.unit_id else None,
        "vat_rate": str(product.vat_rate_id) if product.vat_rate_id else None,
        "description": product.description,
        "properties": dict(product.properties or {}),
        "is_active": product.is_active,
    }
    return {f: values.get(f) for f in fields}


GROUP = sync.register(
    sync.Target(
        name="group",
        model=ProductGroup,
        create=group_create,
        update=group_update,
        current=group_current,
        label=lambda g: g.name,
    )
)
PRODUCT = sync.register(
    sync.Target(
        name="product",
        model=Product,
        create=product_create,
        update=product_update,
        current=product_current,
        label=lambda p: p.name,
    )
)
