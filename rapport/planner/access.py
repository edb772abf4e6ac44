"""Visibility rules of the planner, registered with rapport.core.access.

Events: a user sees the events they organise or take part in; heads see those of their
department's users; directors, administrators and read-only users with the "all" grant
see every event. Private events of others show as "busy" only (see ``event_details``).
Tasks: the author, the executor, the members of the executor department, their heads,
directors and administrators.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from rapport.core import access
from rapport.core.models import ReadScope, Role, User

from .models import CalendarFeedToken, Event, EventParticipant, Resource, Task, WorkingSchedule


def _participating(user_ids: Any) -> Q:
    return Q(pk__in=EventParticipant.objects.filter(user__in=user_ids).values("event_id"))


def event_scope(actor: User) -> Q | None:
    """Events ``actor`` may see in full (subject to the private flag); None = all."""
    if actor.sees_everything:
        return None
    own = Q(organiser=actor.pk) | _participating([actor.pk])
    if actor.role == Role.READ_ONLY and actor.read_scope == ReadScope.ALL:
        return None
    if actor.role in (Role.HEAD, Role.READ_ONLY):
        subtree = access.department_subtree_ids(actor.department_id)
        members = User.objects.filter(department__in=subtree).values("pk")
        department = Q(organiser__department__in=subtree) | _participating(members)
        return department if actor.role == Role.READ_ONLY else own | department
    return own


def _events_visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    scope = event_scope(actor)
    return qs if scope is None else qs.filter(scope)


def event_details(actor: User, event: Event, participant_ids: set[Any] | None = None) -> bool:
    """Whether ``actor`` sees the title and details of a visible event (not just "busy")."""
    if not event.is_private:
        return True
    if event.organiser_id == actor.pk:
        return True
    if participant_ids is None:
        participant_ids = {p.user_id for p in event.attendance.all()}
    return actor.pk in participant_ids


def _event_editable(actor: User, event: Event) -> bool:
    if actor.sees_everything or event.organiser_id == actor.pk:
        return True
    if actor.role == Role.HEAD and event.organiser.department_id is not None:
        return event.organiser.department_id in access.department_subtree_ids(actor.department_id)
    return False


def task_scope(actor: User) -> Q | None:
    """Tasks ``actor`` may see; None = all."""
    if actor.sees_everything:
        return None
    if actor.role == Role.READ_ONLY and actor.read_scope == ReadScope.ALL:
        return None
    own = Q(author=actor.pk) | Q(executor=actor.pk)
    if actor.department_id is not None:
        own |= Q(executor_department=actor.department_id, executor__isnull=True)
    if actor.role in (Role.HEAD, Role.READ_ONLY):
        subtree = access.department_subtree_ids(actor.department_id)
        department = (
            Q(author__department__in=subtree)
            | Q(executor__department__in=subtree)
            | Q(executor_department__in=subtree)
        )
        return department if actor.role == Role.READ_ONLY else own | department
    return own


def _tasks_visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    scope = task_scope(actor)
    return qs if scope is None else qs.filter(scope)


def _task_editable(actor: User, task: Task) -> bool:
    """Who may change a task's fields, reassign or trash it: its author, heads over it,
    directors and administrators."""
    if actor.sees_everything or task.author_id == actor.pk:
        return True
    return (
        actor.role == Role.HEAD and _tasks_visible(actor, Task.objects.filter(pk=task.pk)).exists()
    )


def is_executor(actor: User, task: Task) -> bool:
    """The executor, or a member of the executor department of an unassigned task."""
    if task.executor_id is not None:
        return task.executor_id == actor.pk
    return task.executor_department_id is not None and (
        task.executor_department_id == actor.department_id
    )


def _everything(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs


def _own_feed(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(user=actor.pk)


def _resource_editable(actor: User, resource: Resource) -> bool:
    return actor.is_administrator


def _schedule_editable(actor: User, schedule: WorkingSchedule) -> bool:
    return actor.is_administrator or schedule.user_id == actor.pk


access.register(Event, visible=_events_visible, editable=_event_editable)
access.register(Task, visible=_tasks_visible, editable=_task_editable)
access.register(Resource, visible=_everything, editable=_resource_editable)
access.register(WorkingSchedule, visible=_everything, editable=_schedule_editable)
access.register(CalendarFeedToken, visible=_own_feed)
