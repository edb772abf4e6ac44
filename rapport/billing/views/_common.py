"""Helpers shared by the billing pages: status badges, the read-only refusal, parsing
of ids and dates, and keyset paging of invoice and payment lists."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ..models import InvoiceStatus

PAGE_SIZE = 50
STATUS_BADGES = {
    InvoiceStatus.DRAFT: "secondary",
    InvoiceStatus.SENT: "primary",
    InvoiceStatus.PARTLY_PAID: "warning",
    InvoiceStatus.PAID: "success",
    InvoiceStatus.CANCELLED: "dark",
}


def _require_writer(user: Any) -> None:
    if not user.can_write:
        raise PermissionDenied(_("Your role is read-only."))


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _page(qs: QuerySet[Any], cursor: str) -> tuple[list[Any], str]:
    """Newest first by (date, id), after ``cursor`` ("date|id"): no OFFSET, no COUNT."""
    qs = qs.order_by("-date", "-id")
    day, _sep, pk = (cursor or "").partition("|")
    after_day, after_pk = _date(day), _uuid(pk)
    if after_day and after_pk:
        qs = qs.filter(Q(date__lt=after_day) | Q(date=after_day, id__lt=after_pk))
    rows = list(qs[: PAGE_SIZE + 1])
    following = ""
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        following = f"{rows[-1].date.isoformat()}|{rows[-1].pk}"
    return rows, following
