"""Deals on the client card's timeline (rapport.parties.timeline): created, stage
changes, won and lost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rapport.core import access
from rapport.core.models import User
from rapport.parties import timeline

from .models import Deal, DealStatus, StageVisit

KINDS = {"deal": _("Deals")}


def deals_timeline(
    *,
    actor: User,
    client: Any,
    limit: int,
    before: dt.datetime | None = None,
    kinds: Any = None,
) -> Iterator[timeline.TimelineEntry]:
    deals = access.visible_to(actor, Deal).filter(client=client)
    entries: list[timeline.TimelineEntry] = []
    created = deals.select_related("created_by", "currency")
    if before is not None:
        created = created.filter(created_at__lte=before)
    for deal in created.order_by("-created_at", "-id")[:limit]:
        entries.append(
            timeline.TimelineEntry(
                at=deal.created_at,
                kind="deal",
                title=gettext("New deal: %(title)s") % {"title": deal.title},
                url=deal.get_absolute_url(),
                icon="briefcase",
                user=deal.created_by,
                key=f"deal:{deal.pk}",
                text=f"{deal.amount} {deal.currency_id}",
            )
        )
    moves = (
        access.visible_to(actor, StageVisit)
        .filter(deal__in=deals.values("pk"))
        .select_related("deal", "stage", "entered_by")
    )
    # The first visit of each deal is its creation: only later stays are "moves".
    moves = moves.filter(id__gt=_min_visit_subquery())
    if before is not None:
        moves = moves.filter(entered_at__lte=before)
    for visit in moves.order_by("-entered_at", "-id")[:limit]:
        entries.append(
            timeline.TimelineEntry(
                at=visit.entered_at,
                kind="deal",
                title=gettext("%(deal)s: moved to “%(stage)s”")
                % {"deal": visit.deal.title, "stage": visit.stage.name},
                url=visit.deal.get_absolute_url(),
                icon="arrow-right-circle",
                user=visit.entered_by,
                key=f"deal-stage:{visit.pk}",
            )
        )
    closed = deals.exclude(status=DealStatus.OPEN).filter(closed_at__isnull=False)
    if before is not None:
        closed = closed.filter(closed_at__lte=before)
    for deal in closed.select_related("lost_reason").order_by("-closed_at", "-id")[:limit]:
        won = deal.status == DealStatus.WON
        entries.append(
            timeline.TimelineEntry(
                at=deal.closed_at,
                kind="deal",
                title=(gettext("Deal won: %(title)s") if won else gettext("Deal lost: %(title)s"))
                % {"title": deal.title},
                url=deal.get_absolute_url(),
                icon="trophy" if won else "x-circle",
                color="success" if won else "danger",
                key=f"deal-closed:{deal.pk}",
                text="" if won else str(deal.lost_reason or ""),
            )
        )
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    return iter(entries[:limit])


def _min_visit_subquery() -> Any:
    from django.db.models import Min, OuterRef, Subquery

    return Subquery(
        StageVisit.objects.filter(deal=OuterRef("deal"))
        .order_by()
        .values("deal")
        .annotate(first=Min("id"))
        .values("first")[:1]
    )


def register() -> None:
    timeline.register(deals_timeline, kinds=KINDS)
