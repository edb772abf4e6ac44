"""Writes of tasks (control of execution): create, edit, the status workflow
new → in progress → done → accepted / returned, reassignment, checklist, comments and
reserving time in the calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import access
from rapport.core.access import require_writer as _require_writer
from rapport.core.history import mark_actor
from rapport.core.models import Department, User
from rapport.core.reminders import reminders_sync_record
from rapport.core.services import record_restore, record_trash
from rapport.parties.models import Client

from ..access import is_executor
from ..models import (
    ChecklistItem,
    Event,
    Task,
    TaskComment,
    TaskEvent,
    TaskEventKind,
    TaskPriority,
    TaskStatus,
)
from .events import event_create, event_update

EDITABLE_FIELDS = ("title", "description", "deadline", "priority", "client")


def _require_edit(actor: User, task: Task) -> None:
    if not access.can_edit(actor, task):
        raise PermissionDenied(_("Only the author of the task (or their head) may do that."))


def _require_executor(actor: User, task: Task) -> None:
    _require_writer(actor)
    if not (is_executor(actor, task) or access.can_edit(actor, task)):
        raise PermissionDenied(_("Only the executor may do that."))


def _notify(**kwargs: Any) -> None:
    from rapport.core.notifications import notify

    notify(**kwargs)


def _url(task: Task) -> str:
    return reverse("planner:task_detail", kwargs={"pk": task.pk})


def _executors(task: Task) -> list[User]:
    if task.executor is not None:  # no query when there is no executor
        return [task.executor]
    if task.executor_department_id is not None:
        return list(User.objects.filter(department=task.executor_department_id, is_active=True))
    return []


def _log(task: Task, actor: User, kind: str, **fields: Any) -> TaskEvent:
    return TaskEvent.objects.create(task=task, actor=actor, kind=kind, **fields)


def _save(task: Task, actor: User, *fields: str) -> None:
    task.updated_at = timezone.now()
    mark_actor(task, actor)
    task.save(update_fields=[*fields, "updated_at"] if fields else None)


def _clean(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if "title" in data:
        data["title"] = (data["title"] or "").strip()
        if not data["title"]:
            errors["title"] = [_("Give the task a title.")]
    deadline = data.get("deadline")
    if isinstance(deadline, dt.datetime) and timezone.is_naive(deadline):
        errors["deadline"] = [_("Give the time with its offset or time zone.")]
    if "priority" in data and data["priority"] not in TaskPriority.values:
        errors["priority"] = [_("Unknown priority.")]
    client = data.get("client")
    if client is not None and not access.visible_to(actor, Client).filter(pk=client.pk).exists():
        errors["client"] = [_("Unknown client.")]
    if errors:
        raise ValidationError(errors)
    return data


def _check_executor(executor: User | None, department: Department | None) -> None:
    if executor is None and department is None:
        raise ValidationError({"executor": [_("Choose the executor: a user or a department.")]})
    if executor is not None and not executor.is_active:
        raise ValidationError({"executor": [_("This user is not active.")]})


def _notify_new(task: Task, actor: User) -> None:
    for user in _executors(task):
        if user.pk == actor.pk:
            continue
        _notify(
            user=user,
            kind="task_new",
            title=_("New task: %(title)s") % {"title": task.title},
            body=_("From %(author)s.") % {"author": task.author},
            url=_url(task),
            record=task,
            dedupe_key=f"task_new:{task.pk}:{user.pk}:{task.log.count()}",
        )


@transaction.atomic
def task_create(
    *,
    actor: User,
    title: str,
    description: str = "",
    executor: User | None = None,
    executor_department: Department | None = None,
    deadline: dt.datetime | None = None,
    priority: int = TaskPriority.NORMAL,
    client: Client | None = None,
    record: Model | None = None,
    checklist: Iterable[str] = (),
) -> Task:
    """Give a task; its executor (or the executor department's members) is notified.
    Without an executor the task is the author's own."""
    _require_writer(actor)
    data = _clean(
        actor,
        {
            "title": title,
            "description": description,
            "deadline": deadline,
            "priority": priority,
            "client": client,
        },
    )
    if executor is None and executor_department is None:
        executor = actor
    _check_executor(executor, executor_department)
    task = Task(
        author=actor,
        created_by=actor,
        executor=executor,
        executor_department=None if executor is not None else executor_department,
        **data,
    )
    if record is not None:
        if isinstance(record, Client):
            task.client = record
        elif (
            access.has_rule(type(record))
            and access.visible_to(actor, type(record)).filter(pk=record.pk).exists()
        ):
            task.content_type = ContentType.objects.get_for_model(record)
            task.object_id = str(record.pk)
        else:
            raise ValidationError({"record": [_("Unknown record.")]})
    mark_actor(task, actor)
    task.save()
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(task=task, text=text.strip()[:300], position=i)
            for i, text in enumerate(checklist)
            if text and text.strip()
        ]
    )
    _log(task, actor, TaskEventKind.CREATED, to_user=executor, to_department=executor_department)
    _notify_new(task, actor)
    return task


