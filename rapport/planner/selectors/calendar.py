"""Reads of the calendar: events in scope, occurrences in a window, free/busy conflicts,
overlays of several users, working schedules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import access
from rapport.core.models import Role, User

from .. import recurrence
from ..access import event_details
from ..models import (
    Event,
    EventParticipant,
    Resource,
    ResponseState,
    WorkingSchedule,
)

MAX_WINDOW = dt.timedelta(days=400)
MAX_CANDIDATES = 400


def _with_details(qs: QuerySet[Event]) -> QuerySet[Event]:
    return qs.select_related("organiser", "resource", "client").prefetch_related(
        Prefetch("attendance", queryset=EventParticipant.objects.select_related("user")),
        "overrides",
    )


def event_get(*, actor: User, pk: Any) -> Event:
    """An event in ``actor``'s scope; 404 otherwise."""
    return access.get_visible_or_404(actor, Event, pk, queryset=_with_details(Event.objects.all()))


def _in_window(qs: QuerySet[Event], start: dt.datetime | None, end: dt.datetime | None) -> Any:
    if end is not None:
        qs = qs.filter(start__lt=end)
    if start is not None:
        qs = qs.filter(Q(series_end__isnull=True) | Q(series_end__gt=start))
    return qs


def _of_users(user_ids: Iterable[Any]) -> Q:
    ids = list(user_ids)
    return Q(organiser__in=ids) | Q(
        pk__in=EventParticipant.objects.filter(user__in=ids)
        .exclude(response=ResponseState.DECLINED)
        .values("event_id")
    )


