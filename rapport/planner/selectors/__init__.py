"""Reads of the planner, scoped through rapport.core.access."""

from .calendar import (
    Conflict,
    calendar_entries,
    event_get,
    event_list,
    event_occurrences,
    feed_events,
    find_conflicts,
    next_occurrence_start,
    resource_list,
    schedule_for,
    upcoming_events_for_client,
    users_for_overlay,
)
from .tasks import (
    DisciplineRow,
    discipline_report,
    task_get,
    task_list,
    tasks_for_client,
)

__all__ = [
    "Conflict",
    "DisciplineRow",
    "calendar_entries",
    "discipline_report",
    "event_get",
    "event_list",
    "event_occurrences",
    "feed_events",
    "find_conflicts",
    "next_occurrence_start",
    "resource_list",
    "schedule_for",
    "task_get",
    "task_list",
    "tasks_for_client",
    "upcoming_events_for_client",
    "users_for_overlay",
]
