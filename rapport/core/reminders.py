"""Reminders on any record: at a time, or "N minutes before" the record's due time.

Apps tell core when their records are due with ``register_due_time(Model, fn)`` (planner:
an event's start, a task's deadline; sales later: an invoice's due date). The beat task
``core.fire_due_reminders`` (every minute) fires what is due through
``notify(kind="reminder")``; each firing has its own dedupe key, so a re-run sends nothing
twice. Repeated reminders keep their cadence from the first time until ``valid_until``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from . import access
from .models import Reminder, ReminderState, User
from .notifications import notify

log = logging.getLogger(__name__)

DueTime = Callable[[Any], "datetime | None"]
_due_times: dict[type[Model], DueTime] = {}
PENDING = (ReminderState.ACTIVE, ReminderState.SNOOZED)
MAX_MINUTES = 366 * 24 * 60

access.register(
    Reminder,
    visible=lambda actor, qs: qs.filter(user=actor),
    editable=lambda actor, reminder: reminder.user_id == actor.pk,
)


def register_due_time(model: type[Model], fn: DueTime) -> None:
    """``fn(record)`` answers when a record of ``model`` is due (aware datetime) or None."""
    _due_times[model] = fn


def due_time(record: Model) -> datetime | None:
    fn = _due_times.get(type(record))
    return fn(record) if fn is not None else None


def has_due_time(record: Model) -> bool:
    return type(record) in _due_times and due_time(record) is not None


# --- records by type ------------------------------------------------------------------


def record_type(record: Model) -> str:
    """``"parties.client"``: how the API names a record's model."""
    return record._meta.label_lower


def record_by_type(*, actor: User, type_name: str, record_id: Any) -> Model:
    """The record of ``type_name`` ("app.model") the actor can see; 404 otherwise."""
    try:
        model = apps.get_model(type_name)
    except (LookupError, ValueError) as exc:
        raise ValidationError({"record_type": [_("Unknown record type.")]}) from exc
    if not access.has_rule(model) or model in (Reminder,):
        raise ValidationError({"record_type": [_("Reminders cannot be set on this record.")]})
    return access.get_visible_or_404(actor, model, record_id)


def record_of(reminder: Reminder) -> Model | None:
    try:
        return reminder.record
    except Exception:  # the record's model is gone or its id is malformed
        return None


# --- services -------------------------------------------------------------------------


def _start(record: Model, remind_at: datetime | None, offset_minutes: int | None) -> datetime:
    if offset_minutes is not None:
        due = due_time(record)
        if due is None:
            raise ValidationError(
                {"offset_minutes": [_("This record has no due time to remind before.")]}
            )
        return due - timedelta(minutes=offset_minutes)
    assert remind_at is not None
    return remind_at


