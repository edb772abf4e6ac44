"""Writes of the calendar: events (validation, conflicts, invitations), moving single
occurrences, responses, resources and working schedules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from rapport.core import access
from rapport.core.access import require_writer as _require_writer
from rapport.core.history import mark_actor
from rapport.core.models import User
from rapport.core.reminders import reminders_sync_record
from rapport.core.services import record_restore, record_trash
from rapport.parties.models import Client

from .. import recurrence
from ..models import (
    Event,
    EventOverride,
    EventParticipant,
    Resource,
    ResponseState,
    WorkingSchedule,
)
from ..selectors.calendar import Conflict, find_conflicts

EVENT_FIELDS = (
    "title",
    "description",
    "location",
    "start",
    "end",
    "all_day",
    "time_zone",
    "rrule",
    "exdates",
    "resource",
    "is_private",
    "client",
)


def _require_edit(actor: User, event: Event) -> None:
    if not access.can_edit(actor, event):
        raise PermissionDenied(_("You may not change this event."))


def _notify(**kwargs: Any) -> None:
    from rapport.core.notifications import notify

    notify(**kwargs)


def _when(moment: dt.datetime, actor: User) -> str:
    local = timezone.localtime(moment, recurrence.zone(actor.time_zone or "UTC"))
    return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def conflict_messages(conflicts: Iterable[Conflict], actor: User) -> dict[str, list[str]]:
    """Readable messages keyed by the field they concern (participants / resource)."""
    errors: dict[str, list[str]] = {}
    for c in conflicts:
        params = {
            "who": c.user or c.resource,
            "start": _when(c.start, actor),
            "end": _when(c.end, actor),
            "title": c.title,
        }
        if c.resource is not None:
            text = _("%(who)s is already booked %(start)s – %(end)s (%(title)s).") % params
            errors.setdefault("resource", []).append(text)
        else:
            text = _("%(who)s is busy %(start)s – %(end)s (%(title)s).") % params
            errors.setdefault("participants", []).append(text)
    return {k: list(dict.fromkeys(v))[:10] for k, v in errors.items()}


def _clean(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    data["title"] = (data.get("title") or "").strip()
    if not data["title"]:
        errors["title"] = [_("Give the event a title.")]
    start, end = data.get("start"), data.get("end")
    if start is None:
        errors["start"] = [_("Give the start.")]
    if end is None:
        errors["end"] = [_("Give the end.")]
    for name in ("start", "end"):
        if isinstance(data.get(name), dt.datetime) and timezone.is_naive(data[name]):
            errors[name] = [_("Give the time with its offset or time zone.")]
    if (
        start is not None
        and end is not None
        and not {"start", "end"} & set(errors)
        and end <= start
    ):
        errors["end"] = [_("The end must be after the start.")]
    data["time_zone"] = data.get("time_zone") or actor.time_zone or "UTC"
    try:
        recurrence.zone(data["time_zone"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        data["rrule"] = recurrence.normalize_rrule(data.get("rrule") or "")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        data["exdates"] = sorted(
            m.isoformat() for m in recurrence.parse_exdates(data.get("exdates") or [])
        )
    except (TypeError, ValueError):
        errors["exdates"] = [_("Exceptions are ISO 8601 date-times.")]
    resource = data.get("resource")
    if resource is not None and not resource.is_active:
        errors["resource"] = [_("This resource is not available.")]
    client = data.get("client")
    if client is not None and not access.visible_to(actor, Client).filter(pk=client.pk).exists():
        errors["client"] = [_("Unknown client.")]
    if errors:
        raise ValidationError(errors)
    return data


def _series_end(event: Event) -> dt.datetime | None:
    overrides = [o.end for o in event.overrides.all()] if event.pk else []
    return recurrence.series_end(
        start=event.start,
        end=event.end,
        time_zone=event.time_zone,
        rrule=event.rrule,
        overrides=overrides,
    )


def _check_conflicts(
    actor: User,
    event: Event,
    participants: list[User],
    *,
    allow_conflicts: bool,
) -> None:
    users = [event.organiser, *participants]
    conflicts = find_conflicts(
        actor=actor,
        start=event.start,
        end=event.end,
        time_zone=event.time_zone,
        rrule=event.rrule,
        exdates=event.exdates,
        users=[] if allow_conflicts else users,
        resource=event.resource,
        exclude_event=event.pk if event.pk and not event._state.adding else None,
    )
    if conflicts:
        raise ValidationError(conflict_messages(conflicts, actor))


def _set_participants(event: Event, participants: list[User], actor: User) -> list[User]:
    """Replace the participant list; answers the newly invited users."""
    wanted = {u.pk: u for u in participants if u.pk != event.organiser_id}
    existing = {p.user_id: p for p in event.attendance.all()}
    EventParticipant.objects.filter(event=event).exclude(user__in=list(wanted)).delete()
    added = [u for pk, u in wanted.items() if pk not in existing]
    EventParticipant.objects.bulk_create([EventParticipant(event=event, user=u) for u in added])
    if hasattr(event, "_prefetched_objects_cache"):
        event._prefetched_objects_cache.pop("attendance", None)
    return added


def _invite(event: Event, users: list[User], actor: User) -> None:
    url = reverse("planner:event_detail", kwargs={"pk": event.pk})
    for user in users:
        if user.pk == actor.pk:
            continue
        _notify(
            user=user,
            kind="event_invite",
            title=_("Invitation: %(title)s") % {"title": event.title},
            body=_("%(who)s invites you on %(when)s.")
            % {"who": actor, "when": _when(event.start, user)},
            url=url,
            record=event,
            dedupe_key=f"event_invite:{event.pk}:{user.pk}",
        )


def _link(event: Event, record: Model | None) -> None:
    if record is None:
        return
    if isinstance(record, Client):
        event.client = record
        return
    if (
        not access.has_rule(type(record))
        or not access.visible_to(event.organiser, type(record)).filter(pk=record.pk).exists()
    ):
        raise ValidationError({"record": [_("Unknown record.")]})
    event.content_type = ContentType.objects.get_for_model(record)
    event.object_id = str(record.pk)


@transaction.atomic
def event_create(
    *,
    actor: User,
    title: str,
    start: dt.datetime,
    end: dt.datetime,
    time_zone: str = "",
    all_day: bool = False,
    rrule: str = "",
    exdates: Iterable[Any] = (),
    description: str = "",
    location: str = "",
    participants: Iterable[User] = (),
    resource: Resource | None = None,
    is_private: bool = False,
    client: Client | None = None,
    record: Model | None = None,
    allow_conflicts: bool = False,
) -> Event:
    """Plan an event organised by ``actor``; participants are invited (notified).

    ValidationError naming the field: ``end`` before ``start``, a bad ``rrule``, the
    ``resource`` already booked, ``participants`` busy (unless ``allow_conflicts``).
    """
    _require_writer(actor)
    data = _clean(
        actor,
        {
            "title": title,
            "start": start,
            "end": end,
            "time_zone": time_zone,
            "all_day": all_day,
            "rrule": rrule,
            "exdates": list(exdates),
            "description": description,
            "location": location,
            "resource": resource,
            "is_private": is_private,
            "client": client,
        },
    )
    event = Event(organiser=actor, created_by=actor, **data)
    _link(event, record)
    event.series_end = _series_end(event)
    people = list(dict.fromkeys(participants))
    _check_conflicts(actor, event, people, allow_conflicts=allow_conflicts)
    mark_actor(event, actor)
    event.save()
    invited = _set_participants(event, people, actor)
    _invite(event, invited, actor)
    return event


@transaction.atomic
def event_update(
    *,
    actor: User,
    event: Event,
    participants: Iterable[User] | None = None,
    allow_conflicts: bool = False,
    **changes: Any,
) -> Event:
    """Change an event (organiser, heads over them, directors, administrators)."""
    _require_edit(actor, event)
    unknown = set(changes) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    data = {name: getattr(event, name) for name in EVENT_FIELDS}
    data.update(changes)
    data = _clean(actor, data)
    for name, value in data.items():
        setattr(event, name, value)
    event.series_end = _series_end(event)
    people = (
        list(dict.fromkeys(participants))
        if participants is not None
        else [p.user for p in event.attendance.all()]
    )
    _check_conflicts(actor, event, people, allow_conflicts=allow_conflicts)
    event.updated_at = timezone.now()
    mark_actor(event, actor)
    event.save()
    invited = _set_participants(event, people, actor)
    _invite(event, invited, actor)
    reminders_sync_record(record=event)  # "N minutes before" follows the event
    return event


@transaction.atomic
def event_move(
    *,
    actor: User,
    event: Event,
    start: dt.datetime,
    end: dt.datetime,
    occurrence: dt.datetime | None = None,
    allow_conflicts: bool = False,
) -> Event:
    """Move or resize an event (drag and drop). For a series, ``occurrence`` (the original
    start of one occurrence) moves that occurrence only (RECURRENCE-ID); without it the
    whole series moves. Conflicts of the participants or the resource are refused."""
    _require_edit(actor, event)
    if end <= start:
        raise ValidationError({"end": [_("The end must be after the start.")]})
    people = [p.user for p in event.attendance.all() if p.response != ResponseState.DECLINED]
    if not event.rrule or occurrence is None:
        return event_update(
            actor=actor,
            event=event,
            start=start,
            end=end,
            participants=[p.user for p in event.attendance.all()],
            allow_conflicts=allow_conflicts,
        )
    original = occurrence.astimezone(dt.UTC)
    window = (original - dt.timedelta(days=1), original + dt.timedelta(days=1))
    plain = recurrence.expand(
        start=event.start,
        end=event.end,
        time_zone=event.time_zone,
        rrule=event.rrule,
        exdates=event.exdates,
        window_start=window[0],
        window_end=window[1],
    )
    known = {o.recurrence_id for o in plain} | {o.recurrence_id for o in event.overrides.all()}
    if original not in known:
        raise ValidationError({"occurrence": [_("The series has no such occurrence.")]})
    conflicts = find_conflicts(
        actor=actor,
        start=start,
        end=end,
        users=[] if allow_conflicts else [event.organiser, *people],
        resource=event.resource,
        exclude_event=event.pk,
    )
    if conflicts:
        raise ValidationError(conflict_messages(conflicts, actor))
    EventOverride.objects.update_or_create(
        event=event, recurrence_id=original, defaults={"start": start, "end": end}
    )
    event.series_end = _series_end(event)
    event.updated_at = timezone.now()
    mark_actor(event, actor)
    event.save(update_fields=["series_end", "updated_at"])
    reminders_sync_record(record=event)
    return event


@transaction.atomic
def event_cancel_occurrence(*, actor: User, event: Event, occurrence: dt.datetime) -> Event:
    """Remove one occurrence of a series (EXDATE)."""
    _require_edit(actor, event)
    moment = occurrence.astimezone(dt.UTC)
    EventOverride.objects.filter(event=event, recurrence_id=moment).delete()
    event.exdates = sorted({*event.exdates, moment.isoformat()})
    event.updated_at = timezone.now()
    mark_actor(event, actor)
    event.save(update_fields=["exdates", "updated_at"])
    return event


def event_respond(*, actor: User, event: Event, response: str) -> EventParticipant:
    """A participant accepts, declines or tentatively accepts an invitation."""
    _require_writer(actor)
    if response not in ResponseState.values:
        raise ValidationError({"response": [_("Unknown answer.")]})
    try:
        row = event.attendance.get(user=actor)
    except EventParticipant.DoesNotExist as exc:
        raise PermissionDenied(_("You are not invited to this event.")) from exc
    row.response = response
    row.responded_at = timezone.now()
    row.save(update_fields=["response", "responded_at"])
    return row


def event_trash(*, actor: User, event: Event) -> None:
    _require_edit(actor, event)
    record_trash(actor=actor, record=event)


def event_restore(*, actor: User, event: Event) -> None:
    record_restore(actor=actor, record=event)


def resource_save(
    *,
    actor: User,
    resource: Resource | None = None,
    name: str,
    kind: str = "room",
    location: str = "",
    capacity: int | None = None,
    is_active: bool = True,
) -> Resource:
    """Create or change a room or other resource (administrators)."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only administrators manage resources."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the resource a name.")]})
    clash = Resource.objects.filter(name__iexact=name)
    if resource is not None:
        clash = clash.exclude(pk=resource.pk)
    if clash.exists():
        raise ValidationError({"name": [_("A resource with this name exists.")]})
    resource = resource or Resource()
    resource.name, resource.kind, resource.location = name, kind, location
    resource.capacity, resource.is_active = capacity, is_active
    resource.full_clean()
    resource.save()
    return resource


def working_schedule_set(
    *,
    actor: User,
    user: User,
    weekdays: Iterable[int],
    start_time: dt.time,
    end_time: dt.time,
) -> WorkingSchedule:
    """Set a user's working days (0 = Monday) and hours (the user or an administrator)."""
    if not actor.can_write or not (actor.is_administrator or actor.pk == user.pk):
        raise PermissionDenied(_("You may not change this working schedule."))
    days = sorted({int(d) for d in weekdays})
    if any(d < 0 or d > 6 for d in days):
        raise ValidationError({"weekdays": [_("Working days are 0 (Monday) to 6 (Sunday).")]})
    if end_time <= start_time:
        raise ValidationError({"end_time": [_("The working day must end after it starts.")]})
    schedule, _created = WorkingSchedule.objects.update_or_create(
        user=user,
        defaults={"weekdays": days, "start_time": start_time, "end_time": end_time},
    )
    return schedule
