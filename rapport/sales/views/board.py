"""The kanban board of a pipeline: columns = stages with the count and sum of the open
deals in scope, the first cards of each, more by column (cursor) on scroll or button."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rapport.catalog import pricing
from rapport.core import access

from ..selectors import deals as selectors
from ..selectors import pipelines as pipeline_selectors
from ..templatetags.sales import money


def column_summary(count: int, amount: Decimal) -> dict[str, Any]:
    return {"count": count, "amount": money(amount, pricing.base_currency(None))}


def _filters(request: HttpRequest) -> selectors.DealFilters:
    return selectors.DealFilters(
        manager=request.GET.get("manager") or None, search=request.GET.get("q", "")
    )


@login_required
def board(request: HttpRequest) -> HttpResponse:
    pipeline = pipeline_selectors.default_pipeline(
        actor=request.user, pk=request.GET.get("pipeline") or None
    )
    columns = (
        selectors.board(actor=request.user, pipeline=pipeline, filters=_filters(request))
        if pipeline is not None
        else []
    )
    return render(
        request,
        "sales/board.html",
        {
            "pipeline": pipeline,
            "pipelines": pipeline_selectors.pipeline_list(actor=request.user, active_only=True),
            "columns": columns,
            "base_currency": pricing.base_currency(None),
            "q": request.GET.get("q", ""),
            "manager": request.GET.get("manager", ""),
        },
    )


@login_required
def board_column(request: HttpRequest, pk: Any) -> HttpResponse:
    """The next cards of one column (HTMX, from the "more" button or on scroll)."""
    stage = pipeline_selectors.stage_get(actor=request.user, pk=pk)
    page = selectors.board_column_page(
        actor=request.user,
        stage=stage,
        cursor=request.GET.get("cursor", ""),
        filters=_filters(request),
    )
    return render(
        request,
        "sales/_board_cards.html",
        {
            "stage": stage,
            "deals": page.rows,
            "next_cursor": page.next_cursor,
            "q": request.GET.get("q", ""),
            "manager": request.GET.get("manager", ""),
            "can_edit_any": access.can_edit,
        },
    )
