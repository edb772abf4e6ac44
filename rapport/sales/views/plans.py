"""Sales plan pages: the list, the editor (a table of lines) and plan vs fact with a
chart."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..models import PlanPeriod, SalesPlan
from ..selectors import plans as selectors
from ..services import plans as services

BLANK_ROWS = 3
MAX_ROWS = 1000


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = list(selectors.plan_list(actor=request.user)[:500])
    return render(
        request,
        "sales/plan_list.html",
        {
            "plans": plans,
            "can_create": services.can_write_plans(request.user),
        },
    )


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    plan = selectors.plan_get(actor=request.user, pk=pk)
    error = ""
    report = None
    try:
        report = selectors.plan_vs_fact(actor=request.user, plan=plan)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    chart = None
    if report is not None and report.rows:
        chart = {
            "labels": [r.target for r in report.rows],
            "series": [
                {
                    "label": _("Plan"),
                    "data": [float(r.plan_amount) for r in report.rows],
                    "color": "#adb5bd",
                },
                {
                    "label": _("Fact"),
                    "data": [float(r.fact_amount) for r in report.rows],
                    "color": "#198754",
                },
            ],
        }
    return render(
        request,
        "sales/plan_detail.html",
        {
            "plan": plan,
            "report": report,
            "error": error,
            "chart": chart,
            "can_edit": services.can_edit_plan(request.user, plan),
        },
    )


def _rows_from_post(data: Any) -> list[dict[str, str]]:
    try:
        total = min(int(data.get("line_count", 0)), MAX_ROWS)
    except (TypeError, ValueError):
        total = 0
    rows = []
    for index in range(total):
        row = {
            name: (data.get(f"line-{index}-{name}") or "").strip()
            for name in (*services.TARGETS, "amount", "count")
        }
        rows.append(row)
    return rows


def _rows_from_plan(plan: SalesPlan) -> list[dict[str, str]]:
    return [
        {
            "manager": str(line.manager_id or ""),
            "department": str(line.department_id or ""),
            "product_group": str(line.product_group_id or ""),
            "client": str(line.client_id or ""),
            "amount": str(line.amount),
            "count": str(line.count),
        }
        for line in plan.lines.order_by("id")
    ]


def _blank() -> dict[str, str]:
    return {name: "" for name in (*services.TARGETS, "amount", "count")}


def _is_blank(row: dict[str, str]) -> bool:
    return not any(row[name] for name in services.TARGETS) and row["amount"] in ("", "0")


def _editor(
    request: HttpRequest, plan: SalesPlan | None, values: dict[str, str], rows, errors
) -> HttpResponse:
    return render(
        request,
        "sales/plan_form.html",
        {
            "plan": plan,
            "values": values,
            "rows": rows,
            "errors": errors,
            "periods": PlanPeriod.choices,
            "choices": selectors.plan_form_choices(actor=request.user, plan=plan),
        },
        status=422 if errors else 200,
    )


def _save(request: HttpRequest, plan: SalesPlan | None) -> HttpResponse:
    values = {
        name: (request.POST.get(name) or "").strip()
        for name in ("name", "period", "period_start", "currency")
    }
    rows = _rows_from_post(request.POST)
    if "more" in request.POST:
        rows += [_blank() for _n in range(5)]
        return _editor(request, plan, values, rows, {})
    lines = [row for row in rows if not _is_blank(row)]
    try:
        if plan is None:
            plan = services.plan_create(actor=request.user, **_service_args(values), lines=lines)
            messages.success(request, _("The plan was created."))
        else:
            plan = services.plan_update(
                actor=request.user, plan=plan, **_service_args(values), lines=lines
            )
            messages.success(request, _("The plan was saved."))
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return _editor(request, plan, values, [*rows, _blank()], errors)
    return redirect("sales_reports:plan_detail", pk=plan.pk)


def _service_args(values: dict[str, str]) -> dict[str, Any]:
    return {
        "name": values["name"],
        "period": values["period"],
        "period_start": values["period_start"],
        "currency": values["currency"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    if not services.can_write_plans(request.user):
        raise PermissionDenied(
            _("Only directors, administrators and heads of department set plans.")
        )
    if request.method == "POST":
        return _save(request, None)
    from rapport.catalog.pricing import base_currency

    today = timezone.localdate()
    values = {
        "name": "",
        "period": PlanPeriod.MONTH,
        "period_start": today.replace(day=1).isoformat(),
        "currency": base_currency(None),
    }
    return _editor(request, None, values, [_blank() for _n in range(BLANK_ROWS)], {})


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    plan = selectors.plan_get(actor=request.user, pk=pk)
    if not services.can_edit_plan(request.user, plan):
        raise PermissionDenied(_("You may not change this plan."))
    if request.method == "POST":
        return _save(request, plan)
    values = {
        "name": plan.name,
        "period": plan.period,
        "period_start": plan.period_start.isoformat(),
        "currency": plan.currency_id,
    }
    rows = _rows_from_plan(plan) + [_blank() for _n in range(BLANK_ROWS)]
    return _editor(request, plan, values, rows, {})


@login_required
@require_POST
def plan_delete(request: HttpRequest, pk: Any) -> HttpResponse:
    plan = selectors.plan_get(actor=request.user, pk=pk)
    services.plan_delete(actor=request.user, plan=plan)
    messages.success(request, _("The plan was moved to the trash."))
    return redirect("sales_reports:plan_list")
