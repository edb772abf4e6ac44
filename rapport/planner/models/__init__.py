"""Models of the planner: calendar events, resources, working schedules, feeds, tasks."""

from .calendar import (
    CalendarFeedToken,
    Event,
    EventOverride,
    EventParticipant,
    Resource,
    ResourceKind,
    ResponseState,
    WorkingSchedule,
)
from .tasks import (
    ChecklistItem,
    Task,
    TaskComment,
    TaskEvent,
    TaskEventKind,
    TaskPriority,
    TaskStatus,
)

__all__ = [
    "CalendarFeedToken",
    "ChecklistItem",
    "Event",
    "EventOverride",
    "EventParticipant",
    "Resource",
    "ResourceKind",
    "ResponseState",
    "Task",
    "TaskComment",
    "TaskEvent",
    "TaskEventKind",
    "TaskPriority",
    "TaskStatus",
    "WorkingSchedule",
]
