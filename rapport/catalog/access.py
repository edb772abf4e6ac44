"""Visibility rules of the catalogue, registered with rapport.core.access.

Everyone signed in sees the catalogue, the price lists and the reference lists;
administrators and directors manage them. Trashed products and price lists are hidden
(from the trash too) from everyone who may not manage the catalogue.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rapport.core import access
from rapport.core.models import User

from .models import (
    Currency,
    DiscountRule,
    ExchangeRate,
    ManualDiscountLimit,
    PriceList,
    PriceListItem,
    PriceType,
    Product,
    ProductGroup,
    Unit,
    VatRate,
)


def can_manage_catalog(actor: User | None) -> bool:
    """Administrators and directors manage products, prices, discounts and currencies."""
    return bool(
        actor is not None
        and actor.is_authenticated
        and actor.is_active
        and actor.can_write
        and actor.sees_everything
    )


def _everything(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs


def _alive_unless_manager(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs if can_manage_catalog(actor) else qs.filter(deleted_at__isnull=True)


def _items(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(price_list__deleted_at__isnull=True, product__deleted_at__isnull=True)


def _manager_edits(actor: User, record: Any) -> bool:
    return can_manage_catalog(actor)


for _model, _rule in (
    (Product, _alive_unless_manager),
    (PriceList, _alive_unless_manager),
    (PriceListItem, _items),
    (ProductGroup, _everything),
    (Unit, _everything),
    (VatRate, _everything),
    (Currency, _everything),
    (ExchangeRate, _everything),
    (PriceType, _everything),
    (DiscountRule, _everything),
    (ManualDiscountLimit, _everything),
):
    access.register(_model, visible=_rule, editable=_manager_edits)
