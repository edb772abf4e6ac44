"""Demo sales plans: this month's plan with a line per demo manager (registered with
rapport.parties.demo by the sales app)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from rapport.catalog.models import Currency
from rapport.catalog.pricing import base_currency
from rapport.core.models import User

from .models import PlanPeriod, SalesPlan
from .services.plans import plan_create

DEMO_TARGETS = {
    "manager1": (Decimal("50000.00"), 5),
    "manager2": (Decimal("40000.00"), 4),
    "manager3": (Decimal("25000.00"), 3),
}


def create_demo_plans(*, users: dict[str, User], clients: list[Any], **_: Any) -> None:
    """A plan for the current month: a line per demo manager, set by the director."""
    director = users.get("director") or users.get("admin")
    if director is None:
        return
    today = timezone.localdate()
    start = today.replace(day=1)
    if SalesPlan.objects.filter(period=PlanPeriod.MONTH, period_start=start).exists():
        return
    code = base_currency(None)
    Currency.objects.get_or_create(code=code, defaults={"name": code})
    lines = [
        {"manager": users[name], "amount": amount, "count": count}
        for name, (amount, count) in DEMO_TARGETS.items()
        if name in users
    ]
    plan_create(
        actor=director,
        name=start.strftime("Sales plan %Y-%m"),
        period=PlanPeriod.MONTH,
        period_start=start,
        currency=code,
        lines=lines,
    )
