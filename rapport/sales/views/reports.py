"""The sales funnel page: filters, a funnel chart and a table, open or closed deals, each
stage linking to the deal list of that stage."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from rapport.catalog.pricing import base_currency

from ..selectors import funnel as selectors

FILTER_NAMES = ("pipeline", "date_from", "date_to", "manager", "department", "product_group")


def deal_list_url() -> str:
    try:
        return reverse("sales:deal_list")
    except NoReverseMatch:
        return "/sales/deals/"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _drill(base: str, filters: selectors.FunnelFilters, stage: Any, mode: str) -> str:
    params: dict[str, Any] = {"pipeline": filters.pipeline}
    if mode == "open":
        params.update(stage=stage, status="open")
    else:
        # The closed funnel counts the deals that got at least as far as the stage.
        params.update(
            reached=stage,
            status="closed",
            closed_from=filters.date_from.isoformat(),
            closed_to=filters.date_to.isoformat(),
        )
    for name in ("manager", "department", "product_group", "category"):
        value = getattr(filters, name)
        if value is not None:
            params[name] = value
    return f"{base}?{urlencode({k: str(v) for k, v in params.items()})}"


@login_required
@require_GET
def funnel_page(request: HttpRequest) -> HttpResponse:
    mode = "closed" if request.GET.get("view") == "closed" else "open"
    errors: dict[str, list[str]] = {}
    try:
        filters: selectors.FunnelFilters | None = selectors.funnel_filters(params=request.GET)
    except ValidationError as exc:
        errors = exc.message_dict
        try:
            filters = selectors.funnel_filters(params={})
        except ValidationError:
            filters = None
    result = selectors.funnel(actor=request.user, filters=filters) if filters else None
    rows: list[dict[str, Any]] = []
    chart: dict[str, Any] | None = None
    if result is not None and filters is not None:
        base = deal_list_url()
        for stage in result.stages:
            rows.append(
                {
                    "stage": stage,
                    "conversion_to_next": _percent(stage.conversion_to_next),
                    "conversion_to_won": _percent(stage.conversion_to_won),
                    "url": _drill(base, filters, stage.stage, mode),
                }
            )
        value = "open_count" if mode == "open" else "reached"
        chart = {
            "labels": [s.name for s in result.stages],
            "values": [getattr(s, value) for s in result.stages],
            "label": _("Open deals") if mode == "open" else _("Deals that reached the stage"),
        }
    return render(
        request,
        "sales/funnel.html",
        {
            "mode": mode,
            "errors": errors,
            "filters": filters,
            "result": result,
            "rows": rows,
            "chart": chart,
            "currency": base_currency(None),
            "choices": selectors.funnel_choices(),
            "switch_open": _switch(request, "open"),
            "switch_closed": _switch(request, "closed"),
        },
    )


def _switch(request: HttpRequest, mode: str) -> str:
    params = {k: v for k, v in request.GET.items() if k in FILTER_NAMES or k == "category"}
    params["view"] = mode
    return f"?{urlencode(params)}"
