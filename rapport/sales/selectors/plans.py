"""Sales plans and plan-vs-fact, within the caller's scope.

Fact = the deals won (status won, ``closed_at`` within the plan's period, in the current
time zone) that the caller may see, per line:

* manager line: that manager's won deals; department line: won deals of the department
  or its sub-departments; client line: that client's won deals, amount = ``amount_base``;
* product group line: won deals with a line of a product in the group or its subgroups,
  amount = those lines' amounts turned into the base currency at the deal's own rate
  (``amount_base / amount``): what was sold of that group, not the whole deal.

Amounts are summed in the base currency and converted to the plan's currency (when it
differs) at the rate of the period's last day, or today while the period runs. Every
kind of line is one aggregate query, whatever the number of lines or deals.

Visibility: plans are the company's targets, every user sees them; a plan's lines are
filtered by ``plan_lines_visible`` (a manager sees their own targets, their department's,
product groups' and those of clients they see; heads their department's; directors all).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import NullIf
from django.utils import timezone

from rapport.catalog.pricing import base_currency, quantize, rate_on
from rapport.catalog.selectors import group_subtree_ids
from rapport.core import access
from rapport.core.models import ReadScope, Role, User
from rapport.parties.models import Client

from ..models import Deal, DealLine, DealStatus, SalesPlan, SalesPlanLine
from ..services.plans import TARGETS, period_end
from .funnel import period_bounds

ZERO = Decimal("0.00")


# --- visibility rules (registered with core.access by sales/access.py) ------------------


def plans_visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Every user sees the plans (the company's targets); lines are filtered."""
    return qs


def plan_lines_visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    if actor.sees_everything or (
        actor.role == Role.READ_ONLY and actor.read_scope == ReadScope.ALL
    ):
        return qs
    scope = Q(manager=actor.pk) | Q(product_group__isnull=False)
    if actor.role in (Role.HEAD, Role.READ_ONLY):
        subtree = access.department_subtree_ids(actor.department_id)
        scope |= Q(manager__department__in=subtree) | Q(department__in=subtree)
    elif actor.department_id is not None:
        scope |= Q(department=actor.department_id)
    scope |= Q(client__in=access.visible_to(actor, Client).values("pk"))
    return qs.filter(scope)


# --- reads ------------------------------------------------------------------------------


def plan_list(*, actor: User) -> QuerySet[SalesPlan]:
    return (
        access.visible_to(actor, SalesPlan)
        .select_related("currency")
        .annotate(line_count=Count("lines"))
        .order_by("-period_start", "name", "id")
    )


def plan_get(*, actor: User, pk: Any) -> SalesPlan:
    """The plan (404 when missing, trashed or out of scope)."""
    return access.get_visible_or_404(
        actor, SalesPlan, pk, queryset=SalesPlan.objects.select_related("currency")
    )


def plan_lines(*, actor: User, plan: SalesPlan) -> list[SalesPlanLine]:
    return list(
        access.visible_to(actor, SalesPlanLine)
        .filter(plan=plan)
        .select_related("manager", "department", "product_group", "client")
        .order_by("id")
    )


@dataclass
class PlanFactRow:
    line: SalesPlanLine
    kind: str
    target: str
    plan_amount: Decimal
    plan_count: int
    fact_amount: Decimal = ZERO
    fact_count: int = 0

    @property
    def amount_percent(self) -> float | None:
        return _percent(self.fact_amount, self.plan_amount)

    @property
    def count_percent(self) -> float | None:
        return _percent(Decimal(self.fact_count), Decimal(self.plan_count))


@dataclass
class PlanFact:
    plan: SalesPlan
    period_end: dt.date
    base_currency: str
    rate_date: dt.date
    rows: list[PlanFactRow]

    @property
    def plan_amount(self) -> Decimal:
        return sum((r.plan_amount for r in self.rows), ZERO)

    @property
    def fact_amount(self) -> Decimal:
        return sum((r.fact_amount for r in self.rows), ZERO)

    @property
    def plan_count(self) -> int:
        return sum(r.plan_count for r in self.rows)

    @property
    def fact_count(self) -> int:
        return sum(r.fact_count for r in self.rows)


def _percent(fact: Decimal, plan: Decimal) -> float | None:
    if not plan:
        return None
    return float(round(fact * 100 / plan, 1))


def _kind(line: SalesPlanLine) -> str:
    for name in TARGETS:
        if getattr(line, f"{name}_id") is not None:
            return name
    return ""


