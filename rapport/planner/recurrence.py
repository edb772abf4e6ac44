"""Recurrence (RFC 5545 RRULE) validation and expansion with python-dateutil.

Rules are expanded on the event's local wall-clock time in its own time zone, so a
weekly meeting at 09:00 Europe/Warsaw stays at 09:00 local across daylight-saving
changes; every occurrence is then converted to UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule as du_rrule
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

UTC = dt.UTC
ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
# A series with a COUNT or UNTIL is walked to its end once, when saved: keep it finite.
MAX_OCCURRENCES = 5000
# How far "for ever" reaches when a caller needs a horizon (conflict checks).
CHECK_HORIZON = dt.timedelta(days=366)


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of an event; ``recurrence_id`` is its original start (UTC)."""

    start: dt.datetime
    end: dt.datetime
    recurrence_id: dt.datetime
    title: str = ""
    overridden: bool = False


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            {"time_zone": [_("“%(name)s” is not a known time zone.") % {"name": name}]}
        ) from exc


def _parts(rule: str) -> list[tuple[str, str]]:
    body = rule.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    parts = []
    for chunk in body.split(";"):
        if not chunk.strip():
            continue
        key, sep, value = chunk.partition("=")
        if not sep:
            raise ValueError(chunk)
        parts.append((key.strip().upper(), value.strip().upper()))
    return parts


def normalize_rrule(rule: str) -> str:
    """The rule without the ``RRULE:`` prefix, upper case; ValidationError naming
    ``rrule`` when it is not an RFC 5545 rule we can repeat."""
    if not rule or not rule.strip():
        return ""
    error = ValidationError(
        {"rrule": [_("“%(rule)s” is not a valid repeat rule (RFC 5545 RRULE).") % {"rule": rule}]}
    )
    try:
        parts = _parts(rule)
    except ValueError as exc:
        raise error from exc
    keys = [key for key, _value in parts]
    freq = dict(parts).get("FREQ")
    if freq is None or len(keys) != len(set(keys)):
        raise error
    if freq not in ALLOWED_FREQUENCIES:
        raise ValidationError({"rrule": [_("An event repeats daily, weekly, monthly or yearly.")]})
    if "COUNT" in keys and "UNTIL" in keys:
        raise ValidationError({"rrule": [_("A repeat rule has COUNT or UNTIL, not both.")]})
    normalized = ";".join(f"{key}={value}" for key, value in parts)
    try:
        du_rrule.rrulestr(_local_rule(normalized, ZoneInfo("UTC")), dtstart=dt.datetime(2000, 1, 1))
    except (ValueError, TypeError, OverflowError) as exc:
        raise error from exc
    return normalized


def _local_rule(rule: str, tz: ZoneInfo) -> str:
    """UNTIL given in UTC (``...Z``) or as a date becomes local wall time for dateutil,
    which expands on naive local datetimes."""
    out = []
    for key, value in _parts(rule):
        if key == "UNTIL":
            if value.endswith("Z"):
                moment = dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
                value = moment.astimezone(tz).replace(tzinfo=None).strftime("%Y%m%dT%H%M%S")
            elif "T" not in value:
                value = f"{value}T235959"
        out.append(f"{key}={value}")
    return ";".join(out)


def _ruleset(rule: str, first_local: dt.datetime, tz: ZoneInfo) -> du_rrule.rrule:
    return du_rrule.rrulestr(_local_rule(rule, tz), dtstart=first_local)


def _to_utc(local: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    return local.replace(tzinfo=tz).astimezone(UTC)


def parse_exdates(values: Iterable[str | dt.datetime]) -> set[dt.datetime]:
    result = set()
    for value in values:
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        result.add(moment.astimezone(UTC))
    return result


def expand(
    *,
    start: dt.datetime,
    end: dt.datetime,
    time_zone: str,
    rrule: str,
    window_start: dt.datetime,
    window_end: dt.datetime,
    exdates: Iterable[str | dt.datetime] = (),
    overrides: Mapping[dt.datetime, tuple[dt.datetime, dt.datetime, str]] | None = None,
    title: str = "",
) -> list[Occurrence]:
    """Occurrences overlapping ``[window_start, window_end)``, in start order.

    ``overrides`` maps an original start (UTC) to the moved ``(start, end, title)``.
    """
    duration = end - start
    overrides = {k.astimezone(UTC): v for k, v in (overrides or {}).items()}
    removed = parse_exdates(exdates)

    def overlaps(a: dt.datetime, b: dt.datetime) -> bool:
        return a < window_end and b > window_start

    if not rrule:
        return (
            [Occurrence(start, end, start.astimezone(UTC), title)] if overlaps(start, end) else []
        )
    tz = zone(time_zone)
    first_local = start.astimezone(tz).replace(tzinfo=None)
    rule = _ruleset(rrule, first_local, tz)
    # Pad the local window: offsets differ by at most a day, durations are added back.
    lo = window_start.astimezone(tz).replace(tzinfo=None) - duration - dt.timedelta(days=1)
    hi = window_end.astimezone(tz).replace(tzinfo=None) + dt.timedelta(days=1)
    result: list[Occurrence] = []
    for local in rule.between(lo, hi, inc=True):
        original = _to_utc(local, tz)
        if original in removed or original in overrides:
            continue
        # The length is kept in local wall time (an all-day event stays one local day).
        occ_end = _to_utc(local + duration, tz)
        if overlaps(original, occ_end):
            result.append(Occurrence(original, occ_end, original, title))
    for original, (o_start, o_end, o_title) in overrides.items():
        if original not in removed and overlaps(o_start, o_end):
            result.append(Occurrence(o_start, o_end, original, o_title or title, True))
    result.sort(key=lambda o: (o.start, o.recurrence_id))
    return result


def series_end(
    *,
    start: dt.datetime,
    end: dt.datetime,
    time_zone: str,
    rrule: str,
    overrides: Iterable[dt.datetime] = (),
) -> dt.datetime | None:
    """End of the last occurrence (moved occurrences included); None if it never ends.

    ValidationError naming ``rrule`` when a finite series is longer than we walk.
    """
    latest = max([end, *overrides])
    if not rrule:
        return latest
    keys = {key for key, _value in _parts(rrule)}
    if "COUNT" not in keys and "UNTIL" not in keys:
        return None
    tz = zone(time_zone)
    first_local = start.astimezone(tz).replace(tzinfo=None)
    last = None
    for index, local in enumerate(_ruleset(rrule, first_local, tz)):
        if index >= MAX_OCCURRENCES:
            raise ValidationError(
                {
                    "rrule": [
                        _("A series may have at most %(n)d occurrences.") % {"n": MAX_OCCURRENCES}
                    ]
                }
            )
        last = local
    if last is None:
        return latest
    return max(latest, _to_utc(last + (end - start), tz))


def first_occurrences(
    *,
    start: dt.datetime,
    end: dt.datetime,
    time_zone: str,
    rrule: str,
    exdates: Iterable[str | dt.datetime] = (),
    horizon: dt.timedelta = CHECK_HORIZON,
) -> list[Occurrence]:
    """Occurrences from the first one up to ``horizon`` later (conflict checks)."""
    return expand(
        start=start,
        end=end,
        time_zone=time_zone,
        rrule=rrule,
        exdates=exdates,
        window_start=start,
        window_end=start + horizon,
    )