@transaction.atomic
def task_update(*, actor: User, task: Task, **changes: Any) -> Task:
    """Change the title, description, deadline, priority or client (author or heads)."""
    _require_edit(actor, task)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    data = _clean(actor, dict(changes))
    changed = [name for name, value in data.items() if getattr(task, name) != value]
    for name in changed:
        setattr(task, name, data[name])
    if changed:
        _save(task, actor, *changed)
        _log(task, actor, TaskEventKind.EDITED, note=", ".join(changed))
    if "deadline" in changed:
        reminders_sync_record(record=task)  # "N minutes before" follows the deadline
    return task


def _transition(task: Task, allowed: Iterable[str], target: str) -> None:
    if task.status not in allowed:
        raise ValidationError(
            {
                "status": [
                    _("A task that is “%(status)s” cannot become “%(target)s”.")
                    % {"status": task.get_status_display(), "target": TaskStatus(target).label}
                ]
            }
        )
    task.status = target


@transaction.atomic
def task_start(*, actor: User, task: Task) -> Task:
    _require_executor(actor, task)
    _transition(task, [TaskStatus.NEW], TaskStatus.IN_PROGRESS)
    if task.executor_id is None:  # a department member takes it
        task.executor = actor
    _save(task, actor, "status", "executor")
    _log(task, actor, TaskEventKind.STARTED)
    return task


@transaction.atomic
def task_complete(*, actor: User, task: Task, comment: str = "") -> Task:
    """The executor reports the task done; the author is asked to accept it."""
    _require_executor(actor, task)
    _transition(task, [TaskStatus.NEW, TaskStatus.IN_PROGRESS], TaskStatus.DONE)
    if task.executor_id is None:
        task.executor = actor
    task.completed_at = timezone.now()
    _save(task, actor, "status", "executor", "completed_at")
    if comment.strip():
        TaskComment.objects.create(task=task, author=actor, text=comment.strip())
    _log(task, actor, TaskEventKind.DONE, note=comment.strip())
    if task.author_id != actor.pk:
        _notify(
            user=task.author,
            kind="task_done",
            title=_("Done: %(title)s") % {"title": task.title},
            body=_("%(who)s reports the task done; check and accept it.") % {"who": actor},
            url=_url(task),
            record=task,
            dedupe_key=f"task_done:{task.pk}:{task.completed_at.isoformat()}",
        )
    return task


@transaction.atomic
def task_accept(*, actor: User, task: Task) -> Task:
    """The author checks the result and accepts it."""
    _require_writer(actor)
    _require_edit(actor, task)
    _transition(task, [TaskStatus.DONE], TaskStatus.ACCEPTED)
    task.accepted_at = timezone.now()
    _save(task, actor, "status", "accepted_at")
    _log(task, actor, TaskEventKind.ACCEPTED)
    return task