def won_deals(*, actor: User, start: dt.date, end: dt.date) -> QuerySet[Deal]:
    """Deals won from ``start`` to ``end`` (inclusive) that ``actor`` may see."""
    since, until = period_bounds(start, end)
    return access.visible_to(actor, Deal).filter(
        status=DealStatus.WON, closed_at__gte=since, closed_at__lt=until
    )


def plan_vs_fact(*, actor: User, plan: SalesPlan) -> PlanFact:
    end = period_end(plan.period, plan.period_start)
    lines = plan_lines(actor=actor, plan=plan)
    rows = [
        PlanFactRow(
            line=line,
            kind=_kind(line),
            target=str(getattr(line, _kind(line)) or ""),
            plan_amount=line.amount,
            plan_count=line.count,
        )
        for line in lines
    ]
    won = won_deals(actor=actor, start=plan.period_start, end=end).order_by()
    amounts: dict[Any, tuple[Any, int]] = {}

    by_kind: dict[str, list[PlanFactRow]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    for field in ("manager", "client"):
        if field in by_kind:
            ids = [getattr(r.line, f"{field}_id") for r in by_kind[field]]
            for found in (
                won.filter(**{f"{field}_id__in": ids})
                .values(f"{field}_id")
                .annotate(total=Sum("amount_base"), n=Count("pk"))
            ):
                amounts[(field, found[f"{field}_id"])] = (found["total"], found["n"])
    if "department" in by_kind:
        aggregates: dict[str, Any] = {}
        for index, row in enumerate(by_kind["department"]):
            q = Q(department_id__in=access.department_subtree_ids(row.line.department_id))
            aggregates[f"a{index}"] = Sum("amount_base", filter=q)
            aggregates[f"n{index}"] = Count("pk", filter=q)
        totals = won.aggregate(**aggregates)
        for index, row in enumerate(by_kind["department"]):
            amounts[("department", row.line.department_id)] = (
                totals[f"a{index}"],
                totals[f"n{index}"],
            )
    if "product_group" in by_kind:
        in_base = ExpressionWrapper(
            F("amount") * F("deal__amount_base") / NullIf(F("deal__amount"), Decimal(0)),
            output_field=DecimalField(max_digits=30, decimal_places=6),
        )
        aggregates = {}
        for index, row in enumerate(by_kind["product_group"]):
            q = Q(product__group_id__in=group_subtree_ids(row.line.product_group_id))
            aggregates[f"a{index}"] = Sum(in_base, filter=q)
            aggregates[f"n{index}"] = Count("deal_id", filter=q, distinct=True)
        totals = DealLine.objects.filter(deal_id__in=won.values("pk")).aggregate(**aggregates)
        for index, row in enumerate(by_kind["product_group"]):
            amounts[("product_group", row.line.product_group_id)] = (
                totals[f"a{index}"],
                totals[f"n{index}"],
            )

    # Base currency -> plan currency: pricing.convert's rule (rate of the day, rounded to
    # the plan currency's minor units), with the rate read once for all the lines.
    base = base_currency(None)
    rate_date = min(end, timezone.localdate())
    rate = (
        Decimal(1)
        if plan.currency_id == base
        else rate_on(currency=base, base=plan.currency_id, on=rate_date)
    )
    minor = plan.currency.minor_units
    for row in rows:
        total, count = amounts.get((row.kind, getattr(row.line, f"{row.kind}_id")), (None, 0))
        fact = quantize(Decimal(total)) if total is not None else ZERO
        row.fact_amount = quantize(fact * rate, minor) if rate != 1 else fact
        row.fact_count = count or 0
    return PlanFact(plan=plan, period_end=end, base_currency=base, rate_date=rate_date, rows=rows)


def plan_form_choices(*, actor: User, plan: SalesPlan | None = None) -> dict[str, list[Any]]:
    """What the plan editor offers: active users, departments, product groups and the
    clients ``actor`` sees (the first 500 by name, plus those the plan already holds)."""
    from rapport.catalog.models import Currency, ProductGroup
    from rapport.core.models import Department

    clients = list(access.visible_to(actor, Client).order_by("name", "id")[:500])
    if plan is not None:
        have = {c.pk for c in clients}
        extra = (
            access.visible_to(actor, Client)
            .filter(pk__in=plan.lines.filter(client__isnull=False).values("client_id"))
            .exclude(pk__in=have)
        )
        clients += list(extra)
    return {
        "managers": list(
            User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")
        ),
        "departments": list(Department.objects.order_by("name")),
        "product_groups": list(ProductGroup.objects.order_by("name")),
        "clients": clients,
        "currencies": list(Currency.objects.filter(is_active=True).order_by("code")),
    }
