"""The sales funnel of a pipeline, within the caller's scope, aggregated in SQL.

* Open funnel (a snapshot of now): per stage, the open deals standing in it, their amount
  in the base currency and the weighted amount (amount x the deal's probability).
* Closed funnel over a period: the deals closed (won or lost) with ``closed_at`` in the
  period; per stage, how many of them reached it, the conversion to the next stage and to
  won, and the average time they spent in it.

"Reached" is read from ``Deal.furthest_position`` (the largest stage position the deal
ever entered), not from the stage history: it is one column of the deal row, so the
whole closed funnel is one conditional aggregate over the closed deals instead of a
join of their stage visits grouped by stage (10x the rows), and a deal that skipped a
stage (moved from Lead straight to Proposal) still counts as having passed it, which is
what a funnel shows. The stage history is used for what only it knows: the time spent in
each stage.

Whatever the number of deals, the funnel costs a fixed number of queries: the stages,
one aggregate of open deals, one of closed deals, one of stage visits (plus one to read
the department tree or the product group tree when those filters are used, and the
access rule's own).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.models import ProductGroup
from rapport.catalog.pricing import quantize
from rapport.core import access
from rapport.core.models import Department, User
from rapport.parties.models import Tag

from ..models import Deal, DealStatus, Pipeline, Stage, StageVisit
from .deals import narrow_deals

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class FunnelFilters:
    """What the funnel is computed over. ``pipeline`` is required (an id); the period
    applies to the closed funnel only (the open funnel is a snapshot of now)."""

    pipeline: Any
    date_from: dt.date
    date_to: dt.date
    manager: Any = None
    department: Any = None
    product_group: Any = None
    category: Any = None


@dataclass
class FunnelStage:
    stage: Any
    name: str
    position: int
    open_count: int = 0
    open_amount: Decimal = ZERO
    weighted_amount: Decimal = ZERO
    reached: int = 0
    conversion_to_next: float | None = None
    conversion_to_won: float | None = None
    avg_days_in_stage: float | None = None


@dataclass
class Funnel:
    pipeline: Any
    filters: FunnelFilters
    stages: list[FunnelStage] = field(default_factory=list)
    won: int = 0
    lost: int = 0

    @property
    def open_count(self) -> int:
        return sum(s.open_count for s in self.stages)

    @property
    def open_amount(self) -> Decimal:
        return sum((s.open_amount for s in self.stages), ZERO)

    @property
    def weighted_amount(self) -> Decimal:
        return sum((s.weighted_amount for s in self.stages), ZERO)

    @property
    def closed(self) -> int:
        return self.won + self.lost


class SecondsBetween(Func):
    """Seconds from the second datetime to the first, computed by the database itself
    (SQLite's julianday, PostgreSQL's epoch), not by a Python function per row."""

    arity = 2
    output_field = FloatField()
    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    arg_joiner = " - "

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


# --- parameters -----------------------------------------------------------------------


def default_pipeline() -> Pipeline | None:
    return (
        Pipeline.objects.filter(is_active=True).order_by("-is_default", "position", "name").first()
    )


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last twelve months up to today (inclusive)."""
    today = today or timezone.localdate()
    try:
        start = today.replace(year=today.year - 1) + dt.timedelta(days=1)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 1, day=28) + dt.timedelta(days=1)
    return start, today


def uuid_param(params: Mapping[str, Any], name: str) -> uuid.UUID | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return uuid.UUID(str(raw))
    except (ValueError, TypeError, AttributeError):
        raise ValidationError(
            {name: _("“%(value)s” is not a valid id.") % {"value": raw}}
        ) from None


def date_param(params: Mapping[str, Any], name: str) -> dt.date | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise ValidationError(
            {name: _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw}}
        ) from None


def funnel_filters(*, params: Mapping[str, Any]) -> FunnelFilters:
    """Funnel filters from query parameters (``pipeline``, ``date_from``, ``date_to``,
    ``manager``, ``department``, ``product_group``, ``category``). A malformed or unknown
    value raises ValidationError naming the parameter. Without ``pipeline`` the default
    pipeline is used; without a period, the last twelve months."""
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for name in ("pipeline", "manager", "department", "product_group", "category"):
        try:
            values[name] = uuid_param(params, name)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    for name in ("date_from", "date_to"):
        try:
            values[name] = date_param(params, name)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    models: dict[str, Any] = {
        "pipeline": Pipeline,
        "manager": User,
        "department": Department,
        "product_group": ProductGroup,
        "category": Tag,
    }
    for name, model in models.items():
        if values[name] is not None and not model._default_manager.filter(pk=values[name]).exists():
            errors[name] = _("No such %(what)s.") % {"what": model._meta.verbose_name}
    if values["pipeline"] is None and "pipeline" not in errors:
        default = default_pipeline()
        if default is None:
            errors["pipeline"] = _("There is no pipeline yet.")
        else:
            values["pipeline"] = default.pk
    start, end = default_period()
    date_from, date_to = values["date_from"], values["date_to"]
    if date_from is None and date_to is None:
        date_from, date_to = start, end
    elif date_from is None:
        date_from = date_to - (end - start)
    elif date_to is None:
        date_to = max(end, date_from)
    if date_to < date_from:
        errors["date_to"] = _("The end of the period is before its start.")
    if errors:
        raise ValidationError(errors)
    return FunnelFilters(
        pipeline=values["pipeline"],
        date_from=date_from,
        date_to=date_to,
        manager=values["manager"],
        department=values["department"],
        product_group=values["product_group"],
        category=values["category"],
    )


# --- the funnel -----------------------------------------------------------------------


