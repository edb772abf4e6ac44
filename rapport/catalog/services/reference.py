"""Writes of the catalogue reference lists: units, VAT rates, currencies, exchange
rates, price types, discount rules and manual discount limits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core.models import Role, User
from rapport.parties.models import Tag

from ..models import (
    Currency,
    DiscountRule,
    ExchangeRate,
    ManualDiscountLimit,
    PriceType,
    ProductGroup,
    Unit,
    VatRate,
)
from ._common import (
    HUNDRED,
    _check_dates,
    _delete_unused,
    _number,
    _raise,
    _require_manager,
    _required,
    _text,
)

# --- units and VAT rates ----------------------------------------------------------------


@transaction.atomic
def unit_save(
    *, actor: User, unit: Unit | None = None, name: str, code: str = "", full_name: str = ""
) -> Unit:
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    clean_name = _text(name, "name", errors, max_length=50)
    _required(clean_name, "name", errors)
    clean_code = _text(code, "code", errors, max_length=8)
    clean_full = _text(full_name, "full_name", errors, max_length=200)
    others = Unit.objects.filter(name=clean_name)
    if unit is not None:
        others = others.exclude(pk=unit.pk)
    if clean_name and others.exists():
        errors.setdefault("name", []).append(_("This unit already exists."))
    _raise(errors)
    unit = unit or Unit()
    unit.name, unit.code, unit.full_name = clean_name, clean_code, clean_full
    unit.save()
    return unit


def unit_delete(*, actor: User, unit: Unit) -> None:
    _require_manager(actor)
    _delete_unused(unit, unit.name)


@transaction.atomic
def vat_rate_save(
    *,
    actor: User,
    vat_rate: VatRate | None = None,
    name: str,
    rate: Any = None,
    is_active: bool = True,
    position: int = 0,
) -> VatRate:
    """``rate`` None or "" means "without VAT"."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    clean_name = _text(name, "name", errors, max_length=50)
    _required(clean_name, "name", errors)
    value = None
    if rate not in (None, ""):
        value = _number(
            rate, "rate", errors, places=2, max_digits=5, minimum=Decimal(0), maximum=HUNDRED
        )
    others = VatRate.objects.filter(name=clean_name)
    if vat_rate is not None:
        others = others.exclude(pk=vat_rate.pk)
    if clean_name and others.exists():
        errors.setdefault("name", []).append(_("A VAT rate with this name already exists."))
    _raise(errors)
    vat_rate = vat_rate or VatRate()
    vat_rate.name, vat_rate.rate = clean_name, value
    vat_rate.is_active, vat_rate.position = bool(is_active), int(position or 0)
    vat_rate.save()
    return vat_rate


def vat_rate_delete(*, actor: User, vat_rate: VatRate) -> None:
    _require_manager(actor)
    _delete_unused(vat_rate, vat_rate.name)


# --- currencies and exchange rates ------------------------------------------------------


@transaction.atomic
def currency_save(
    *,
    actor: User,
    code: str,
    name: str,
    symbol: str = "",
    minor_units: int = 2,
    is_active: bool = True,
) -> Currency:
    """Create or change the currency with this ISO 4217 code."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    clean_code = (code or "").strip().upper()
    if len(clean_code) != 3 or not clean_code.isascii() or not clean_code.isalpha():
        errors.setdefault("code", []).append(_("Enter a three-letter ISO 4217 code."))
    clean_name = _text(name, "name", errors, max_length=100)
    _required(clean_name, "name", errors)
    clean_symbol = _text(symbol, "symbol", errors, max_length=8)
    try:
        minor = int(minor_units)
    except (TypeError, ValueError):
        minor = -1
    if not 0 <= minor <= 4:
        errors.setdefault("minor_units", []).append(_("Enter a number from 0 to 4."))
    _raise(errors)
    currency, _created = Currency.objects.update_or_create(
        code=clean_code,
        defaults={
            "name": clean_name,
            "symbol": clean_symbol,
            "minor_units": minor,
            "is_active": bool(is_active),
        },
    )
    return currency


def currency_delete(*, actor: User, currency: Currency) -> None:
    _require_manager(actor)
    _delete_unused(currency, currency.code)


@transaction.atomic
def exchange_rate_save(
    *,
    actor: User,
    exchange_rate: ExchangeRate | None = None,
    currency: Currency,
    base: Currency,
    date: dt.date,
    rate: Any,
    multiplier: int = 1,
) -> ExchangeRate:
    """``rate`` units of ``base`` buy ``multiplier`` units of ``currency`` from ``date``.
    A second rate for the same pair and day is refused (change the existing one)."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    if currency is None:
        errors.setdefault("currency", []).append(_("This field is required."))
    if base is None:
        errors.setdefault("base", []).append(_("This field is required."))
    if currency is not None and base is not None and currency.pk == base.pk:
        errors.setdefault("base", []).append(_("A currency has no rate against itself."))
    if date is None:
        errors.setdefault("date", []).append(_("This field is required."))
    value = _number(rate, "rate", errors, places=6, max_digits=18, above=Decimal(0))
    try:
        mult = int(multiplier)
    except (TypeError, ValueError):
        mult = 0
    if mult < 1:
        errors.setdefault("multiplier", []).append(_("Must be at least %(min)s.") % {"min": 1})
    if not errors:
        same = ExchangeRate.objects.filter(currency=currency, base=base, date=date)
        if exchange_rate is not None:
            same = same.exclude(pk=exchange_rate.pk)
        if same.exists():
            errors.setdefault("date", []).append(
                _("A rate of %(currency)s to %(base)s on %(date)s already exists.")
                % {"currency": currency.pk, "base": base.pk, "date": date.isoformat()}
            )
    _raise(errors)
    assert value is not None  # checked above
    exchange_rate = exchange_rate or ExchangeRate()
    exchange_rate.currency, exchange_rate.base, exchange_rate.date = currency, base, date
    exchange_rate.rate, exchange_rate.multiplier = value, mult
    exchange_rate.save()
    return exchange_rate


