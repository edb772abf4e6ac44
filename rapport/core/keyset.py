"""Keyset paging of lists ordered newest first by a moment and then by id.

A page is the rows after the last one of the previous page (its cursor): no OFFSET and no
COUNT, so a page costs the same at the first row and at the millionth.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet


@dataclass
class Page:
    rows: list[Any]
    next_cursor: str
    is_first: bool


def encode_cursor(moment: dt.datetime | dt.date, pk: Any) -> str:
    raw = json.dumps([moment.isoformat(), str(pk)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID] | None:
    """The (moment, id) a cursor carries; None for anything malformed or naive."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, pk = json.loads(raw)
        moment = dt.datetime.fromisoformat(str(at))
        return (moment, uuid.UUID(str(pk))) if moment.tzinfo else None
    except (ValueError, TypeError, json.JSONDecodeError):
        return None


def keyset_page(qs: QuerySet[Any], *, field: str, cursor: str = "", size: int = 50) -> Page:
    """One page of ``qs`` ordered by (``field``, id) descending, after ``cursor``."""
    qs = qs.order_by(f"-{field}", "-id")
    after = decode_cursor(cursor)
    if after is not None:
        qs = qs.filter(Q(**{f"{field}__lt": after[0]}) | Q(**{field: after[0], "id__lt": after[1]}))
    rows = list(qs[: size + 1])
    next_cursor = ""
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor(getattr(rows[-1], field), rows[-1].pk)
    return Page(rows=rows, next_cursor=next_cursor, is_first=after is None)
