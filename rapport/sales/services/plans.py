"""Sales plans: a period (month, quarter, year) and lines with a target in amount and in
number of won deals, each for exactly one manager, department, product group or client.

Who writes: administrators and directors any plan; heads of department plans whose lines
are all within their department (its managers, it or its sub-departments, clients they
see); nobody else. A refused write changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.models import Currency, ProductGroup
from rapport.core import access
from rapport.core.models import Department, Role, User
from rapport.parties.models import Client

from ..models import PlanPeriod, SalesPlan, SalesPlanLine

TARGETS = ("manager", "department", "product_group", "client")
TARGET_MODELS: dict[str, Any] = {
    "manager": User,
    "department": Department,
    "product_group": ProductGroup,
    "client": Client,
}


def period_start(period: str, day: dt.date) -> dt.date:
    """The first day of the month, quarter or year ``day`` falls in."""
    if period == PlanPeriod.MONTH:
        return day.replace(day=1)
    if period == PlanPeriod.QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def period_end(period: str, start: dt.date) -> dt.date:
    """The last day of the period that starts on ``start``."""
    lengths: dict[str, int] = {PlanPeriod.MONTH: 1, PlanPeriod.QUARTER: 3}
    months = lengths.get(period, 12)
    month = start.month - 1 + months
    following = dt.date(start.year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def can_write_plans(actor: User | None) -> bool:
    """Whether ``actor`` may create plans at all."""
    return bool(
        actor
        and actor.is_authenticated
        and actor.can_write
        and (actor.sees_everything or actor.role == Role.HEAD)
    )


def _head_allows(actor: User, line: dict[str, Any], subtree: list[Any]) -> bool:
    if line.get("manager") is not None:
        return line["manager"].department_id in subtree
    if line.get("department") is not None:
        return line["department"].pk in subtree
    if line.get("client") is not None:
        return access.visible_to(actor, Client).filter(pk=line["client"].pk).exists()
    return False  # product groups are company-wide: directors set them


def _line_dict(line: SalesPlanLine) -> dict[str, Any]:
    return {name: getattr(line, name) for name in TARGETS}


def can_edit_plan(actor: User | None, plan: SalesPlan) -> bool:
    """Directors and administrators: every plan; heads: plans whose lines all fall within
    their department."""
    if not can_write_plans(actor):
        return False
    assert actor is not None
    if actor.sees_everything:
        return True
    subtree = access.department_subtree_ids(actor.department_id)
    lines = plan.lines.select_related("manager", "department", "client")
    return all(_head_allows(actor, _line_dict(line), subtree) for line in lines)


def _target_label(line: dict[str, Any]) -> str:
    for name in TARGETS:
        if line.get(name) is not None:
            return str(line[name])
    return ""


def _to_instance(name: str, value: Any) -> Any:
    if value is None or value == "" or isinstance(value, TARGET_MODELS[name]):
        return value or None
    try:
        return TARGET_MODELS[name]._default_manager.get(pk=value)
    except (TARGET_MODELS[name].DoesNotExist, ValueError, TypeError, ValidationError):
        return False


def _clean_lines(*, actor: User, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validated lines (model instances, Decimal amount, int count); errors name the line
    as "#n" under ``lines``."""
    errors: list[str] = []
    cleaned: list[dict[str, Any]] = []
    seen: dict[tuple[str, Any], int] = {}
    subtree = (
        access.department_subtree_ids(actor.department_id) if not actor.sees_everything else []
    )
    for number, raw in enumerate(lines, start=1):
        line: dict[str, Any] = {}
        for name in TARGETS:
            value = _to_instance(name, raw.get(name))
            if value is False:
                errors.append(
                    _("#%(n)s: no such %(what)s.")
                    % {"n": number, "what": TARGET_MODELS[name]._meta.verbose_name}
                )
                value = None
            line[name] = value
        chosen = [name for name in TARGETS if line[name] is not None]
        if len(chosen) != 1:
            errors.append(
                _("#%(n)s: choose exactly one of manager, department, product group or client.")
                % {"n": number}
            )
            continue
        try:
            amount = Decimal(str(raw.get("amount") if raw.get("amount") not in (None, "") else 0))
            if not amount.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.append(_("#%(n)s: the amount is not a number.") % {"n": number})
            continue
        try:
            raw_count = raw.get("count")
            count = int(raw_count) if raw_count not in (None, "") else 0
        except (TypeError, ValueError):
            errors.append(_("#%(n)s: the number of deals is not a whole number.") % {"n": number})
            continue
        if amount < 0 or count < 0:
            errors.append(_("#%(n)s: targets cannot be negative.") % {"n": number})
            continue
        exponent = amount.as_tuple().exponent  # an int: the amount is finite
        if (isinstance(exponent, int) and exponent < -2) or abs(amount) >= Decimal(10) ** 16:
            errors.append(_("#%(n)s: the amount has too many digits.") % {"n": number})
            continue
        key = (chosen[0], line[chosen[0]].pk)
        if key in seen:
            errors.append(
                _("#%(n)s: %(target)s is already planned in line #%(first)s.")
                % {"n": number, "target": _target_label(line), "first": seen[key]}
            )
            continue
        seen[key] = number
        if not actor.sees_everything and not _head_allows(actor, line, subtree):
            errors.append(
                _("#%(n)s: %(target)s is outside your department.")
                % {"n": number, "target": _target_label(line)}
            )
            continue
        line["amount"], line["count"] = amount, count
        cleaned.append(line)
    if errors:
        raise ValidationError({"lines": errors})
    return cleaned