def funnel_deals(*, actor: User, filters: FunnelFilters) -> QuerySet[Deal]:
    """The deals of the pipeline the funnel counts: in the caller's scope and matching
    the filters (any status, any date)."""
    qs = access.visible_to(actor, Deal).filter(pipeline_id=filters.pipeline)
    if filters.manager is not None:
        qs = qs.filter(manager_id=filters.manager)
    return narrow_deals(
        qs,
        department=filters.department,
        product_group=filters.product_group,
        category=filters.category,
    )


def period_bounds(date_from: dt.date, date_to: dt.date, tz: Any = None) -> tuple[dt.datetime, ...]:
    """[start of ``date_from``, start of the day after ``date_to``) in ``tz``."""
    tz = tz or timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def _actor_tz(actor: User) -> Any:
    name = getattr(actor, "time_zone", "") or ""
    try:
        return zoneinfo.ZoneInfo(name) if name else timezone.get_current_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def closed_deals(*, actor: User, filters: FunnelFilters) -> QuerySet[Deal]:
    """Deals closed (won or lost) in the period, in the caller's time zone."""
    start, end = period_bounds(filters.date_from, filters.date_to, _actor_tz(actor))
    return funnel_deals(actor=actor, filters=filters).filter(
        status__in=[DealStatus.WON, DealStatus.LOST], closed_at__gte=start, closed_at__lt=end
    )


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _money(value: Any) -> Decimal:
    return quantize(Decimal(value)) if value is not None else ZERO


def funnel(
    *,
    actor: User,
    filters: FunnelFilters,
    include_open: bool = True,
    include_closed: bool = True,
) -> Funnel:
    """Open and closed funnel of ``filters.pipeline`` for ``actor`` (either part may be
    left out: its figures stay zero)."""
    stages = list(
        Stage.objects.filter(pipeline_id=filters.pipeline)
        .order_by("position", "name")
        .values_list("id", "name", "position")
    )
    result = Funnel(
        pipeline=filters.pipeline,
        filters=filters,
        stages=[FunnelStage(stage=sid, name=name, position=pos) for sid, name, pos in stages],
    )
    if not stages:
        return result
    by_id = {row.stage: row for row in result.stages}
    deals = funnel_deals(actor=actor, filters=filters)

    # 1. Open deals per stage: count, amount, amount x probability (one GROUP BY).
    if include_open:
        weighted = ExpressionWrapper(
            F("amount_base") * F("probability"),
            output_field=DecimalField(max_digits=24, decimal_places=2),
        )
        open_rows = (
            deals.filter(status=DealStatus.OPEN)
            .order_by()
            .values("stage_id")
            .annotate(n=Count("pk"), amount=Sum("amount_base"), weighted=Sum(weighted))
        )
        for open_row in open_rows:
            stage = by_id.get(open_row["stage_id"])
            if stage is None:  # a deal left in a stage of another pipeline: not this funnel's
                continue
            stage.open_count = open_row["n"]
            stage.open_amount = _money(open_row["amount"])
            stage.weighted_amount = _money(Decimal(open_row["weighted"] or 0) / HUNDRED)

    # 2. Closed deals of the period: won, lost and how many reached each stage (one row).
    closed = closed_deals(actor=actor, filters=filters).order_by()
    aggregates: dict[str, Any] = {
        "won": Count("pk", filter=Q(status=DealStatus.WON)),
        "lost": Count("pk", filter=Q(status=DealStatus.LOST)),
    }
    for index, row in enumerate(result.stages):
        aggregates[f"r{index}"] = Count("pk", filter=Q(furthest_position__gte=row.position))
        aggregates[f"w{index}"] = Count(
            "pk", filter=Q(furthest_position__gte=row.position, status=DealStatus.WON)
        )
    totals = closed.aggregate(**aggregates) if include_closed else {}
    result.won, result.lost = totals.get("won") or 0, totals.get("lost") or 0
    for index, row in enumerate(result.stages):
        row.reached = totals.get(f"r{index}") or 0
        row.conversion_to_won = _ratio(totals.get(f"w{index}") or 0, row.reached)
    for row, following in zip(result.stages, result.stages[1:], strict=False):
        row.conversion_to_next = _ratio(following.reached, row.reached) if include_closed else None

    # 3. Time in stage (stage history of those deals): total time per stage / deals that
    # stayed there. A visit still open when the deal closed ends at the close.
    if include_closed:
        visit_rows = (
            StageVisit.objects.filter(pipeline_id=filters.pipeline, deal_id__in=closed.values("pk"))
            .order_by()
            .values("stage_id")
            .annotate(
                seconds=Sum(SecondsBetween(Coalesce("left_at", "deal__closed_at"), "entered_at")),
                deals=Count("deal_id", distinct=True),
            )
        )
        for visit_row in visit_rows:
            stage = by_id.get(visit_row["stage_id"])
            if stage is None or not visit_row["deals"] or visit_row["seconds"] is None:
                continue
            days = max(float(visit_row["seconds"]), 0.0) / 86400 / visit_row["deals"]
            stage.avg_days_in_stage = round(days, 2)
    return result


# --- choices for the filter form --------------------------------------------------------


def funnel_choices() -> dict[str, list[Any]]:
    """The pipelines, managers, departments, product groups and client categories the
    filter form offers."""
    return {
        "pipelines": list(Pipeline.objects.filter(is_active=True).order_by("position", "name")),
        "managers": list(
            User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")
        ),
        "departments": list(Department.objects.order_by("name")),
        "product_groups": list(ProductGroup.objects.order_by("name")),
        "categories": list(Tag.objects.order_by("name")),
    }
