"""Planned vs done: contacts each manager planned and made per period."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from rapport.core import selectors as core_selectors

from .. import selectors
from ._common import parse_uuid


def _date(value: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@login_required
@require_GET
def planned_vs_done(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    date_from = _date(request.GET.get("date_from", ""), today.replace(day=1))
    date_to = _date(request.GET.get("date_to", ""), today)
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    department = parse_uuid(request.GET.get("department"))
    rows = selectors.planned_vs_done(
        actor=request.user, date_from=date_from, date_to=date_to, department=department
    )
    chart = {
        "labels": [r["manager"] for r in rows],
        "series": [
            {"label": _("Planned"), "data": [r["planned"] for r in rows], "color": "#0d6efd"},
            {
                "label": _("Completed as planned"),
                "data": [r["completed"] for r in rows],
                "color": "#198754",
            },
            {"label": _("Still open"), "data": [r["open"] for r in rows], "color": "#ffc107"},
            {
                "label": _("Done without planning"),
                "data": [r["unplanned"] for r in rows],
                "color": "#6c757d",
            },
        ],
    }
    totals = {
        key: sum(r[key] for r in rows)
        for key in ("planned", "completed", "open", "overdue", "unplanned", "done")
    }
    return render(
        request,
        "interactions/report_planned_vs_done.html",
        {
            "rows": rows,
            "totals": totals,
            "chart": chart,
            "date_from": date_from,
            "date_to": date_to,
            "department": department,
            "departments": core_selectors.departments(),
        },
    )
