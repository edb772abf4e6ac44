"""Calendar: events (possibly recurring), their participants and overridden occurrences,
rooms and other resources, working schedules and the secret iCalendar feed tokens."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rapport.core.ids import new_id
from rapport.core.models import BusinessRecord


class ResourceKind(models.TextChoices):
    ROOM = "room", _("Room")
    EQUIPMENT = "equipment", _("Equipment")
    VEHICLE = "vehicle", _("Vehicle")


class Resource(models.Model):
    """A meeting room, a projector, a car: something an event books exclusively."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=ResourceKind.choices, default=ResourceKind.ROOM
    )
    location = models.CharField(_("location"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return self.name


def default_weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]


class WorkingSchedule(models.Model):
    """A user's working days (0 = Monday) and hours, in the user's time zone."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_schedule"
    )
    weekdays = models.JSONField(_("working days"), default=default_weekdays)
    start_time = models.TimeField(_("working day starts"), default=dt.time(9, 0))
    end_time = models.TimeField(_("working day ends"), default=dt.time(18, 0))

    class Meta:
        verbose_name = _("working schedule")
        verbose_name_plural = _("working schedules")

    def __str__(self) -> str:
        return f"{self.user}: {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class Event(BusinessRecord):
    """A calendar entry. ``start``/``end`` are the first occurrence (stored in UTC);
    ``rrule`` (RFC 5545, without the ``RRULE:`` prefix) repeats it in ``time_zone``."""

    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    location = models.CharField(_("location"), max_length=300, blank=True)
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))
    all_day = models.BooleanField(_("all day"), default=False)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    rrule = models.CharField(_("repeats"), max_length=500, blank=True)
    # Original starts (UTC, ISO 8601) of the occurrences removed from the series (EXDATE).
    exdates = models.JSONField(_("exceptions"), default=list, blank=True)
    # End of the last occurrence; NULL for a series that repeats for ever.
    series_end = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="organised_events",
        verbose_name=_("organiser"),
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="EventParticipant",
        related_name="events",
        blank=True,
        verbose_name=_("participants"),
    )
    resource = models.ForeignKey(
        Resource,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("resource"),
    )
    is_private = models.BooleanField(
        _("private"), default=False, help_text=_("Others see only that you are busy.")
    )
    client = models.ForeignKey(
        "parties.Client",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        verbose_name=_("client"),
    )
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    record = GenericForeignKey("content_type", "object_id")

    history = HistoricalRecords(excluded_fields=["updated_at", "series_end"])

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["organiser", "start"], name="event_organiser_start")]

    def __str__(self) -> str:
        return self.title

    @property
    def duration(self) -> dt.timedelta:
        return self.end - self.start

    @property
    def is_recurring(self) -> bool:
        return bool(self.rrule)


class ResponseState(models.TextChoices):
    NEEDS_ACTION = "needs_action", _("No answer yet")
    ACCEPTED = "accepted", _("Accepted")
    TENTATIVE = "tentative", _("Maybe")
    DECLINED = "declined", _("Declined")


class EventParticipant(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendance"
    )
    response = models.CharField(
        _("response"),
        max_length=16,
        choices=ResponseState.choices,
        default=ResponseState.NEEDS_ACTION,
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="event_participant_unique")
        ]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_response_display()})"


class EventOverride(models.Model):
    """One occurrence of a series moved or retitled (iCalendar RECURRENCE-ID)."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="overrides")
    recurrence_id = models.DateTimeField(_("original start"))
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    title = models.CharField(_("title"), max_length=300, blank=True)

    class Meta:
        ordering = ["recurrence_id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "recurrence_id"], name="event_override_unique")
        ]
        verbose_name = _("changed occurrence")
        verbose_name_plural = _("changed occurrences")

    def __str__(self) -> str:
        return f"{self.event} @ {self.recurrence_id:%Y-%m-%d %H:%M}"


class CalendarFeedToken(models.Model):
    """The secret of a user's iCalendar feed URL; only its hash is stored."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user} ({self.prefix}…)"
