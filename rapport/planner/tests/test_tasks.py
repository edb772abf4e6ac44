"""Tasks: workflow, notifications, reassignment history, reserve time, discipline report,
visibility."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rapport.core.models import Notification
from rapport.planner import selectors, services
from rapport.planner import tasks as beat
from rapport.planner.models import Task, TaskEvent, TaskStatus

H = dt.timedelta(hours=1)


def give(staff, **kw):
    kw.setdefault("title", "Call the client back")
    kw.setdefault("executor", staff.manager1)
    return services.task_create(actor=kw.pop("actor", staff.head), **kw)


def test_workflow_done_then_returned_then_accepted(staff):
    task = give(staff, deadline=timezone.now() + 24 * H, checklist=["Prepare", "Call"])
    assert task.status == TaskStatus.NEW and task.checklist.count() == 2
    assert Notification.objects.filter(user=staff.manager1, kind="task_new").count() == 1
    with pytest.raises(PermissionDenied):
        services.task_start(actor=staff.manager2, task=task)
    services.task_start(actor=staff.manager1, task=task)
    with pytest.raises(ValidationError) as info:
        services.task_accept(actor=staff.head, task=task)
    assert "status" in info.value.message_dict
    services.task_complete(actor=staff.manager1, task=task)
    assert task.status == TaskStatus.DONE and task.completed_at
    assert Notification.objects.filter(user=staff.head, kind="task_done").count() == 1
    with pytest.raises(PermissionDenied):
        services.task_accept(actor=staff.manager1, task=task)
    with pytest.raises(ValidationError) as info:
        services.task_return(actor=staff.head, task=task, comment="")
    assert "comment" in info.value.message_dict
    services.task_return(actor=staff.head, task=task, comment="Ask about the delivery too")
    assert task.status == TaskStatus.IN_PROGRESS and task.completed_at is None
    assert Notification.objects.filter(user=staff.manager1, kind="task_returned").count() == 1
    services.task_complete(actor=staff.manager1, task=task)
    services.task_accept(actor=staff.head, task=task)
    task.refresh_from_db()
    assert task.status == TaskStatus.ACCEPTED and task.accepted_at
    kinds = list(TaskEvent.objects.filter(task=task).values_list("kind", flat=True))
    assert kinds == ["created", "started", "done", "returned", "done", "accepted"]


def test_title_is_required(staff):
    with pytest.raises(ValidationError) as info:
        give(staff, title="  ")
    assert "title" in info.value.message_dict
    assert not Task.objects.exists()


def test_reassignment_keeps_history_and_department_tasks(staff):
    task = give(staff)
    services.task_reassign(
        actor=staff.head,
        task=task,
        executor=None,
        executor_department=staff.sales,
        note="Whoever is free",
    )
    entry = TaskEvent.objects.get(task=task, kind="reassigned")
    assert entry.from_user == staff.manager1 and entry.to_department == staff.sales
    assert task.history.count() >= 2
    # the department's members see it and one of them takes it
    assert selectors.task_list(actor=staff.manager2, box="mine").filter(pk=task.pk).exists()
    assert not selectors.task_list(actor=staff.manager3).filter(pk=task.pk).exists()
    services.task_start(actor=staff.manager2, task=task)
    assert task.executor == staff.manager2
    with pytest.raises(PermissionDenied):
        services.task_reassign(actor=staff.manager2, task=task, executor=staff.manager1)


def test_visibility_of_tasks(staff):
    task = give(staff, actor=staff.manager1, executor=staff.manager2)
    assert {
        u.username
        for u in (
            staff.manager1,
            staff.manager2,
            staff.head,
            staff.director,
            staff.admin,
            staff.viewer,
            staff.viewer_sales,
        )
        if selectors.task_list(actor=u).filter(pk=task.pk).exists()
    } == {"manager1", "manager2", "head.sales", "director", "admin", "viewer", "viewer.sales"}
    assert not selectors.task_list(actor=staff.manager3).filter(pk=task.pk).exists()
    with pytest.raises(PermissionDenied):
        services.task_create(actor=staff.viewer, title="No", executor=staff.manager1)


def test_reserve_time_creates_a_linked_event(staff):
    task = give(staff)
    start = timezone.now().replace(microsecond=0) + 48 * H
    event = services.task_reserve_time(actor=staff.manager1, task=task, start=start, end=start + H)
    task.refresh_from_db()
    assert task.event == event and event.organiser == staff.manager1 and event.record == task
    again = services.task_reserve_time(
        actor=staff.manager1, task=task, start=start + H, end=start + 2 * H
    )
    assert again.pk == event.pk and again.start == start + H


def test_overdue_beat_notifies_once(staff):
    task = give(staff, deadline=timezone.now() - H)
    beat.notify_overdue_tasks()
    beat.notify_overdue_tasks()  # a re-run notifies nobody twice
    assert Notification.objects.filter(kind="task_overdue").count() == 2  # executor, author
    assert Notification.objects.filter(kind="task_overdue", user=staff.manager1).count() == 1
    assert task.is_overdue


def test_event_soon_beat_notifies_once_per_occurrence(staff):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=10)
    services.event_create(
        actor=staff.manager1,
        title="Soon",
        start=start,
        end=start + H,
        participants=[staff.manager2],
    )
    beat.notify_events_soon()
    beat.notify_events_soon()
    assert set(Notification.objects.filter(kind="event_soon").values_list("user", flat=True)) == {
        staff.manager1.pk,
        staff.manager2.pk,
    }
    assert Notification.objects.filter(kind="event_soon").count() == 2


def test_discipline_report(staff):
    now = timezone.now()
    on_time = give(staff, deadline=now + 24 * H)
    services.task_complete(actor=staff.manager1, task=on_time)
    late = give(staff, deadline=now - 24 * H)
    services.task_complete(actor=staff.manager1, task=late)
    give(staff, deadline=now - H)  # overdue now
    give(staff, executor=staff.manager3, deadline=now + H)
    rows = {(r.kind, r.label): r for r in selectors.discipline_report(actor=staff.director)}
    m1 = rows[("user", str(staff.manager1))]
    assert (m1.given, m1.on_time, m1.late, m1.overdue) == (3, 1, 1, 1)
    sales = rows[("department", "Sales")]
    assert (sales.given, sales.on_time, sales.late, sales.overdue) == (3, 1, 1, 1)
    # a manager's report covers only the tasks they can see
    mine = selectors.discipline_report(actor=staff.manager3)
    assert [(r.kind, r.given) for r in mine] == [("department", 1), ("user", 1)]