def _validate(
    *,
    remind_at: datetime | None,
    offset_minutes: int | None,
    repeat_minutes: int | None,
    valid_until: datetime | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if remind_at is None and offset_minutes is None:
        errors["remind_at"] = [_("Give a time or the minutes before the due time.")]
    if remind_at is not None and offset_minutes is not None:
        errors["offset_minutes"] = [_("Give either a time or the minutes before, not both.")]
    if remind_at is not None and timezone.is_naive(remind_at):
        errors["remind_at"] = [_("The time needs a time zone.")]
    if offset_minutes is not None and not 0 <= offset_minutes <= MAX_MINUTES:
        errors["offset_minutes"] = [_("Between 0 minutes and a year.")]
    if repeat_minutes is not None and not 1 <= repeat_minutes <= MAX_MINUTES:
        errors["repeat_minutes"] = [_("Repeat every 1 minute to every year.")]
    if errors:
        raise ValidationError(errors)


def reminder_create(
    *,
    actor: User,
    record: Model,
    remind_at: datetime | None = None,
    offset_minutes: int | None = None,
    repeat_minutes: int | None = None,
    valid_until: datetime | None = None,
    note: str = "",
) -> Reminder:
    """A reminder for the actor about a record the actor can see."""
    record = access.get_visible_or_404(actor, type(record), record.pk)
    _validate(
        remind_at=remind_at,
        offset_minutes=offset_minutes,
        repeat_minutes=repeat_minutes,
        valid_until=valid_until,
    )
    start = _start(record, remind_at, offset_minutes)
    if valid_until is not None and valid_until < start:
        raise ValidationError({"valid_until": [_("Must not be before the first reminder.")]})
    return Reminder.objects.create(
        user=actor,
        content_type=ContentType.objects.get_for_model(record),
        object_id=str(record.pk),
        remind_at=remind_at,
        offset_minutes=offset_minutes,
        repeat_minutes=repeat_minutes or None,
        valid_until=valid_until,
        note=(note or "").strip()[:2000],
        next_at=start,
    )


_UNSET: Any = object()


def reminder_update(
    *,
    actor: User,
    reminder: Reminder,
    remind_at: datetime | None = _UNSET,
    offset_minutes: int | None = _UNSET,
    repeat_minutes: int | None = _UNSET,
    valid_until: datetime | None = _UNSET,
    note: str = _UNSET,
) -> Reminder:
    """Change a reminder's times or note; a changed time re-arms it."""
    reminder = access.get_visible_or_404(actor, Reminder, reminder.pk)
    record = record_of(reminder)
    if record is None:
        raise Http404
    values: dict[str, Any] = {
        "remind_at": reminder.remind_at if remind_at is _UNSET else remind_at,
        "offset_minutes": reminder.offset_minutes if offset_minutes is _UNSET else offset_minutes,
        "repeat_minutes": reminder.repeat_minutes if repeat_minutes is _UNSET else repeat_minutes,
        "valid_until": reminder.valid_until if valid_until is _UNSET else valid_until,
    }
    if remind_at is not _UNSET and remind_at is not None and offset_minutes is _UNSET:
        values["offset_minutes"] = None
    if offset_minutes is not _UNSET and offset_minutes is not None and remind_at is _UNSET:
        values["remind_at"] = None
    _validate(**values)
    start = _start(record, values["remind_at"], values["offset_minutes"])
    if values["valid_until"] is not None and values["valid_until"] < start:
        raise ValidationError({"valid_until": [_("Must not be before the first reminder.")]})
    times_changed = any(
        getattr(reminder, name) != value for name, value in values.items() if name != "valid_until"
    )
    for name, value in values.items():
        setattr(reminder, name, value)
    if note is not _UNSET:
        reminder.note = (note or "").strip()[:2000]
    if times_changed:
        reminder.next_at = start
        reminder.state = ReminderState.ACTIVE
    reminder.updated_at = timezone.now()
    reminder.save()
    return reminder


def _postpone(actor: User, reminder: Reminder, minutes: int, state: str) -> Reminder:
    reminder = access.get_visible_or_404(actor, Reminder, reminder.pk)
    if not 1 <= int(minutes) <= MAX_MINUTES:
        raise ValidationError({"minutes": [_("Between 1 minute and a year.")]})
    reminder.next_at = timezone.now() + timedelta(minutes=int(minutes))
    reminder.state = state
    reminder.updated_at = timezone.now()
    reminder.save(update_fields=["next_at", "state", "updated_at"])
    return reminder


def reminder_snooze(*, actor: User, reminder: Reminder, minutes: int) -> Reminder:
    """Put the next reminder off by ``minutes`` (a repeat keeps its cadence afterwards)."""
    return _postpone(actor, reminder, minutes, ReminderState.SNOOZED)


def reminder_again(*, actor: User, reminder: Reminder, minutes: int) -> Reminder:
    """Remind me again in ...: re-arm a reminder (also a fired or dismissed one)."""
    return _postpone(actor, reminder, minutes, ReminderState.ACTIVE)


def reminder_dismiss(*, actor: User, reminder: Reminder) -> Reminder:
    """Stop a reminder (and its repeats)."""
    reminder = access.get_visible_or_404(actor, Reminder, reminder.pk)
    reminder.state = ReminderState.DISMISSED
    reminder.next_at = None
    reminder.updated_at = timezone.now()
    reminder.save(update_fields=["state", "next_at", "updated_at"])
    return reminder


def reminder_delete(*, actor: User, reminder: Reminder) -> None:
    access.get_visible_or_404(actor, Reminder, reminder.pk).delete()


def reminders_sync_record(*, record: Model) -> int:
    """Re-time the "N minutes before" reminders of a record whose due time moved
    (the planner calls this when an event or a task deadline changes)."""
    due = due_time(record)
    changed = 0
    pending = Reminder.objects.filter(
        content_type=ContentType.objects.get_for_model(record),
        object_id=str(record.pk),
        offset_minutes__isnull=False,
        state=ReminderState.ACTIVE,
        fired_count=0,
    )
    for reminder in pending:
        if due is None:
            continue
        start = due - timedelta(minutes=reminder.offset_minutes or 0)
        if reminder.next_at != start:
            reminder.next_at = start
            reminder.save(update_fields=["next_at"])
            changed += 1
    return changed


# --- firing ---------------------------------------------------------------------------


def _next_occurrence(reminder: Reminder, record: Model, now: datetime) -> datetime | None:
    """The first regular repeat after ``now`` (cadence from the first time), or None."""
    if not reminder.repeat_minutes:
        return None
    step = timedelta(minutes=reminder.repeat_minutes)
    try:
        first = _start(record, reminder.remind_at, reminder.offset_minutes)
    except ValidationError:
        first = reminder.next_at or now
    following = first if first > now else first + ((now - first) // step + 1) * step
    if reminder.valid_until is not None and following > reminder.valid_until:
        return None
    return following


def _reminder_text(reminder: Reminder, record: Model) -> tuple[str, str]:
    user = reminder.user
    with (
        translation.override(user.language or settings.LANGUAGE_CODE),
        timezone.override(user.time_zone or "UTC"),
    ):
        title = _("Reminder: %(record)s") % {"record": record}
        lines = [reminder.note] if reminder.note else []
        due = due_time(record)
        if due is not None:
            when = formats.date_format(timezone.localtime(due), "DATETIME_FORMAT")
            lines.append(_("Due: %(when)s") % {"when": when})
    return title, "\n".join(lines)


def _record_url(record: Model) -> str:
    """The record's page, or else its reminders page (which names the record)."""
    if hasattr(record, "get_absolute_url"):
        return record.get_absolute_url()
    content_type = ContentType.objects.get_for_model(record)
    return reverse("core:reminder_widget", args=[content_type.pk, str(record.pk)])


def _still_visible(user: User, record: Model) -> bool:
    if getattr(record, "deleted_at", None) is not None:
        return False
    model = type(record)
    return (
        not access.has_rule(model) or access.visible_to(user, model).filter(pk=record.pk).exists()
    )


def _fire(reminder: Reminder, now: datetime) -> bool:
    record = record_of(reminder)
    user = reminder.user
    if record is None or not _still_visible(user, record):
        # The record went to the trash or out of the user's scope: nothing to remind of.
        reminder.state = ReminderState.DONE
        reminder.next_at = None
        reminder.save(update_fields=["state", "next_at"])
        return False
    if reminder.offset_minutes is not None and reminder.fired_count == 0:
        start = _start(record, None, reminder.offset_minutes)
        if start > now and reminder.state == ReminderState.ACTIVE:
            reminder.next_at = start  # the due time moved later
            reminder.save(update_fields=["next_at"])
            return False
    occurrence = reminder.next_at or now
    fired = False
    if reminder.valid_until is None or occurrence <= reminder.valid_until:
        title, body = _reminder_text(reminder, record)
        url = _record_url(record)
        notify(
            user=user,
            kind="reminder",
            title=title,
            body=body,
            url=url,
            record=record,
            dedupe_key=f"reminder:{reminder.pk}:{occurrence.isoformat()}",
        )
        reminder.last_fired_at = now
        reminder.fired_count += 1
        fired = True
    following = _next_occurrence(reminder, record, now)
    reminder.next_at = following
    reminder.state = ReminderState.ACTIVE if following else ReminderState.DONE
    reminder.save(update_fields=["next_at", "state", "last_fired_at", "fired_count"])
    return fired


def reminders_fire_due(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Fire every reminder due by ``now``; answers how many notified. Safe to run twice
    or in parallel: each reminder is locked and re-checked, each firing deduplicated."""
    now = now or timezone.now()
    due = Reminder.objects.filter(state__in=PENDING, next_at__lte=now).order_by("next_at")
    fired = 0
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        try:
            with transaction.atomic():
                reminder = (
                    Reminder.objects.select_for_update()
                    .select_related("user")
                    .filter(pk=pk, state__in=PENDING, next_at__lte=now)
                    .first()
                )
                if reminder is not None:
                    fired += _fire(reminder, now)
        except Exception:
            log.exception("Reminder %s could not fire", pk)
    return fired


@shared_task(name="core.fire_due_reminders")
def fire_due_reminders() -> int:
    """Beat (every minute): fire the reminders that are due."""
    return reminders_fire_due()


# --- reading --------------------------------------------------------------------------


def reminders_for(
    *, actor: User, record: Model | None = None, state: str = ""
) -> QuerySet[Reminder]:
    """The actor's reminders (of one record), pending first, soonest first."""
    qs = access.visible_to(actor, Reminder).select_related("content_type")
    if record is not None:
        qs = qs.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=str(record.pk)
        )
    if state:
        qs = qs.filter(state=state)
    return qs


def reminder_get(*, actor: User, pk: Any) -> Reminder:
    return access.get_visible_or_404(actor, Reminder, pk)
