"""API of the planner: events (and their occurrences in a window), resources, tasks
with their workflow actions. Thin: selectors read (scoped), one service writes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from rapport.core.api import AllowListOrderingFilter

from .. import selectors, services
from ..access import event_details
from ..models import Event, Task
from .serializers import (
    CommentSerializer,
    EventSerializer,
    MoveSerializer,
    OccurrenceSerializer,
    ReassignSerializer,
    ResourceSerializer,
    TaskEditSerializer,
    TaskSerializer,
)

WINDOW = [
    OpenApiParameter("start", OpenApiTypes.DATETIME, description="Window start (ISO 8601)."),
    OpenApiParameter("end", OpenApiTypes.DATETIME, description="Window end (ISO 8601)."),
]
EVENT_FILTERS = [
    OpenApiParameter("user", OpenApiTypes.UUID, description="Events a user organises or attends."),
    OpenApiParameter("client", OpenApiTypes.UUID, description="Events linked to a client."),
    *WINDOW,
]


def _moment(params: Any, name: str, required: bool = False) -> Any:
    raw = params.get(name)
    if not raw:
        if required:
            raise ValidationError({name: ["This parameter is required."]})
        return None
    value = parse_datetime(raw.replace(" ", "+"))
    if value is None or value.tzinfo is None:
        raise ValidationError({name: ["Give an ISO 8601 date-time with offset."]})
    return value


class _Scoped(viewsets.GenericViewSet):
    filter_backends = [AllowListOrderingFilter]
    lookup_value_converter = "uuid"


@extend_schema_view(
    list=extend_schema(
        parameters=EVENT_FILTERS,
        description="Events in the caller's scope. With start/end: the series with an "
        "occurrence in the window (use `occurrences/` for the expanded occurrences). "
        "Private events of others answer `busy_only: true` with the title hidden.",
    ),
    create=extend_schema(responses={201: EventSerializer}),
    destroy=extend_schema(description="Moves the event to the trash."),
)
class EventViewSet(mixins.ListModelMixin, _Scoped):
    serializer_class = EventSerializer
    ordering = ("start", "id")
    ordering_map = {"start": "start", "created_at": "created_at", "updated_at": "updated_at"}

    def get_queryset(self):
        params = self.request.query_params
        return selectors.event_list(
            actor=self.request.user,
            user=params.get("user") or None,
            client=params.get("client") or None,
            start=_moment(params, "start"),
            end=_moment(params, "end"),
        )

    def _event(self, pk: Any) -> Event:
        return selectors.event_get(actor=self.request.user, pk=pk)

    def _respond(self, event: Event, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self._event(event.pk)).data, status=code)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self._event(pk)).data)

    def create(self, request):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        event = services.event_create(actor=request.user, **form.validated_data)
        return self._respond(event, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        event = self._event(pk)
        form = self.get_serializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        if partial:
            data = {k: v for k, v in data.items() if k in request.data}
        event = services.event_update(actor=request.user, event=event, **data)
        return self._respond(event)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request, pk=None):
        services.event_trash(actor=request.user, event=self._event(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=MoveSerializer, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move or resize the event, or one occurrence of a series (`occurrence`)."""
        event = self._event(pk)
        form = MoveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.event_move(actor=request.user, event=event, **form.validated_data)
        return self._respond(event)

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter("end", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter("user", OpenApiTypes.UUID),
            OpenApiParameter("client", OpenApiTypes.UUID),
        ],
        responses=OccurrenceSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def occurrences(self, request):
        """Every occurrence (recurrences expanded, exceptions and moved occurrences
        applied) of the events in scope within `[start, end)` — at most 400 days; not
        paginated, in start order."""
        params = request.query_params
        rows = selectors.event_occurrences(
            actor=request.user,
            start=_moment(params, "start", required=True),
            end=_moment(params, "end", required=True),
            user=params.get("user") or None,
            client=params.get("client") or None,
        )
        data = []
        for event, occ in rows:
            details = event_details(request.user, event)
            data.append(
                {
                    "event": event.pk,
                    "title": occ.title if details else "Busy",
                    "start": occ.start,
                    "end": occ.end,
                    "recurrence_id": occ.recurrence_id,
                    "busy_only": not details,
                }
            )
        return Response(OccurrenceSerializer(data, many=True).data)


class ResourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Scoped):
    """Rooms and other resources events book."""

    serializer_class = ResourceSerializer
    ordering = ("name", "id")
    ordering_map = {"name": "name"}

    def get_queryset(self):
        return selectors.resource_list(actor=self.request.user, active_only=False)


TASK_FILTERS = [
    OpenApiParameter("box", OpenApiTypes.STR, enum=["mine", "given", "overdue", "all"]),
    OpenApiParameter("status", OpenApiTypes.STR),
    OpenApiParameter("user", OpenApiTypes.UUID, description="Executor."),
    OpenApiParameter("author", OpenApiTypes.UUID),
    OpenApiParameter("client", OpenApiTypes.UUID),
    OpenApiParameter("start", OpenApiTypes.DATETIME, description="Deadline from."),
    OpenApiParameter("end", OpenApiTypes.DATETIME, description="Deadline before."),
]


@extend_schema_view(
    list=extend_schema(parameters=TASK_FILTERS),
    create=extend_schema(responses={201: TaskSerializer}),
    update=extend_schema(request=TaskEditSerializer, responses=TaskSerializer),
    partial_update=extend_schema(request=TaskEditSerializer, responses=TaskSerializer),
    destroy=extend_schema(description="Moves the task to the trash."),
)
class TaskViewSet(mixins.ListModelMixin, _Scoped):
    """Tasks visible to the caller: their author, executor, the executor department's
    members, their heads, directors and administrators."""

    serializer_class = TaskSerializer
    ordering = ("deadline", "id")
    ordering_map = {"deadline": "deadline", "created_at": "created_at", "priority": "priority"}

    def get_queryset(self):
        p = self.request.query_params
        return selectors.task_list(
            actor=self.request.user,
            box=p.get("box", "all"),
            status=p.get("status", ""),
            executor=p.get("user") or None,
            author=p.get("author") or None,
            client=p.get("client") or None,
            deadline_from=_moment(p, "start"),
            deadline_to=_moment(p, "end"),
        )

    def _task(self, pk: Any) -> Task:
        return selectors.task_get(actor=self.request.user, pk=pk)

    def _respond(self, task: Task, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            TaskSerializer(self._task(task.pk), context=self.get_serializer_context()).data,
            status=code,
        )

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self._task(pk)).data)

    def create(self, request):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        task = services.task_create(actor=request.user, **form.validated_data)
        return self._respond(task, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        task = self._task(pk)
        form = TaskEditSerializer(
            data=request.data, partial=partial, context=self.get_serializer_context()
        )
        form.is_valid(raise_exception=True)
        data = {k: v for k, v in form.validated_data.items() if not partial or k in request.data}
        services.task_update(actor=request.user, task=task, **data)
        return self._respond(task)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request, pk=None):
        services.task_trash(actor=request.user, task=self._task(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._respond(services.task_start(actor=request.user, task=self._task(pk)))

    @extend_schema(request=CommentSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        form = CommentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        task = services.task_complete(
            actor=request.user, task=self._task(pk), **form.validated_data
        )
        return self._respond(task)

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._respond(services.task_accept(actor=request.user, task=self._task(pk)))

    @extend_schema(request=CommentSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        """Return a done task for rework; `comment` is required."""
        form = CommentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        task = services.task_return(actor=request.user, task=self._task(pk), **form.validated_data)
        return self._respond(task)

    @extend_schema(request=ReassignSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        form = ReassignSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        task = services.task_reassign(
            actor=request.user, task=self._task(pk), **form.validated_data
        )
        return self._respond(task)
