"""Reminders "N minutes before" follow the event or the deadline when it moves."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.core.reminders import reminder_create
from rapport.planner.services import event_create, event_update, task_create, task_update

pytestmark = pytest.mark.django_db


def test_a_reminder_before_an_event_moves_with_it(staff):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    event = event_create(
        actor=staff.manager1, title="Visit", start=start, end=start + dt.timedelta(hours=1)
    )
    reminder = reminder_create(actor=staff.manager1, record=event, offset_minutes=30)
    assert reminder.next_at == start - dt.timedelta(minutes=30)
    later = start + dt.timedelta(hours=3)
    event_update(actor=staff.manager1, event=event, start=later, end=later + dt.timedelta(hours=1))
    reminder.refresh_from_db()
    assert reminder.next_at == later - dt.timedelta(minutes=30)


def test_a_reminder_before_a_deadline_moves_with_it(staff):
    deadline = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    task = task_create(
        actor=staff.head, title="Call back", executor=staff.manager1, deadline=deadline
    )
    reminder = reminder_create(actor=staff.manager1, record=task, offset_minutes=60)
    task_update(actor=staff.head, task=task, deadline=deadline + dt.timedelta(days=1))
    reminder.refresh_from_db()
    assert reminder.next_at == deadline + dt.timedelta(days=1, minutes=-60)