def exchange_rate_delete(*, actor: User, exchange_rate: ExchangeRate) -> None:
    _require_manager(actor)
    exchange_rate.delete()


# --- price types ------------------------------------------------------------------------


@transaction.atomic
def price_type_save(
    *,
    actor: User,
    price_type: PriceType | None = None,
    code: str,
    name: str,
    includes_vat: bool = True,
    is_default: bool = False,
    is_active: bool = True,
    position: int = 0,
) -> PriceType:
    """Create or change a price type; making one the default unmarks the others."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    clean_code = _text(code, "code", errors, max_length=32).lower()
    _required(clean_code, "code", errors)
    if clean_code and not all(c.isascii() and (c.isalnum() or c in "-_") for c in clean_code):
        errors.setdefault("code", []).append(_("Use Latin letters, digits, - and _ only."))
    clean_name = _text(name, "name", errors, max_length=100)
    _required(clean_name, "name", errors)
    others = PriceType.objects.filter(code=clean_code)
    if price_type is not None:
        others = others.exclude(pk=price_type.pk)
    if clean_code and others.exists():
        errors.setdefault("code", []).append(_("Another price type has this code."))
    if is_default and not is_active:
        errors.setdefault("is_default", []).append(_("The default price type must be active."))
    _raise(errors)
    price_type = price_type or PriceType()
    price_type.code, price_type.name = clean_code, clean_name
    price_type.includes_vat, price_type.is_default = bool(includes_vat), bool(is_default)
    price_type.is_active, price_type.position = bool(is_active), int(position or 0)
    price_type.save()
    if price_type.is_default:
        PriceType.objects.exclude(pk=price_type.pk).filter(is_default=True).update(is_default=False)
    return price_type


def price_type_delete(*, actor: User, price_type: PriceType) -> None:
    _require_manager(actor)
    _delete_unused(price_type, price_type.name)


# --- discounts --------------------------------------------------------------------------


@transaction.atomic
def discount_rule_save(
    *,
    actor: User,
    rule: DiscountRule | None = None,
    name: str,
    percent: Any,
    client_category: Tag | None = None,
    product_group: ProductGroup | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    is_active: bool = True,
) -> DiscountRule:
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    clean_name = _text(name, "name", errors, max_length=200)
    _required(clean_name, "name", errors)
    value = _number(
        percent, "percent", errors, places=2, max_digits=5, above=Decimal(0), maximum=HUNDRED
    )
    _check_dates(valid_from, valid_to, errors)
    _raise(errors)
    assert value is not None  # checked above
    rule = rule or DiscountRule()
    rule.name, rule.percent = clean_name, value
    rule.client_category, rule.product_group = client_category, product_group
    rule.valid_from, rule.valid_to, rule.is_active = valid_from, valid_to, bool(is_active)
    rule.save()
    return rule


def discount_rule_delete(*, actor: User, rule: DiscountRule) -> None:
    _require_manager(actor)
    rule.delete()


@transaction.atomic
def manual_discount_limit_set(*, actor: User, role: str, max_percent: Any) -> None:
    """The largest manual discount ``role`` may give; None or "" returns to the default
    (100% for administrators and directors, 0% for the rest)."""
    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors.setdefault("role", []).append(_("Choose a valid option."))
    if max_percent in (None, ""):
        _raise(errors)
        ManualDiscountLimit.objects.filter(role=role).delete()
        return
    value = _number(
        max_percent,
        "max_percent",
        errors,
        places=2,
        max_digits=5,
        minimum=Decimal(0),
        maximum=HUNDRED,
    )
    _raise(errors)
    assert value is not None  # checked above
    ManualDiscountLimit.objects.update_or_create(role=role, defaults={"max_percent": value})