def event_list(
    *,
    actor: User,
    user: Any = None,
    client: Any = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> QuerySet[Event]:
    """Events in scope; ``start``/``end`` keep the series with an occurrence in the window."""
    qs = _with_details(access.visible_to(actor, Event))
    if user:
        qs = qs.filter(_of_users([user]))
    if client:
        qs = qs.filter(client=client)
    return _in_window(qs, start, end)


def _overrides(event: Event) -> dict[dt.datetime, tuple[dt.datetime, dt.datetime, str]]:
    return {o.recurrence_id: (o.start, o.end, o.title) for o in event.overrides.all()}


def expand_event(
    event: Event, window_start: dt.datetime, window_end: dt.datetime
) -> list[recurrence.Occurrence]:
    return recurrence.expand(
        start=event.start,
        end=event.end,
        time_zone=event.time_zone,
        rrule=event.rrule,
        exdates=event.exdates,
        overrides=_overrides(event),
        window_start=window_start,
        window_end=window_end,
        title=event.title,
    )


def _check_window(start: dt.datetime, end: dt.datetime) -> None:
    from django.core.exceptions import ValidationError

    if end <= start:
        raise ValidationError({"end": [_("The end must be after the start.")]})
    if end - start > MAX_WINDOW:
        raise ValidationError({"end": [_("Ask for at most 400 days at a time.")]})


def event_occurrences(
    *,
    actor: User,
    start: dt.datetime,
    end: dt.datetime,
    user: Any = None,
    client: Any = None,
) -> list[tuple[Event, recurrence.Occurrence]]:
    """Every occurrence in ``[start, end)`` of the events in scope, in start order."""
    _check_window(start, end)
    rows = []
    for event in event_list(actor=actor, user=user, client=client, start=start, end=end):
        rows += [(event, occ) for occ in expand_event(event, start, end)]
    rows.sort(key=lambda row: (row[1].start, str(row[0].pk)))
    return rows


def next_occurrence_start(event: Event, after: dt.datetime | None = None) -> dt.datetime | None:
    """The start of the first occurrence starting at or after ``after`` (default now)."""
    after = after or timezone.now()
    if not event.rrule:
        return event.start if event.start >= after else None
    for occ in expand_event(event, after, after + recurrence.CHECK_HORIZON):
        if occ.start >= after:
            return occ.start
    return None


@dataclass(frozen=True)
class Conflict:
    """A user (or the resource) is busy with ``event`` from ``start`` to ``end``."""

    event: Event
    start: dt.datetime
    end: dt.datetime
    user: User | None = None
    resource: Resource | None = None
    title: str = ""


def busy_users(event: Event) -> set[Any]:
    ids = {event.organiser_id}
    ids |= {p.user_id for p in event.attendance.all() if p.response != ResponseState.DECLINED}
    return ids


def find_conflicts(
    *,
    actor: User,
    start: dt.datetime,
    end: dt.datetime,
    time_zone: str = "UTC",
    rrule: str = "",
    exdates: Iterable[Any] = (),
    users: Iterable[User] = (),
    resource: Resource | None = None,
    exclude_event: Any = None,
) -> list[Conflict]:
    """Free/busy: the events (recurrences expanded) of ``users`` or booking ``resource``
    that overlap the planned occurrences (the first year of a series).

    Every user's busy time is visible to colleagues; the titles only where ``actor`` may
    see the event's details, otherwise "Busy".
    """
    users = [u for u in users if u is not None]
    if end <= start or (not users and resource is None):
        return []
    planned = recurrence.first_occurrences(
        start=start, end=end, time_zone=time_zone, rrule=rrule, exdates=exdates
    )[:MAX_CANDIDATES]
    if not planned:
        return []
    lo, hi = planned[0].start, max(o.end for o in planned)
    who = Q()
    if users:
        who |= _of_users([u.pk for u in users])
    if resource is not None:
        who |= Q(resource=resource)
    qs = _in_window(_with_details(Event.objects.alive().filter(who)), lo, hi)
    if exclude_event is not None:
        qs = qs.exclude(pk=exclude_event)
    visible = set(
        access.visible_to(actor, Event)
        .filter(pk__in=[e.pk for e in qs])
        .values_list("pk", flat=True)
    )
    by_id = {u.pk: u for u in users}
    conflicts: list[Conflict] = []
    for event in qs:
        shown = event.title if event.pk in visible and event_details(actor, event) else _("Busy")
        involved = [by_id[pk] for pk in busy_users(event) if pk in by_id]
        booked = resource is not None and event.resource_id == resource.pk
        for occ in expand_event(event, lo, hi):
            if not any(p.start < occ.end and occ.start < p.end for p in planned):
                continue
            for user in involved:
                conflicts.append(Conflict(event, occ.start, occ.end, user=user, title=shown))
            if booked:
                conflicts.append(
                    Conflict(event, occ.start, occ.end, resource=resource, title=shown)
                )
    conflicts.sort(key=lambda c: (c.start, str(c.user or c.resource)))
    return conflicts


def resource_list(*, actor: User, active_only: bool = True) -> QuerySet[Resource]:
    qs = access.visible_to(actor, Resource)
    return qs.filter(is_active=True) if active_only else qs


def schedule_for(user: User) -> WorkingSchedule:
    """The user's working schedule (Monday to Friday 9 to 18 until they set one)."""
    try:
        return user.working_schedule
    except WorkingSchedule.DoesNotExist:
        return WorkingSchedule(user=user)


def users_for_overlay(
    *, actor: User, user_ids: Iterable[Any] = (), department: Any = None
) -> list[User]:
    """The active users whose calendars ``actor`` lays side by side (busy blocks for
    colleagues outside their scope)."""
    qs = User.objects.filter(is_active=True).select_related("department", "working_schedule")
    ids = [i for i in user_ids if i]
    if department:
        qs = qs.filter(department__in=access.department_subtree_ids(department))
        if ids:
            qs = qs | User.objects.filter(is_active=True, pk__in=ids)
    elif ids:
        qs = qs.filter(pk__in=ids)
    else:
        qs = qs.filter(pk=actor.pk)
    return list(qs.order_by("last_name", "first_name", "username").distinct()[:30])


def calendar_entries(
    *, actor: User, users: list[User], start: dt.datetime, end: dt.datetime
) -> list[dict[str, Any]]:
    """Occurrences of ``users``' events in the window, each with the user it is shown for
    and whether its details are visible (private or out-of-scope events: "Busy")."""
    _check_window(start, end)
    ids = [u.pk for u in users]
    qs = _in_window(_with_details(Event.objects.alive().filter(_of_users(ids))), start, end)
    events = list(qs)
    visible = set(
        access.visible_to(actor, Event)
        .filter(pk__in=[e.pk for e in events])
        .values_list("pk", flat=True)
    )
    by_id = {u.pk: u for u in users}
    rows: list[dict[str, Any]] = []
    for event in events:
        details = event.pk in visible and event_details(actor, event)
        owners = [by_id[pk] for pk in busy_users(event) if pk in by_id]
        owner = next((u for u in owners if u.pk == actor.pk), owners[0] if owners else None)
        for occ in expand_event(event, start, end):
            rows.append(
                {
                    "event": event,
                    "occurrence": occ,
                    "user": owner,
                    "details": details,
                    "editable": details and access.can_edit(actor, event),
                }
            )
    rows.sort(key=lambda r: r["occurrence"].start)
    return rows


def feed_events(*, user: User) -> QuerySet[Event]:
    """The events of a user's iCalendar feed: organised or attended (not declined),
    from 90 days ago on, with their overrides."""
    since = timezone.now() - dt.timedelta(days=90)
    return _in_window(
        _with_details(Event.objects.alive().filter(_of_users([user.pk]))), since, None
    )


def upcoming_events_for_client(*, actor: User, client: Any, limit: int = 5) -> list[Any]:
    """The next occurrences of the client's events ``actor`` may see (client card)."""
    now = timezone.now()
    rows = event_occurrences(
        actor=actor, client=client, start=now, end=now + dt.timedelta(days=180)
    )
    return rows[:limit]


def is_head_of(actor: User, user: User) -> bool:
    return actor.role == Role.HEAD and user.department_id in access.department_subtree_ids(
        actor.department_id
    )
