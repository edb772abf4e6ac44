"""Demo calendar and tasks: meetings this week and next for the sales department (one
recurring weekly, one with two participants, one booking a room) and assignments from
head.sales to the managers (one overdue, one done awaiting acceptance). Registered with
rapport.parties.demo, so they are made once, with the demo company."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from rapport.core.models import User
from rapport.parties.models import Client

from . import services
from .models import TaskPriority


def _at(day: dt.datetime, days: int, hour: int) -> dt.datetime:
    return (day + dt.timedelta(days=days)).replace(hour=hour)


def create_demo_planner(*, users: dict[str, User], clients: list[Client]) -> None:
    head = users.get("head.sales")
    m1, m2 = users.get("manager1"), users.get("manager2")
    if head is None or m1 is None or m2 is None:
        return
    admin = users.get("admin")
    room = None
    if admin is not None:
        room = services.resource_save(
            actor=admin, name="Meeting room", kind="room", location="2nd floor", capacity=10
        )
        services.resource_save(actor=admin, name="Projector", kind="equipment")
    own = {u.pk: [c for c in clients if c.manager_id == u.pk] for u in (m1, m2)}
    client1 = own[m1.pk][0] if own[m1.pk] else None
    client2 = own[m2.pk][0] if own[m2.pk] else None
    now = timezone.now()
    # Monday of this week, midnight UTC: the week's events are spread from there.
    monday = (now - dt.timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    hour = dt.timedelta(hours=1)
    services.event_create(
        actor=head,
        title="Sales team weekly meeting",
        start=_at(monday, 0, 8),
        end=_at(monday, 0, 8) + hour,
        rrule="FREQ=WEEKLY;BYDAY=MO",
        participants=[m1, m2],
        resource=room,
        description="Pipeline review and plans for the week.",
        allow_conflicts=True,
    )
    services.event_create(
        actor=m1,
        title="Offer presentation",
        start=_at(monday, 2, 11),
        end=_at(monday, 2, 12),
        participants=[m2],
        client=client1,
        location="At the client's office",
        allow_conflicts=True,
    )
    services.event_create(
        actor=m2,
        title="Contract signing",
        start=_at(monday, 3, 14),
        end=_at(monday, 3, 15),
        client=client2,
        allow_conflicts=True,
    )
    services.event_create(
        actor=head,
        title="One-to-one with manager1",
        start=_at(monday, 4, 15),
        end=_at(monday, 4, 15) + dt.timedelta(minutes=30),
        participants=[m1],
        is_private=True,
        allow_conflicts=True,
    )
    services.event_create(
        actor=m1,
        title="Visit to the warehouse",
        start=_at(monday, 8, 10),
        end=_at(monday, 8, 12),
        client=client1,
        allow_conflicts=True,
    )
    services.event_create(
        actor=m2,
        title="Quarterly plan draft",
        start=_at(monday, 10, 13),
        end=_at(monday, 10, 16),
        allow_conflicts=True,
    )

    day = dt.timedelta(days=1)
    services.task_create(
        actor=head,
        title="Prepare the commercial offer",
        description="Prices and delivery terms for the new client.",
        executor=m1,
        deadline=now + 2 * day,
        priority=TaskPriority.HIGH,
        client=client1,
        checklist=["Prices", "Delivery terms", "Send for approval"],
    )
    services.task_create(
        actor=head,
        title="Call back the clients without contact this month",
        executor=m2,
        deadline=now + 5 * day,
    )
    services.task_create(
        actor=head,
        title="Update the contacts of key clients",
        executor=m1,
        deadline=now - 2 * day,  # overdue
        priority=TaskPriority.HIGH,
    )
    started = services.task_create(
        actor=head,
        title="Collect the signed contract",
        executor=m2,
        deadline=now + day,
        client=client2,
    )
    services.task_start(actor=m2, task=started)
    done = services.task_create(
        actor=head,
        title="Send the monthly sales report",
        executor=m1,
        deadline=now - day,
    )
    services.task_complete(actor=m1, task=done, comment="Sent to you by e-mail.")
    services.task_create(
        actor=m1,
        title="Book the meeting room for the presentation",
        executor=m1,
        deadline=now + 3 * day,
        priority=TaskPriority.LOW,
    )