def _clean_head(
    *, name: str, period: str, start: Any, currency: Any
) -> tuple[str, str, dt.date, Currency]:
    errors: dict[str, Any] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the plan a name.")
    elif len(name) > 200:
        errors["name"] = _("At most 200 characters.")
    if period not in PlanPeriod.values:
        errors["period"] = _("Choose month, quarter or year.")
    if isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start)
        except ValueError:
            start = None
    if not isinstance(start, dt.date):
        errors["period_start"] = _("Give a date (YYYY-MM-DD).")
    code = currency.code if isinstance(currency, Currency) else str(currency or "")
    found = Currency.objects.filter(code=code).first()
    if found is None:
        errors["currency"] = _("No such currency.")
    if errors:
        raise ValidationError(errors)
    assert found is not None
    return name, period, period_start(period, start), found


def _require_writer(actor: User) -> None:
    if not can_write_plans(actor):
        raise PermissionDenied(
            _("Only directors, administrators and heads of department set plans.")
        )


def _write_lines(plan: SalesPlan, lines: list[dict[str, Any]]) -> None:
    plan.lines.all().delete()
    SalesPlanLine.objects.bulk_create(SalesPlanLine(plan=plan, **line) for line in lines)


@transaction.atomic
def plan_create(
    *,
    actor: User,
    name: str,
    period: str,
    period_start: Any,
    currency: Any,
    lines: list[dict[str, Any]],
) -> SalesPlan:
    """A new plan; ``period_start`` is moved to the first day of its period; each line is
    ``{"manager"|"department"|"product_group"|"client": instance or id, "amount",
    "count"}``."""
    _require_writer(actor)
    name, period, start, found = _clean_head(
        name=name, period=period, start=period_start, currency=currency
    )
    cleaned = _clean_lines(actor=actor, lines=lines)
    plan = SalesPlan.objects.create(
        name=name, period=period, period_start=start, currency=found, created_by=actor
    )
    _write_lines(plan, cleaned)
    return plan


_UNSET: Any = object()


@transaction.atomic
def plan_update(
    *,
    actor: User,
    plan: SalesPlan,
    name: str = _UNSET,
    period: str = _UNSET,
    period_start: Any = _UNSET,
    currency: Any = _UNSET,
    lines: list[dict[str, Any]] | None = None,
) -> SalesPlan:
    """Changes the given fields; ``lines`` (when given) replace all the lines."""
    if not can_edit_plan(actor, plan):
        raise PermissionDenied(_("You may not change this plan."))
    new_name, new_period, start, found = _clean_head(
        name=plan.name if name is _UNSET else name,
        period=plan.period if period is _UNSET else period,
        start=plan.period_start if period_start is _UNSET else period_start,
        currency=plan.currency_id if currency is _UNSET else currency,
    )
    cleaned = _clean_lines(actor=actor, lines=lines) if lines is not None else None
    plan.name, plan.period, plan.period_start, plan.currency = new_name, new_period, start, found
    plan.updated_at = timezone.now()
    plan.save()
    if cleaned is not None:
        _write_lines(plan, cleaned)
    return plan


@transaction.atomic
def plan_delete(*, actor: User, plan: SalesPlan) -> None:
    """Moves the plan to the trash (restorable)."""
    if not can_edit_plan(actor, plan):
        raise PermissionDenied(_("You may not delete this plan."))
    plan.deleted_at = plan.updated_at = timezone.now()
    plan.deleted_by = actor
    plan.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
