"""Serializers of the planner API: parse input for the services, present records
(private events of others as "busy" only)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rapport.core import access
from rapport.core.models import Department, User
from rapport.parties.models import Client

from ..access import event_details
from ..models import Event, Resource, TaskPriority, TaskStatus


@extend_schema_field(OpenApiTypes.UUID)
class _Users(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return User.objects.filter(is_active=True)


@extend_schema_field(OpenApiTypes.UUID)
class _Clients(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return access.visible_to(self.context["request"].user, Client)


class ResourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Resource
        fields = ["id", "name", "kind", "location", "capacity", "is_active"]


class EventSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    location = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    start = serializers.DateTimeField(help_text="ISO 8601 with offset; answered in UTC.")
    end = serializers.DateTimeField(help_text="ISO 8601 with offset; after start.")
    all_day = serializers.BooleanField(required=False, default=False)
    time_zone = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="IANA name; recurrences repeat in it (default: the organiser's).",
    )
    rrule = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=10.",
    )
    exdates = serializers.ListField(
        child=serializers.DateTimeField(),
        required=False,
        default=list,
        help_text="Original starts of removed occurrences (EXDATE).",
    )
    participants = _Users(many=True, required=False, default=list)
    resource = serializers.PrimaryKeyRelatedField(
        queryset=Resource.objects.all(), required=False, allow_null=True, default=None
    )
    is_private = serializers.BooleanField(required=False, default=False)
    client = _Clients(required=False, allow_null=True, default=None)
    organiser = serializers.UUIDField(source="organiser_id", read_only=True)
    busy_only = serializers.SerializerMethodField()
    allow_conflicts = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Save even though participants are busy (a booked resource always refuses).",
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_busy_only(self, event: Event) -> bool:
        return not event_details(self.context["request"].user, event)

    def to_representation(self, event: Event) -> dict[str, Any]:
        data = super().to_representation(event)
        data["participants"] = [str(p.user_id) for p in event.attendance.all()]
        if data["busy_only"]:
            data.update(title=_("Busy"), description="", location="", client=None, participants=[])
        return data


class OccurrenceSerializer(serializers.Serializer):
    event = serializers.UUIDField()
    title = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    recurrence_id = serializers.DateTimeField()
    busy_only = serializers.BooleanField()


class MoveSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    occurrence = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Original start of the one occurrence of a series to move.",
    )
    allow_conflicts = serializers.BooleanField(required=False, default=False)


class TaskSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(max_length=300, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    author = serializers.UUIDField(source="author_id", read_only=True)
    executor = _Users(required=False, allow_null=True, default=None)
    executor_department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True, default=None
    )
    deadline = serializers.DateTimeField(required=False, allow_null=True, default=None)
    priority = serializers.ChoiceField(
        choices=TaskPriority.choices, required=False, default=TaskPriority.NORMAL
    )
    status = serializers.CharField(
        read_only=True, help_text="One of: " + ", ".join(TaskStatus.values) + "."
    )
    client = _Clients(required=False, allow_null=True, default=None)
    event = serializers.UUIDField(source="event_id", read_only=True, allow_null=True)
    completed_at = serializers.DateTimeField(read_only=True)
    accepted_at = serializers.DateTimeField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    checklist = serializers.ListField(
        child=serializers.CharField(max_length=300), write_only=True, required=False, default=list
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class TaskEditSerializer(TaskSerializer):
    """PUT/PATCH change the fields; the executor changes through ``reassign``."""

    executor = serializers.UUIDField(source="executor_id", read_only=True)
    executor_department = serializers.UUIDField(source="executor_department_id", read_only=True)
    checklist = None  # type: ignore[assignment]


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ReassignSerializer(serializers.Serializer):
    executor = _Users(required=False, allow_null=True, default=None)
    executor_department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True, default=None
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
