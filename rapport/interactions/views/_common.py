"""Helpers of the interaction pages: keyset pages (newest first), error display."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from rapport.core.views import apply_errors  # noqa: F401  (re-exported to the views)

PAGE_SIZE = 50


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str
    is_first: bool


def _decode(cursor: str) -> tuple[dt.datetime, uuid.UUID] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, pk = json.loads(raw)
        parsed = dt.datetime.fromisoformat(str(at))
        return (parsed, uuid.UUID(str(pk))) if parsed.tzinfo else None
    except (ValueError, TypeError, json.JSONDecodeError):
        return None


def keyset_page(qs: QuerySet[Any], *, cursor: str = "", size: int = PAGE_SIZE) -> Page:
    """One page ordered by (date, id) descending after ``cursor``: no OFFSET, no COUNT."""
    qs = qs.order_by("-date", "-id")
    after = _decode(cursor) if cursor else None
    if after is not None:
        qs = qs.filter(Q(date__lt=after[0]) | Q(date=after[0], id__lt=after[1]))
    rows = list(qs[: size + 1])
    next_cursor = ""
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        raw = json.dumps([last.date.isoformat(), str(last.pk)])
        next_cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    return Page(rows=rows, next_cursor=next_cursor, is_first=after is None)


def require_writer(user: Any) -> None:
    if not user.can_write:
        raise PermissionDenied(_("Your role is read-only."))


def parse_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None
