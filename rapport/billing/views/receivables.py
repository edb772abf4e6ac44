"""Receivables: the ageing report by client and manager."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .. import selectors
from ._common import _date

# --- receivables ----------------------------------------------------------------------


BUCKET_LABELS = [
    ("not_due", gettext_lazy("Not due")),
    ("d1_30", gettext_lazy("1-30 days")),
    ("d31_60", gettext_lazy("31-60 days")),
    ("d61_90", gettext_lazy("61-90 days")),
    ("d90_plus", gettext_lazy("Over 90 days")),
]
BUCKET_COLOURS = ["#6c757d", "#ffc107", "#fd7e14", "#dc3545", "#842029"]


@login_required
def receivables(request: HttpRequest) -> HttpResponse:
    today = _date(request.GET.get("date")) or timezone.localdate()
    overdue_only = request.GET.get("overdue") == "1"
    rows = selectors.receivables_by_client(
        actor=request.user, today=today, overdue_only=overdue_only
    )
    totals = selectors.receivables_totals(actor=request.user, today=today)
    chart = {
        "labels": [t["currency_id"] for t in totals],
        "series": [
            {
                "label": str(label),
                "data": [float(t[key]) for t in totals],
                "color": colour,
            }
            for (key, label), colour in zip(BUCKET_LABELS, BUCKET_COLOURS, strict=True)
        ],
    }
    return render(
        request,
        "billing/receivables.html",
        {
            "rows": rows,
            "totals": totals,
            "managers": selectors.receivables_by_manager(actor=request.user, today=today),
            "buckets": [(key, str(label)) for key, label in BUCKET_LABELS],
            "chart": chart,
            "today": today,
            "overdue_only": overdue_only,
        },
    )
