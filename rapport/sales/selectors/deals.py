"""Reads of deals, scoped through core.access: the list with filters and keyset pages,
the kanban board (per stage: count, sum and the first page of cards), a deal's card, its
lines, stage history and timeline, and the deals of a client."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.selectors import group_subtree_ids
from rapport.core import access, keyset
from rapport.core.models import User
from rapport.documents.selectors import documents_for
from rapport.parties.models import Client
from rapport.parties.normalize import normalize_name

from ..models import Deal, DealLine, DealStatus, Pipeline, Stage, StageVisit

BOARD_PAGE = 20
LIST_PAGE = 50


@dataclass
class DealFilters:
    pipeline: Any = None
    stage: Any = None
    status: str = ""
    manager: Any = None
    department: Any = None
    client: Any = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    closed_from: dt.date | None = None
    closed_to: dt.date | None = None
    search: str = ""
    # The funnel's drill-down: deals that got at least as far as this stage (any status).
    reached: Any = None
    product_group: Any = None
    category: Any = None


# "closed" in a filter: won or lost.
CLOSED = "closed"


def narrow_deals(
    qs: QuerySet[Deal], *, department: Any = None, product_group: Any = None, category: Any = None
) -> QuerySet[Deal]:
    """Deals of a department (and the ones below it), with a line of a product group (or
    a group below it), of clients in a category: the filters the list and the funnel share."""
    if department is not None:
        qs = qs.filter(department_id__in=access.department_subtree_ids(department))
    if product_group is not None:
        groups = group_subtree_ids(product_group)
        qs = qs.filter(
            Exists(DealLine.objects.filter(deal_id=OuterRef("pk"), product__group_id__in=groups))
        )
    if category is not None:
        tagged = Client.tags.through.objects.filter(
            client_id=OuterRef("client_id"), tag_id=category
        )
        qs = qs.filter(Exists(tagged))
    return qs


def _uuid(value: Any) -> Any:
    if value in (None, ""):
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(getattr(value, "pk", value)))
    except ValueError:
        return uuid.UUID(int=0)  # matches nothing


def _day_start(day: dt.date, actor: User) -> dt.datetime:
    from zoneinfo import ZoneInfo

    try:
        zone = ZoneInfo(actor.time_zone) if actor.time_zone else timezone.get_current_timezone()
    except (KeyError, ValueError):
        zone = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time(), zone)


def deal_list(*, actor: User, filters: DealFilters | None = None) -> QuerySet[Deal]:
    """Deals ``actor`` sees, filtered, with what a row shows (no N+1)."""
    f = filters or DealFilters()
    qs = access.visible_to(actor, Deal).select_related(
        "client", "stage", "pipeline", "manager", "currency"
    )
    for name in ("pipeline", "stage", "manager", "client"):
        value = _uuid(getattr(f, name))
        if value is not None:
            qs = qs.filter(**{f"{name}_id": value})
    qs = narrow_deals(
        qs,
        department=_uuid(f.department),
        product_group=_uuid(f.product_group),
        category=_uuid(f.category),
    )
    reached = _uuid(f.reached)
    if reached is not None:
        stage = Stage.objects.filter(pk=reached).values_list("pipeline_id", "position").first()
        if stage is None:
            return qs.none()
        qs = qs.filter(pipeline_id=stage[0], furthest_position__gte=stage[1])
    if f.status in DealStatus.values:
        qs = qs.filter(status=f.status)
    elif f.status == CLOSED:
        qs = qs.filter(status__in=[DealStatus.WON, DealStatus.LOST])
    if f.created_from:
        qs = qs.filter(created_at__gte=_day_start(f.created_from, actor))
    if f.created_to:
        qs = qs.filter(created_at__lt=_day_start(f.created_to + dt.timedelta(days=1), actor))
    if f.closed_from:
        qs = qs.filter(closed_at__gte=_day_start(f.closed_from, actor))
    if f.closed_to:
        qs = qs.filter(closed_at__lt=_day_start(f.closed_to + dt.timedelta(days=1), actor))
    search = (f.search or "").strip()
    if search:
        qs = qs.filter(
            Q(title__icontains=search)
            | Q(client__search_name__contains=normalize_name(search))
            | Q(client__name__icontains=search)
        )
    return qs


# --- keyset pages -----------------------------------------------------------------------


def encode_cursor(deal: Deal) -> str:
    return keyset.encode_cursor(deal.created_at, deal.pk)


def _after(qs: QuerySet[Deal], cursor: str) -> QuerySet[Deal]:
    position = keyset.decode_cursor(cursor)
    if position is None:
        return qs
    at, pk = position
    return qs.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))


@dataclass
class DealPage:
    rows: list[Deal]
    next_cursor: str


def deal_page(
    *, actor: User, filters: DealFilters | None = None, cursor: str = "", size: int = LIST_PAGE
) -> DealPage:
    """One page of the list, newest first, after ``cursor`` (no OFFSET, no COUNT)."""
    qs = _after(deal_list(actor=actor, filters=filters), cursor).order_by("-created_at", "-id")
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return DealPage(rows=rows, next_cursor=encode_cursor(rows[-1]) if more and rows else "")


# --- kanban board -----------------------------------------------------------------------


@dataclass
class BoardColumn:
    stage: Stage
    count: int = 0
    amount: Decimal = Decimal(0)
    deals: list[Deal] = field(default_factory=list)
    next_cursor: str = ""


def _board_cards(qs: QuerySet[Deal]) -> QuerySet[Deal]:
    return qs.select_related("client", "manager", "currency").order_by("-created_at", "-id")


def board_column_page(
    *,
    actor: User,
    stage: Stage,
    cursor: str = "",
    size: int = BOARD_PAGE,
    filters: DealFilters | None = None,
) -> DealPage:
    """The next cards of one column (open deals in ``stage``) after ``cursor``."""
    f = filters or DealFilters()
    f.stage, f.status = stage.pk, DealStatus.OPEN
    qs = _board_cards(_after(deal_list(actor=actor, filters=f), cursor))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return DealPage(rows=rows, next_cursor=encode_cursor(rows[-1]) if more and rows else "")


def board_totals(
    *, actor: User, pipeline: Pipeline, filters: DealFilters | None = None
) -> dict[Any, tuple[int, Decimal]]:
    """stage id -> (count, sum of amount_base) of the open deals in scope: one query."""
    f = filters or DealFilters()
    f.pipeline, f.status, f.stage = pipeline.pk, DealStatus.OPEN, None
    rows = (
        deal_list(actor=actor, filters=f)
        .order_by()
        .values("stage_id")
        .annotate(n=Count("id"), total=Sum("amount_base"))
    )
    return {row["stage_id"]: (row["n"], row["total"] or Decimal(0)) for row in rows}


def board(
    *,
    actor: User,
    pipeline: Pipeline,
    size: int = BOARD_PAGE,
    filters: DealFilters | None = None,
) -> list[BoardColumn]:
    """The columns of ``pipeline``'s board: per active stage the count and sum of the open
    deals in scope and the first ``size`` cards (the rest load by column, by cursor)."""
    stages = list(
        access.visible_to(actor, Stage)
        .filter(pipeline=pipeline, is_active=True)
        .order_by("position", "name")
    )
    totals = board_totals(actor=actor, pipeline=pipeline, filters=_copy(filters))
    columns = []
    for stage in stages:
        count, amount = totals.get(stage.pk, (0, Decimal(0)))
        column = BoardColumn(stage=stage, count=count, amount=amount)
        if count:
            page = board_column_page(actor=actor, stage=stage, size=size, filters=_copy(filters))
            column.deals, column.next_cursor = page.rows, page.next_cursor
        columns.append(column)
    return columns


def _copy(filters: DealFilters | None) -> DealFilters:
    return DealFilters(**vars(filters)) if filters is not None else DealFilters()


# --- one deal ---------------------------------------------------------------------------


def deal_get(*, actor: User, pk: Any, include_trashed: bool = False) -> Deal:
    return access.get_visible_or_404(
        actor,
        Deal,
        pk,
        include_trashed=include_trashed,
        queryset=Deal.objects.select_related(
            "client",
            "pipeline",
            "stage",
            "manager",
            "department",
            "currency",
            "price_type",
            "source",
            "lost_reason",
            "organisation",
        ).prefetch_related("contacts", "competitors"),
    )


def deal_lines(*, deal: Deal) -> list[DealLine]:
    return list(deal.lines.select_related("product", "unit").order_by("position", "id"))


@dataclass
class DealTotals:
    net: Decimal
    vat: Decimal
    total: Decimal


def deal_totals(*, deal: Deal, lines: list[DealLine]) -> DealTotals:
    inside = deal.price_type.includes_vat if deal.price_type is not None else True
    vat = sum((line.vat_amount for line in lines), Decimal(0))
    total = sum(
        (line.amount + (Decimal(0) if inside else line.vat_amount) for line in lines), Decimal(0)
    )
    return DealTotals(net=total - vat, vat=vat, total=total)


@dataclass
class StageStay:
    visit: StageVisit
    duration: dt.timedelta


def deal_stage_history(*, actor: User, deal: Deal) -> list[StageStay]:
    """When the deal entered and left each stage, and how long it stayed."""
    now = timezone.now()
    visits = (
        access.visible_to(actor, StageVisit)
        .filter(deal=deal)
        .select_related("stage", "pipeline", "entered_by")
        .order_by("entered_at", "id")
    )
    return [StageStay(visit=v, duration=(v.left_at or now) - v.entered_at) for v in visits]


def client_deals(*, actor: User, client: Client) -> QuerySet[Deal]:
    return (
        access.visible_to(actor, Deal)
        .filter(client=client)
        .select_related("stage", "pipeline", "manager", "currency")
        .order_by("-created_at", "-id")
    )


def open_deal_count(*, actor: User, client: Client) -> int:
    return client_deals(actor=actor, client=client).filter(status=DealStatus.OPEN).count()


# --- the card's timeline ----------------------------------------------------------------


@dataclass
class TimelineItem:
    at: dt.datetime
    kind: str
    title: str
    icon: str
    url: str = ""
    user: Any = None
    text: str = ""


def deal_timeline(*, actor: User, deal: Deal, limit: int = 100) -> list[TimelineItem]:
    """Stage changes, closing, interactions, tasks and documents of the deal, newest first."""
    from rapport.interactions.models import Interaction
    from rapport.planner.models import Task

    items: list[TimelineItem] = []
    items.append(
        TimelineItem(
            at=deal.created_at,
            kind="created",
            title=_("Deal created"),
            icon="plus-circle",
            user=deal.created_by,
        )
    )
    for stay in deal_stage_history(actor=actor, deal=deal)[1:]:
        items.append(
            TimelineItem(
                at=stay.visit.entered_at,
                kind="stage",
                title=_("Moved to “%(stage)s”") % {"stage": stay.visit.stage.name},
                icon="arrow-right-circle",
                user=stay.visit.entered_by,
            )
        )
    if deal.closed_at and deal.status != DealStatus.OPEN:
        won = deal.status == DealStatus.WON
        items.append(
            TimelineItem(
                at=deal.closed_at,
                kind=deal.status,
                title=_("Won") if won else _("Lost: %(reason)s") % {"reason": deal.lost_reason},
                icon="trophy" if won else "x-circle",
                text="" if won else deal.lost_comment,
            )
        )
    content_type = ContentType.objects.get_for_model(Deal)
    interactions = (
        access.visible_to(actor, Interaction)
        .filter(link_type=content_type, link_id=str(deal.pk))
        .select_related("type", "manager")
        .order_by("-date", "-id")[:limit]
    )
    for item in interactions:
        items.append(
            TimelineItem(
                at=item.date,
                kind="interaction",
                title=f"{item.type.name}: {item.subject}",
                icon=item.type.icon or "chat",
                url=item.get_absolute_url(),
                user=item.manager,
                text=(item.result or item.description or "")[:300],
            )
        )
    tasks = (
        access.visible_to(actor, Task)
        .filter(content_type=content_type, object_id=str(deal.pk))
        .select_related("executor")
        .order_by("-created_at", "-id")[:limit]
    )
    from django.urls import reverse

    for task in tasks:
        items.append(
            TimelineItem(
                at=task.created_at,
                kind="task",
                title=_("Task: %(title)s (%(status)s)")
                % {"title": task.title, "status": task.get_status_display()},
                icon="check2-square",
                url=reverse("planner:task_detail", kwargs={"pk": task.pk}),
                user=task.executor,
            )
        )
    for document in documents_for(actor=actor, target="sales.deal", record=deal)[:limit]:
        name = document.title or document.template.name
        items.append(
            TimelineItem(
                at=document.created_at,
                kind="document",
                title=_("Document: %(name)s, v%(version)s")
                % {"name": name, "version": document.version},
                icon="file-earmark-text",
                url=reverse("documents:docx", kwargs={"pk": document.pk}),
                user=document.created_by,
                text=_("Sent to %(to)s") % {"to": ", ".join(document.sent_to)}
                if document.sent_at
                else "",
            )
        )
    items.sort(key=lambda i: i.at, reverse=True)
    return items[:limit]


def deal_history(*, actor: User, deal: Deal) -> list[Any]:
    """The deal's change history (simple-history rows), newest first."""
    return list(deal.history.select_related("history_user").order_by("-history_date")[:100])
