"""iCalendar (RFC 5545) output with the icalendar library: a user's feed and single
events. Series keep their RRULE/EXDATE in the event's own time zone with a VTIMEZONE;
moved occurrences are separate VEVENTs with the same UID and a RECURRENCE-ID."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import event_details
from .models import Event
from .recurrence import UTC, parse_exdates, zone

PRODID = "-//Rapport CRM//Planner//EN"


def _uid(event: Event) -> str:
    return f"{event.pk}@rapport"


def _local(moment: dt.datetime, event: Event) -> dt.datetime:
    return moment.astimezone(zone(event.time_zone))


def _dates(event: Event, start: dt.datetime, end: dt.datetime) -> tuple[Any, Any]:
    if event.all_day:
        first = _local(start, event).date()
        last = _local(end, event).date()
        return first, max(last, first + dt.timedelta(days=1))
    if event.time_zone == "UTC":
        return start.astimezone(UTC), end.astimezone(UTC)
    return _local(start, event), _local(end, event)


def _vevent(event: Event, *, viewer: Any, participants: list[Any]) -> icalendar.Event:
    details = viewer is None or event_details(viewer, event, {p.user_id for p in participants})
    vevent = icalendar.Event()
    vevent.add("uid", _uid(event))
    vevent.add("dtstamp", timezone.now().astimezone(UTC))
    vevent.add("last-modified", event.updated_at.astimezone(UTC))
    vevent.add("created", event.created_at.astimezone(UTC))
    start, end = _dates(event, event.start, event.end)
    vevent.add("dtstart", start)
    vevent.add("dtend", end)
    vevent.add("summary", event.title if details else _("Busy"))
    if details:
        vevent.add("class", "PRIVATE" if event.is_private else "PUBLIC")
        if event.description:
            vevent.add("description", event.description)
        location = event.location or (event.resource.name if event.resource else "")
        if location:
            vevent.add("location", location)
        organiser = icalendar.vCalAddress(f"mailto:{event.organiser.email or 'noreply@invalid'}")
        organiser.params["cn"] = icalendar.vText(str(event.organiser))
        vevent.add("organizer", organiser)
        for p in participants:
            attendee = icalendar.vCalAddress(f"mailto:{p.user.email or 'noreply@invalid'}")
            attendee.params["cn"] = icalendar.vText(str(p.user))
            attendee.params["partstat"] = icalendar.vText(p.response.upper().replace("_", "-"))
            vevent.add("attendee", attendee)
    else:
        vevent.add("class", "CONFIDENTIAL")
    vevent.add("transp", "OPAQUE")
    if event.rrule:
        vevent.add("rrule", icalendar.vRecur.from_ical(event.rrule))
        removed = sorted(parse_exdates(event.exdates))
        if removed:
            vevent.add(
                "exdate",
                [
                    _local(m, event).date() if event.all_day else _dates(event, m, m)[0]
                    for m in removed
                ],
            )
    return vevent


def _overrides(event: Event, viewer: Any, participants: list[Any]) -> list[icalendar.Event]:
    result = []
    for override in event.overrides.all():
        vevent = _vevent(event, viewer=viewer, participants=participants)
        for name in ("rrule", "exdate", "dtstart", "dtend"):
            vevent.pop(name, None)
        start, end = _dates(event, override.start, override.end)
        vevent.add("dtstart", start)
        vevent.add("dtend", end)
        rid = _dates(event, override.recurrence_id, override.recurrence_id)[0]
        vevent.add("recurrence-id", rid)
        if override.title and "summary" in vevent and vevent["summary"] == event.title:
            vevent["summary"] = icalendar.vText(override.title)
        result.append(vevent)
    return result


def calendar(events: Iterable[Event], *, viewer: Any = None, name: str = "") -> bytes:
    """A VCALENDAR of ``events`` (prefetched attendance and overrides) as bytes;
    ``viewer`` decides which private events show only as "Busy"."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
        cal.add("name", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    cal.add("refresh-interval", dt.timedelta(minutes=30), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT30M")
    for event in events:
        participants = list(event.attendance.all())
        cal.add_component(_vevent(event, viewer=viewer, participants=participants))
        for vevent in _overrides(event, viewer, participants):
            cal.add_component(vevent)
    cal.add_missing_timezones()
    return cal.to_ical()
