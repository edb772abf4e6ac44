"""Reads of tasks: the to-do list, a task card, tasks of a client and the execution
discipline report (aggregated in SQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from rapport.core import access
from rapport.core.models import Department, User

from ..models import ChecklistItem, Task, TaskComment, TaskEvent, TaskStatus
from ..models.tasks import OPEN_STATUSES

BOXES = ("mine", "given", "overdue", "all")


def _base(actor: User) -> QuerySet[Task]:
    return access.visible_to(actor, Task).select_related(
        "author", "executor", "executor_department", "client"
    )


def task_list(
    *,
    actor: User,
    box: str = "all",
    status: str = "",
    executor: Any = None,
    author: Any = None,
    client: Any = None,
    search: str = "",
    deadline_from: dt.datetime | None = None,
    deadline_to: dt.datetime | None = None,
    open_only: bool = False,
) -> QuerySet[Task]:
    """Tasks in scope. ``box``: ``mine`` (I execute, or my department's unassigned),
    ``given`` (I am the author), ``overdue`` (open, deadline passed, mine or given)."""
    qs = _base(actor)
    mine = Q(executor=actor.pk)
    if actor.department_id is not None:
        mine |= Q(executor__isnull=True, executor_department=actor.department_id)
    if box == "mine":
        qs = qs.filter(mine)
    elif box == "given":
        qs = qs.filter(author=actor.pk)
    elif box == "overdue":
        qs = qs.filter(
            mine | Q(author=actor.pk), status__in=OPEN_STATUSES, deadline__lt=timezone.now()
        )
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if executor:
        qs = qs.filter(executor=executor)
    if author:
        qs = qs.filter(author=author)
    if client:
        qs = qs.filter(client=client)
    if search:
        qs = qs.filter(title__icontains=search.strip())
    if deadline_from is not None:
        qs = qs.filter(deadline__gte=deadline_from)
    if deadline_to is not None:
        qs = qs.filter(deadline__lt=deadline_to)
    return qs.annotate(
        checklist_total=Count("checklist"),
        checklist_done=Count("checklist", filter=Q(checklist__is_done=True)),
    )


def task_get(*, actor: User, pk: Any) -> Task:
    """A task card in scope (checklist, comments, log); 404 otherwise."""
    qs = (
        _base(actor)
        .select_related("event")
        .prefetch_related(
            Prefetch("checklist", queryset=ChecklistItem.objects.select_related("done_by")),
            Prefetch("comments", queryset=TaskComment.objects.select_related("author")),
            Prefetch(
                "log",
                queryset=TaskEvent.objects.select_related(
                    "actor", "from_user", "to_user", "from_department", "to_department"
                ),
            ),
        )
    )
    return access.get_visible_or_404(actor, Task, pk, queryset=qs)


def tasks_for_client(*, actor: User, client: Any, limit: int = 10) -> list[Task]:
    """Open tasks of a client ``actor`` may see (client card), nearest deadline first."""
    return list(
        task_list(actor=actor, client=client, open_only=True).order_by(
            F("deadline").asc(nulls_last=True), "id"
        )[:limit]
    )


@dataclass
class DisciplineRow:
    label: str
    kind: str  # "user" or "department"
    given: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    open: int = 0

    @property
    def on_time_share(self) -> float | None:
        done = self.on_time + self.late
        return None if not done else self.on_time / done


def discipline_report(
    *,
    actor: User,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    department: Any = None,
) -> list[DisciplineRow]:
    """Per executor and per department, over the tasks in ``actor``'s scope whose deadline
    falls in ``[start, end)``: given, done on time, done late, overdue now, still open.

    Tasks without a deadline count as given and on time when done. A task assigned to a
    department and not yet taken counts for that department only.
    """
    now = timezone.now()
    qs = access.visible_to(actor, Task)
    if start is not None:
        qs = qs.filter(deadline__gte=start)
    if end is not None:
        qs = qs.filter(deadline__lt=end)
    if department:
        subtree = access.department_subtree_ids(department)
        qs = qs.filter(
            Q(executor__department__in=subtree)
            | Q(executor__isnull=True, executor_department__in=subtree)
        )
    done = Q(status__in=[TaskStatus.DONE, TaskStatus.ACCEPTED])
    late = done & Q(deadline__isnull=False, completed_at__gt=F("deadline"))
    measures = {
        "given": Count("id"),
        "on_time": Count("id", filter=done & ~late),
        "late": Count("id", filter=late),
        "overdue": Count("id", filter=Q(status__in=OPEN_STATUSES, deadline__lt=now)),
        "open": Count("id", filter=Q(status__in=OPEN_STATUSES)),
    }
    per_user = (
        qs.filter(executor__isnull=False)
        .values("executor", "executor__department")
        .annotate(**measures)
        .order_by()
    )
    per_department_pool = (
        qs.filter(executor__isnull=True, executor_department__isnull=False)
        .values("executor_department")
        .annotate(**measures)
        .order_by()
    )
    users = {u.pk: u for u in User.objects.filter(pk__in=[r["executor"] for r in per_user])}
    departments = {d.pk: d for d in Department.objects.all()}
    user_rows: list[DisciplineRow] = []
    by_department: dict[Any, DisciplineRow] = {}

    def add(target: DisciplineRow, row: Mapping[str, Any]) -> None:
        for name in measures:
            setattr(target, name, getattr(target, name) + row[name])

    for row in per_user:
        line = DisciplineRow(label=str(users[row["executor"]]), kind="user")
        add(line, row)
        user_rows.append(line)
        dep = row["executor__department"]
        if dep is not None:
            add(
                by_department.setdefault(dep, DisciplineRow(str(departments[dep]), "department")),
                row,
            )
    for pool_row in per_department_pool:
        dep = pool_row["executor_department"]
        add(
            by_department.setdefault(dep, DisciplineRow(str(departments[dep]), "department")),
            pool_row,
        )
    user_rows.sort(key=lambda r: r.label.lower())
    department_rows = sorted(by_department.values(), key=lambda r: r.label.lower())
    return department_rows + user_rows
