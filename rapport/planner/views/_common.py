"""Helpers shared by the planner pages."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.dateparse import parse_datetime

from ..recurrence import UTC


def parse_moment(value: str | None) -> dt.datetime | None:
    """An ISO 8601 date-time (naive means UTC) or date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip().replace(" ", "+")
    moment = parse_datetime(value)
    if moment is None:
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
        moment = dt.datetime.combine(day, dt.time())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")
