"""Celery tasks of the planner (run by beat): overdue tasks and events starting soon.

Both are idempotent: every notification carries a dedupe key, so a re-run (or two beats
racing) notifies nobody twice.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from rapport.core.models import User
from rapport.core.notifications import notify

from .models import Event, Task
from .models.tasks import OPEN_STATUSES
from .selectors.calendar import busy_users, expand_event

EVENT_SOON = dt.timedelta(minutes=15)


@shared_task(name="planner.notify_overdue_tasks")
def notify_overdue_tasks() -> int:
    """Tell the executors (and the author) of open tasks past their deadline, once per
    deadline."""
    sent = 0
    now = timezone.now()
    overdue = (
        Task.objects.alive()
        .filter(status__in=OPEN_STATUSES, deadline__lt=now)
        .select_related("author", "executor")
    )
    for task in overdue.iterator():
        users = (
            [task.executor]
            if task.executor
            else list(User.objects.filter(department=task.executor_department_id, is_active=True))
        )
        if task.author not in users:
            users.append(task.author)
        for user in users:
            with override(user.language):
                result = notify(
                    user=user,
                    kind="task_overdue",
                    title=_("Overdue: %(title)s") % {"title": task.title},
                    url=reverse("planner:task_detail", kwargs={"pk": task.pk}),
                    record=task,
                    dedupe_key=f"task_overdue:{task.pk}:{task.deadline.isoformat()}:{user.pk}",
                )
            sent += result is not None
    return sent


@shared_task(name="planner.notify_events_soon")
def notify_events_soon() -> int:
    """Tell the organiser and participants of every occurrence starting within the next
    15 minutes, once per occurrence."""
    sent = 0
    now = timezone.now()
    horizon = now + EVENT_SOON
    candidates = (
        Event.objects.alive()
        .filter(start__lt=horizon)
        .exclude(series_end__lte=now)
        .select_related("organiser")
        .prefetch_related("attendance__user", "overrides")
    )
    for event in candidates:
        starting = [o for o in expand_event(event, now, horizon) if now <= o.start < horizon]
        if not starting:
            continue
        users = {event.organiser_id: event.organiser}
        users |= {p.user_id: p.user for p in event.attendance.all()}
        for occ in starting:
            for pk in busy_users(event):
                user = users[pk]
                with override(user.language):
                    result = notify(
                        user=user,
                        kind="event_soon",
                        title=_("Soon: %(title)s") % {"title": occ.title or event.title},
                        body=_("Starts at %(time)s.")
                        % {"time": timezone.localtime(occ.start).strftime("%H:%M")},
                        url=reverse("planner:event_detail", kwargs={"pk": event.pk}),
                        record=event,
                        dedupe_key=f"event_soon:{event.pk}:{occ.recurrence_id.isoformat()}:{pk}",
                    )
                sent += result is not None
    return sent
