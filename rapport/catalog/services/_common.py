"""Helpers shared by the catalogue services: the permission check, text and number
cleaning with errors keyed by field, and the refusal to delete a record in use."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from rapport.catalog.pricing import to_decimal
from rapport.core.models import User

from ..access import can_manage_catalog

HUNDRED = Decimal(100)


def _require_manager(actor: User) -> None:
    if not can_manage_catalog(actor):
        raise PermissionDenied(_("Only administrators and directors manage the catalogue."))


def _text(value: Any, field: str, errors: dict[str, list[str]], *, max_length: int) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > max_length:
        errors.setdefault(field, []).append(
            _("At most %(count)d characters.") % {"count": max_length}
        )
    return text


def _required(text: str, field: str, errors: dict[str, list[str]]) -> None:
    if not text:
        errors.setdefault(field, []).append(_("This field is required."))


def parse_decimal(value: Any, *, places: int, max_digits: int) -> Decimal:
    """A finite Decimal with at most ``places`` decimals and ``max_digits`` digits in all;
    ValueError with a message otherwise (a comma is accepted as the decimal point)."""
    number = to_decimal(value)
    if number is None:
        raise ValueError(_("Enter a number."))
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ValueError(_("At most %(places)d decimal places.") % {"places": places})
    if abs(number) >= Decimal(10) ** (max_digits - places):
        raise ValueError(_("The number is too large."))
    return number


def _number(
    value: Any,
    field: str,
    errors: dict[str, list[str]],
    *,
    places: int,
    max_digits: int,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    above: Decimal | None = None,
) -> Decimal | None:
    try:
        number = parse_decimal(value, places=places, max_digits=max_digits)
    except ValueError as exc:
        errors.setdefault(field, []).append(str(exc))
        return None
    if minimum is not None and number < minimum:
        errors.setdefault(field, []).append(
            _("Must be at least %(min)s.") % {"min": minimum}
            if minimum != 0
            else _("Must not be negative.")
        )
    if above is not None and number <= above:
        errors.setdefault(field, []).append(_("Must be greater than %(min)s.") % {"min": above})
    if maximum is not None and number > maximum:
        errors.setdefault(field, []).append(_("Must be at most %(max)s.") % {"max": maximum})
    return number


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _unknown_fields(changes: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(unknown)}")


def _check_dates(
    valid_from: dt.date | None, valid_to: dt.date | None, errors: dict[str, list[str]]
) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        errors.setdefault("valid_to", []).append(_("The end date is before the start date."))


def _delete_unused(record: Any, what: str) -> None:
    try:
        with transaction.atomic():
            record.delete()
    except (ProtectedError, IntegrityError) as exc:
        raise ValidationError(
            _("“%(name)s” is in use and cannot be deleted; make it inactive instead.")
            % {"name": what}
        ) from exc
