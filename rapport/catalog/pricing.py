"""Prices, discounts, line amounts and currency conversion: the rules every document with
product lines (deals, invoices, orders from 1C) computes its money with.

Rounding: amounts are rounded half up to the currency's minor units (2 unless the currency
says otherwise), once per line, never on intermediate figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from rapport.core.models import Organisation, User

from .models import (
    Currency,
    DiscountRule,
    ExchangeRate,
    ManualDiscountLimit,
    PriceListItem,
    PriceType,
    Product,
    ProductGroup,
)

HUNDRED = Decimal(100)


def to_decimal(value: Any) -> Decimal | None:
    """A number as people type it ("1 234,50", a Decimal, an int) as a finite Decimal;
    None for blank or not a number (callers word the error for their field)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    text = str(value).strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not text:
        return None
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def quantize(amount: Decimal, minor_units: int = 2) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-minor_units), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    """``amount`` is the line's sum after the discount as the price type states it (with
    VAT inside when prices include VAT); ``net`` and ``vat`` split it; ``total`` = net + vat."""

    amount: Decimal
    discount: Decimal
    net: Decimal
    vat: Decimal
    total: Decimal


def line_amounts(
    *,
    quantity: Decimal,
    price: Decimal,
    discount_percent: Decimal = Decimal(0),
    vat_rate: Decimal | None = None,
    prices_include_vat: bool = True,
    minor_units: int = 2,
) -> LineAmounts:
    gross = quantize(quantity * price, minor_units)
    discount = quantize(gross * discount_percent / HUNDRED, minor_units)
    amount = gross - discount
    if vat_rate is None:
        return LineAmounts(amount, discount, amount, Decimal(0), amount)
    if prices_include_vat:
        vat = quantize(amount * vat_rate / (HUNDRED + vat_rate), minor_units)
        return LineAmounts(amount, discount, amount - vat, vat, amount)
    vat = quantize(amount * vat_rate / HUNDRED, minor_units)
    return LineAmounts(amount, discount, amount, vat, amount + vat)


def default_price_type() -> PriceType | None:
    return (
        PriceType.objects.filter(is_active=True).order_by("-is_default", "position", "name").first()
    )


def price_for(
    *, product: Product, price_type: PriceType, currency: str, on: dt.date
) -> Decimal | None:
    """The product's price of that type and currency valid on ``on`` (the valid list with
    the latest start wins), or None."""
    item = (
        PriceListItem.objects.filter(
            product=product,
            price_list__price_type=price_type,
            price_list__currency_id=currency,
            price_list__is_active=True,
            price_list__deleted_at__isnull=True,
            price_list__valid_from__lte=on,
        )
        .filter(Q(price_list__valid_to__isnull=True) | Q(price_list__valid_to__gte=on))
        .order_by("-price_list__valid_from")
        .values_list("price", flat=True)
        .first()
    )
    return item


def _group_ancestors(group_id: object) -> list[object]:
    """The group and its parents, up to the root (one query; a cycle stops the walk)."""
    if group_id is None:
        return []
    parents: dict[object, object] = dict(ProductGroup.objects.values_list("id", "parent_id"))
    ids: list[object] = []
    current: object = group_id
    while current is not None and current not in ids:
        ids.append(current)
        current = parents.get(current)
    return ids


def discount_for(*, client_category_ids: list[object], product: Product, on: dt.date) -> Decimal:
    """The automatic discount in percent: the largest of the active rules that match the
    client's categories and the product's group (or its parents). Rules with neither a
    category nor a group apply to everyone."""
    groups = _group_ancestors(product.group_id)
    rules = (
        DiscountRule.objects.filter(is_active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .filter(Q(client_category__isnull=True) | Q(client_category__in=client_category_ids))
        .filter(Q(product_group__isnull=True) | Q(product_group__in=groups))
        .values_list("percent", flat=True)
    )
    return max(rules, default=Decimal(0))


def manual_discount_limit(user: User) -> Decimal:
    """The largest manual discount ``user``'s role may give: the configured limit, else
    100% for administrators and directors and 0% for everyone else."""
    limit = ManualDiscountLimit.objects.filter(role=user.role).values_list("max_percent", flat=True)
    found = limit.first()
    if found is not None:
        return found
    return HUNDRED if user.sees_everything else Decimal(0)


def base_currency(organisation: Organisation | None) -> str:
    if organisation is not None:
        return organisation.currency
    first = Organisation.objects.order_by("name").values_list("currency", flat=True).first()
    return first or "EUR"


def rate_on(*, currency: str, base: str, on: dt.date) -> Decimal:
    """Units of ``base`` for one unit of ``currency`` on ``on`` (the latest rate on or
    before that day, direct or inverse). Raises ValidationError naming the pair."""
    if currency == base:
        return Decimal(1)
    direct = (
        ExchangeRate.objects.filter(currency_id=currency, base_id=base, date__lte=on)
        .order_by("-date")
        .values_list("rate", "multiplier")
        .first()
    )
    if direct is not None:
        return direct[0] / direct[1]
    inverse = (
        ExchangeRate.objects.filter(currency_id=base, base_id=currency, date__lte=on)
        .order_by("-date")
        .values_list("rate", "multiplier")
        .first()
    )
    if inverse is not None:
        return inverse[1] / inverse[0]
    raise ValidationError(
        {
            "currency": _("No exchange rate of %(currency)s to %(base)s on or before %(date)s.")
            % {"currency": currency, "base": base, "date": on.isoformat()}
        }
    )


def convert(*, amount: Decimal, currency: str, to: str, on: dt.date) -> Decimal:
    if currency == to:
        return amount
    minor = Currency.objects.filter(code=to).values_list("minor_units", flat=True).first()
    return quantize(
        amount * rate_on(currency=currency, base=to, on=on), 2 if minor is None else minor
    )