@transaction.atomic
def task_return(*, actor: User, task: Task, comment: str) -> Task:
    """The author returns a done task for rework (back to in progress), saying why."""
    _require_writer(actor)
    _require_edit(actor, task)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("Say what is to be redone.")]})
    _transition(task, [TaskStatus.DONE], TaskStatus.IN_PROGRESS)
    task.completed_at = None
    _save(task, actor, "status", "completed_at")
    TaskComment.objects.create(task=task, author=actor, text=comment)
    entry = _log(task, actor, TaskEventKind.RETURNED, note=comment)
    for user in _executors(task):
        _notify(
            user=user,
            kind="task_returned",
            title=_("Returned: %(title)s") % {"title": task.title},
            body=comment,
            url=_url(task),
            record=task,
            dedupe_key=f"task_returned:{task.pk}:{entry.pk}",
        )
    return task


@transaction.atomic
def task_reassign(
    *,
    actor: User,
    task: Task,
    executor: User | None = None,
    executor_department: Department | None = None,
    note: str = "",
) -> Task:
    """Give the task to another user or department; the log keeps who had it before."""
    _require_edit(actor, task)
    _check_executor(executor, executor_department)
    if task.status == TaskStatus.ACCEPTED:
        raise ValidationError({"status": [_("An accepted task is closed.")]})
    before_user, before_department = task.executor, task.executor_department
    task.executor = executor
    task.executor_department = None if executor is not None else executor_department
    if task.status == TaskStatus.IN_PROGRESS and executor is None:
        task.status = TaskStatus.NEW
    _save(task, actor, "executor", "executor_department", "status")
    _log(
        task,
        actor,
        TaskEventKind.REASSIGNED,
        from_user=before_user,
        to_user=task.executor,
        from_department=before_department,
        to_department=task.executor_department,
        note=note.strip(),
    )
    _notify_new(task, actor)
    return task


def task_comment_add(*, actor: User, task: Task, text: str) -> TaskComment:
    _require_writer(actor)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write the comment.")]})
    return TaskComment.objects.create(task=task, author=actor, text=text)


def checklist_item_add(*, actor: User, task: Task, text: str) -> ChecklistItem:
    _require_executor(actor, task)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write the item.")]})
    last = task.checklist.aggregate(m=Max("position"))["m"]
    return ChecklistItem.objects.create(
        task=task, text=text[:300], position=0 if last is None else last + 1
    )


def checklist_item_toggle(*, actor: User, item: ChecklistItem) -> ChecklistItem:
    _require_executor(actor, item.task)
    item.is_done = not item.is_done
    item.done_by = actor if item.is_done else None
    item.done_at = timezone.now() if item.is_done else None
    item.save(update_fields=["is_done", "done_by", "done_at"])
    return item


def checklist_item_delete(*, actor: User, item: ChecklistItem) -> None:
    _require_executor(actor, item.task)
    item.delete()


@transaction.atomic
def task_reserve_time(*, actor: User, task: Task, start: dt.datetime, end: dt.datetime) -> Event:
    """Reserve time for the task in the calendar: an event organised by ``actor`` and
    linked to the task (moved if the task already reserved some)."""
    _require_executor(actor, task)
    reserved = task.event  # no query when there is no event
    if reserved is not None and reserved.deleted_at is None and access.can_edit(actor, reserved):
        return event_update(actor=actor, event=reserved, start=start, end=end)
    event = event_create(
        actor=actor,
        title=task.title,
        start=start,
        end=end,
        client=task.client,
        record=task,
        description=task.description,
    )
    task.event = event
    _save(task, actor, "event")
    return event


def task_trash(*, actor: User, task: Task) -> None:
    _require_edit(actor, task)
    record_trash(actor=actor, record=task)


def task_restore(*, actor: User, task: Task) -> None:
    record_restore(actor=actor, record=task)
