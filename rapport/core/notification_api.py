"""``/api/v1/reminders/`` and ``/api/v1/notifications/``: the caller's own, nobody else's."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import notifications, reminders
from .api import AllowListOrderingFilter
from .models import Notification, Reminder, ReminderState

# --- reminders ------------------------------------------------------------------------


class RecordTypeField(serializers.CharField):
    """The record's model as "app_label.model" (read from the content type)."""

    def get_attribute(self, instance: Any) -> Any:
        content_type = instance.content_type
        return f"{content_type.app_label}.{content_type.model}" if content_type else None


class ReminderSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    record_type = RecordTypeField(
        max_length=100, help_text=_("The record's model, e.g. “parties.client”.")
    )
    record_id = serializers.CharField(max_length=64, source="object_id")
    record_label = serializers.SerializerMethodField()
    remind_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("When to remind (ISO 8601 with offset).")
    )
    offset_minutes = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text=_("Instead of remind_at: minutes before the record's due time."),
    )
    repeat_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    valid_until = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    state = serializers.ChoiceField(choices=ReminderState.choices, read_only=True)
    next_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_fired_at = serializers.DateTimeField(read_only=True, allow_null=True)
    fired_count = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    def get_record_label(self, reminder: Reminder) -> str:
        record = reminders.record_of(reminder)
        return str(record) if record is not None else ""


class ReminderUpdateSerializer(ReminderSerializer):
    record_type = RecordTypeField(read_only=True)
    record_id = serializers.CharField(read_only=True, source="object_id")


class LaterSerializer(serializers.Serializer):
    minutes = serializers.IntegerField(min_value=1, max_value=reminders.MAX_MINUTES)


class ReminderListQuery(serializers.Serializer):
    state = serializers.ChoiceField(choices=ReminderState.choices, required=False)
    record_type = serializers.CharField(required=False)
    record_id = serializers.CharField(required=False)
    due_after = serializers.DateTimeField(required=False, help_text=_("next_at at or after"))
    due_before = serializers.DateTimeField(required=False, help_text=_("next_at before"))


@extend_schema_view(
    list=extend_schema(parameters=[ReminderListQuery]),
    create=extend_schema(
        responses={201: ReminderSerializer},
        description="A reminder on a record the caller can see (404 otherwise).",
    ),
    update=extend_schema(request=ReminderUpdateSerializer),
    partial_update=extend_schema(request=ReminderUpdateSerializer),
)
class ReminderViewSet(viewsets.GenericViewSet):
    """The caller's reminders on any record."""

    serializer_class = ReminderSerializer
    filter_backends = [AllowListOrderingFilter]
    ordering = ("-created_at", "-id")
    ordering_map = {"created_at": "created_at"}
    lookup_value_converter = "uuid"
    queryset = Reminder.objects.none()

    def get_queryset(self):
        query = ReminderListQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        qs = reminders.reminders_for(actor=self.request.user, state=params.get("state", ""))
        if params.get("record_type"):
            app_label, _dot, model = params["record_type"].lower().partition(".")
            qs = qs.filter(content_type__app_label=app_label, content_type__model=model)
        if params.get("record_id"):
            qs = qs.filter(object_id=params["record_id"])
        if params.get("due_after"):
            qs = qs.filter(next_at__gte=params["due_after"])
        if params.get("due_before"):
            qs = qs.filter(next_at__lt=params["due_before"])
        return qs.prefetch_related("record")

    def _reminder(self) -> Reminder:
        return reminders.reminder_get(actor=self.request.user, pk=self.kwargs["pk"])

    def _answer(self, reminder: Reminder, code: int = status.HTTP_200_OK) -> Response:
        return Response(ReminderSerializer(reminder).data, status=code)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ReminderSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return self._answer(self._reminder())

    def create(self, request):
        form = ReminderSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        record = reminders.record_by_type(
            actor=request.user, type_name=data.pop("record_type"), record_id=data.pop("object_id")
        )
        reminder = reminders.reminder_create(actor=request.user, record=record, **data)
        return self._answer(reminder, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        reminder = self._reminder()
        form = ReminderUpdateSerializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        reminder = reminders.reminder_update(
            actor=request.user, reminder=reminder, **form.validated_data
        )
        return self._answer(reminder)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request, pk=None):
        reminders.reminder_delete(actor=request.user, reminder=self._reminder())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=LaterSerializer, responses=ReminderSerializer)
    @action(detail=True, methods=["post"])
    def snooze(self, request, pk=None):
        """Put the next reminder off by ``minutes``."""
        form = LaterSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._answer(
            reminders.reminder_snooze(
                actor=request.user, reminder=self._reminder(), **form.validated_data
            )
        )

    @extend_schema(request=LaterSerializer, responses=ReminderSerializer)
    @action(detail=True, methods=["post"])
    def again(self, request, pk=None):
        """“Remind me again in ``minutes``” (also after the reminder fired or was dismissed)."""
        form = LaterSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._answer(
            reminders.reminder_again(
                actor=request.user, reminder=self._reminder(), **form.validated_data
            )
        )

    @extend_schema(request=None, responses=ReminderSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Stop the reminder and its repeats."""
        return self._answer(
            reminders.reminder_dismiss(actor=request.user, reminder=self._reminder())
        )


# --- notifications --------------------------------------------------------------------


class NotificationSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    kind = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True)
    record_type = RecordTypeField(read_only=True, allow_null=True)
    record_id = serializers.CharField(source="object_id", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    read_at = serializers.DateTimeField(read_only=True, allow_null=True)


class NotificationListQuery(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False)
    kind = serializers.CharField(required=False, default="")


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class UnreadSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


@extend_schema_view(list=extend_schema(parameters=[NotificationListQuery]))
class NotificationViewSet(viewsets.GenericViewSet):
    """The caller's notifications (those shown in the browser), newest first."""

    serializer_class = NotificationSerializer
    filter_backends: list[Any] = []
    lookup_value_converter = "uuid"
    queryset = Notification.objects.none()

    def get_queryset(self):
        query = NotificationListQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return notifications.notifications_for(
            actor=self.request.user, **query.validated_data
        ).select_related("content_type")

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        notification = notifications.notification_get(actor=request.user, pk=pk)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification read."""
        notification = notifications.notification_get(actor=request.user, pk=pk)
        notification = notifications.notification_mark_read(
            actor=request.user, notification=notification
        )
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every notification of the caller read; answers how many were unread."""
        return Response({"marked": notifications.notifications_mark_all_read(actor=request.user)})

    @extend_schema(responses=UnreadSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        """How many notifications are unread (what the bell shows)."""
        return Response({"unread": notifications.unread_count(actor=request.user)})
