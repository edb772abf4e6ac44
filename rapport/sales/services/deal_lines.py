"""Money of deals: product lines priced from the catalogue, checked and saved, and the
deal's amount from them.

The rules are catalog.pricing's: prices from price lists, automatic discounts by client
category and product group, manual discounts up to the actor's limit, line amounts rounded
once per line, the amount in the organisation's base currency at the day's rate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog import pricing
from rapport.catalog.models import Currency, PriceType, Product, Unit
from rapport.catalog.pricing import to_decimal
from rapport.core.models import User
from rapport.parties.models import Client

from ..models import Deal, DealLine

FIELD_LABELS = {
    "quantity": lambda: _("the quantity"),
    "price": lambda: _("the price"),
    "discount_percent": lambda: _("the discount"),
}
ZERO = Decimal(0)


@dataclass
class PricedLine:
    """A line as computed (and as saved): ``discount_percent`` is what applies."""

    position: int
    product: Product | None
    description: str
    quantity: Decimal
    unit: Unit | None
    price: Decimal
    discount_percent: Decimal
    discount_is_manual: bool
    auto_discount: Decimal
    vat_rate: Decimal | None
    amount: Decimal
    vat_amount: Decimal
    total: Decimal
    errors: list[str] = field(default_factory=list)


@dataclass
class PricedLines:
    lines: list[PricedLine]
    net: Decimal
    vat: Decimal
    total: Decimal
    errors: list[str]


def parse_decimal(value: Any, *, default: Decimal | None = None) -> Decimal | None:
    """``default`` for blank; ValueError for what is not a number."""
    if value is None or str(value).strip() == "":
        return default
    number = to_decimal(value)
    if number is None:
        raise ValueError(str(value))
    return number


def _pct(value: Decimal) -> str:
    return format(value.normalize(), "f")


def price_lines(
    *,
    actor: User,
    client: Client | None,
    currency: Currency,
    price_type: PriceType | None,
    lines: Sequence[Mapping[str, Any]],
    on: dt.date | None = None,
) -> PricedLines:
    """Price ``lines`` (dicts: product, description, quantity, price, discount_percent,
    vat_rate, unit; a missing price/VAT comes from the catalogue, a missing discount is
    the automatic one). Errors name the line and the field; nothing is saved."""
    on = on or timezone.localdate()
    price_type = price_type or pricing.default_price_type()
    includes_vat = price_type.includes_vat if price_type is not None else True
    categories: list[object] = (
        list(client.tags.values_list("pk", flat=True)) if client is not None else []
    )
    limit = pricing.manual_discount_limit(actor)
    result: list[PricedLine] = []
    errors: list[str] = []
    for index, raw in enumerate(lines):
        number = index + 1
        line_errors: list[str] = []
        product = raw.get("product")
        description = (raw.get("description") or "").strip()
        if product is None and not description:
            line_errors.append(_("choose a product or describe the line"))
        label = description or (product.name if product is not None else "")

        def number_of(
            name: str,
            default: Decimal | None,
            errs: list[str] = line_errors,
            src: Mapping[str, Any] = raw,
        ) -> Decimal | None:
            try:
                return parse_decimal(src.get(name), default=default)
            except ValueError:
                errs.append(_("%(field)s is not a number") % {"field": FIELD_LABELS[name]()})
                return default

        quantity = number_of("quantity", Decimal(1))
        if quantity is not None and quantity <= 0:
            line_errors.append(_("the quantity must be above zero"))
        price = number_of("price", None)
        if price is None and product is not None:
            if price_type is not None:
                price = pricing.price_for(
                    product=product, price_type=price_type, currency=currency.code, on=on
                )
            if price is None:
                line_errors.append(
                    _("no price of “%(type)s” in %(currency)s: enter the price")
                    % {"type": price_type or "—", "currency": currency.code}
                )
        if price is None:
            price = ZERO
        if price < 0:
            line_errors.append(_("the price cannot be negative"))
        auto = ZERO
        if product is not None:
            auto = pricing.discount_for(client_category_ids=categories, product=product, on=on)
        given = number_of("discount_percent", None)
        discount = auto if given is None else given
        manual = given is not None and given != auto
        if discount < 0 or discount > 100:
            line_errors.append(_("the discount must be between 0 and 100%"))
        elif manual and discount > max(auto, limit):
            line_errors.append(
                _("the discount %(given)s%% is above your limit of %(limit)s%%")
                % {"given": _pct(discount), "limit": _pct(max(auto, limit))}
            )
        if "vat_rate" in raw:
            try:
                vat = parse_decimal(raw.get("vat_rate"), default=None)
            except ValueError:
                line_errors.append(_("VAT is not a number"))
                vat = None
        else:
            vat = product.vat_rate.rate if product is not None and product.vat_rate else None
        if vat is not None and not 0 <= vat <= 100:
            line_errors.append(_("VAT must be between 0 and 100%"))
        unit = raw.get("unit") or (product.unit if product is not None else None)
        amounts = pricing.line_amounts(
            quantity=quantity or ZERO,
            price=price,
            discount_percent=discount if 0 <= discount <= 100 else ZERO,
            vat_rate=vat,
            prices_include_vat=includes_vat,
            minor_units=currency.minor_units,
        )
        for message in line_errors:
            errors.append(
                _("Line %(number)s (%(label)s): %(message)s.")
                % {"number": number, "label": label or "—", "message": message}
            )
        result.append(
            PricedLine(
                position=index,
                product=product,
                description=description,
                quantity=quantity or ZERO,
                unit=unit,
                price=price,
                discount_percent=discount,
                discount_is_manual=manual,
                auto_discount=auto,
                vat_rate=vat,
                amount=amounts.amount,
                vat_amount=amounts.vat,
                total=amounts.total,
                errors=line_errors,
            )
        )
    net = sum((line.total - line.vat_amount for line in result), ZERO)
    vat_total = sum((line.vat_amount for line in result), ZERO)
    total = sum((line.total for line in result), ZERO)
    return PricedLines(lines=result, net=net, vat=vat_total, total=total, errors=errors)


def _base_amount(deal: Deal) -> Decimal:
    base = pricing.base_currency(deal.organisation)
    return pricing.convert(
        amount=deal.amount, currency=deal.currency_id, to=base, on=timezone.localdate()
    )


def write_lines(deal: Deal, priced: PricedLines) -> None:
    deal.lines.all().delete()
    DealLine.objects.bulk_create(
        [
            DealLine(
                deal=deal,
                position=line.position,
                product=line.product,
                description=(line.description or (line.product.name if line.product else ""))[:500],
                quantity=line.quantity,
                unit=line.unit,
                price=line.price,
                discount_percent=line.discount_percent,
                discount_is_manual=line.discount_is_manual,
                vat_rate=line.vat_rate,
                amount=line.amount,
                vat_amount=line.vat_amount,
            )
            for line in priced.lines
        ]
    )


def saved_lines_input(deal: Deal) -> list[dict[str, Any]]:
    """The saved lines as input (prices and discounts kept as they are)."""
    return [
        {
            "product": line.product,
            "description": line.description,
            "quantity": line.quantity,
            "price": line.price,
            "discount_percent": line.discount_percent,
            "vat_rate": line.vat_rate,
            "unit": line.unit,
        }
        for line in deal.lines.select_related("product", "product__vat_rate", "unit")
    ]


def price_deal_lines(deal: Deal, actor: User, lines: Sequence[Mapping[str, Any]]) -> PricedLines:
    """``lines`` priced for ``deal`` (its client, currency and price type); any line's
    error refuses them all."""
    priced = price_lines(
        actor=actor,
        client=deal.client,
        currency=deal.currency,
        price_type=deal.price_type,
        lines=lines,
    )
    if priced.errors:
        raise ValidationError({"lines": priced.errors})
    return priced


def set_amounts(deal: Deal, priced: PricedLines | None, amount: Decimal | None) -> None:
    """The amount is the lines' total when there are lines (``priced``, or the saved ones
    when None), else ``amount`` (None: unchanged); amount_base follows."""
    if priced is not None:
        has_lines, total = bool(priced.lines), priced.total
    else:
        saved = list(deal.lines.all()) if deal.pk and not deal._state.adding else []
        has_lines = bool(saved)
        inside = _vat_inside(deal)
        total = sum((ln.amount + (ZERO if inside else ln.vat_amount) for ln in saved), ZERO)
    if has_lines:
        deal.amount = total
    elif amount is not None:
        deal.amount = amount
    try:
        deal.amount_base = _base_amount(deal)
    except ValidationError as exc:
        raise ValidationError({"currency": exc.messages}) from exc


def _vat_inside(deal: Deal) -> bool:
    return deal.price_type.includes_vat if deal.price_type is not None else True
