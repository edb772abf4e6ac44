"""Writes of price lists and their prices: create, change, set prices in bulk, trash."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import services as core_services
from rapport.core.history import save_as
from rapport.core.models import User

from ..models import (
    Currency,
    PriceList,
    PriceListItem,
    PriceType,
    Product,
)
from ._common import (
    _check_dates,
    _raise,
    _require_manager,
    _required,
    _text,
    _unknown_fields,
    parse_decimal,
)

PRICE_LIST_FIELDS = ("name", "price_type", "currency", "valid_from", "valid_to", "is_active")


def _clean_price_list(price_list: PriceList, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    price_list.name = _text(data["name"], "name", errors, max_length=200)
    _required(price_list.name, "name", errors)
    for field, model in (("price_type", PriceType), ("currency", Currency)):
        if not isinstance(data[field], model):
            errors.setdefault(field, []).append(_("This field is required."))
    if not isinstance(data["valid_from"], dt.date):
        errors.setdefault("valid_from", []).append(_("This field is required."))
    _check_dates(data["valid_from"], data["valid_to"], errors)
    _raise(errors)
    price_list.price_type, price_list.currency = data["price_type"], data["currency"]
    price_list.valid_from, price_list.valid_to = data["valid_from"], data["valid_to"]
    price_list.is_active = bool(data["is_active"])


def _row_label(index: int, product: Product | None, raw: Any) -> str:
    if product is not None:
        name = f"{product.name} ({product.sku})" if product.sku else product.name
        return f"#{index} “{name}”"
    return f"#{index}"


def _clean_items(items: list[dict[str, Any]]) -> dict[Any, Decimal]:
    """Rows ``{"product": Product or id, "price": number or text}`` as {product id: price}.
    Every bad row is named: its number, the product, the reason."""
    if not isinstance(items, list):
        raise ValidationError({"items": [_("Give a list of rows.")]})
    wanted_ids = []
    for row in items:
        product = row.get("product") if isinstance(row, dict) else None
        wanted_ids.append(product.pk if isinstance(product, Product) else product)
    known: dict[str, Product] = {}
    try:
        ids = [i for i in wanted_ids if i not in (None, "")]
        known = {str(p.pk): p for p in Product.objects.alive().filter(pk__in=ids)}
    except (ValueError, ValidationError):
        known = {}
        for pk in wanted_ids:
            try:
                found = Product.objects.alive().filter(pk=pk).first()
            except (ValueError, ValidationError):
                found = None
            if found is not None:
                known[str(found.pk)] = found
    errors: list[str] = []
    prices: dict[Any, Decimal] = {}
    for index, (row, pk) in enumerate(zip(items, wanted_ids, strict=True), start=1):
        product = known.get(str(pk)) if pk not in (None, "") else None
        label = _row_label(index, product, pk)
        if product is None:
            errors.append(
                _("%(row)s: choose a product.") % {"row": label}
                if pk in (None, "")
                else _("%(row)s: no such product.") % {"row": label}
            )
            continue
        if product.pk in prices:
            errors.append(_("%(row)s: the product is listed twice.") % {"row": label})
            continue
        try:
            price = parse_decimal(row.get("price"), places=4, max_digits=18)
        except ValueError as exc:
            errors.append(f"{label}: {exc}")
            continue
        if price < 0:
            errors.append(_("%(row)s: the price must not be negative.") % {"row": label})
            continue
        prices[product.pk] = price
    if errors:
        raise ValidationError({"items": errors})
    return prices


def _write_items(price_list: PriceList, prices: dict[Any, Decimal], *, replace: bool) -> None:
    existing = {i.product_id: i for i in price_list.items.all()}
    if replace:
        price_list.items.exclude(product_id__in=list(prices)).delete()
    new, changed = [], []
    for product_id, price in prices.items():
        item = existing.get(product_id)
        if item is None:
            new.append(PriceListItem(price_list=price_list, product_id=product_id, price=price))
        elif item.price != price:
            item.price = price
            changed.append(item)
    PriceListItem.objects.bulk_create(new)
    PriceListItem.objects.bulk_update(changed, ["price"])


@transaction.atomic
def price_list_create(
    *,
    actor: User,
    name: str,
    price_type: PriceType,
    currency: Currency,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    is_active: bool = True,
    items: list[dict[str, Any]] | None = None,
) -> PriceList:
    _require_manager(actor)
    price_list = PriceList(created_by=actor)
    data = {
        "name": name,
        "price_type": price_type,
        "currency": currency,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "is_active": is_active,
    }
    _clean_price_list(price_list, data)
    prices = _clean_items(items) if items is not None else {}
    save_as(actor, price_list)
    _write_items(price_list, prices, replace=True)
    return price_list


@transaction.atomic
def price_list_update(
    *,
    actor: User,
    price_list: PriceList,
    items: list[dict[str, Any]] | None = None,
    **changes: Any,
) -> PriceList:
    """Change the given fields; ``items`` (if given) replaces every price of the list."""
    _require_manager(actor)
    _unknown_fields(changes, PRICE_LIST_FIELDS)
    data = {f: getattr(price_list, f) for f in PRICE_LIST_FIELDS}
    data.update(changes)
    _clean_price_list(price_list, data)
    prices = _clean_items(items) if items is not None else None
    price_list.updated_at = timezone.now()
    save_as(actor, price_list)
    if prices is not None:
        _write_items(price_list, prices, replace=True)
    return price_list


@transaction.atomic
def price_list_set_prices(
    *, actor: User, price_list: PriceList, items: list[dict[str, Any]], replace: bool = False
) -> PriceList:
    """Set the prices of the given products in one go (all or nothing); with ``replace``
    the products not given are removed from the list."""
    _require_manager(actor)
    prices = _clean_items(items)
    _write_items(price_list, prices, replace=replace)
    price_list.updated_at = timezone.now()
    price_list.save(update_fields=["updated_at"])
    return price_list


def price_list_trash(*, actor: User, price_list: PriceList) -> None:
    _require_manager(actor)
    core_services.record_trash(actor=actor, record=price_list)
