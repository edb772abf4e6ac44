"""Demo interactions: a few calls, meetings and e-mails (done and planned) with the
clients of manager1 and manager2, dates relative to now. Registered with
rapport.parties.demo, so they are made once, with the demo company."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from rapport.core.models import User
from rapport.parties.models import Client

from . import services
from .models import InteractionType

# type code, subject, days from now, hour, minutes, planned, result, next step
PLAN = [
    (
        "call_out",
        "Introductory call",
        -12,
        10,
        15,
        False,
        "Interested in our offer.",
        "Send prices",
    ),
    ("email", "Price list sent", -11, 14, 5, False, "Prices sent by e-mail.", "Call back"),
    ("meeting", "Presentation of our offer", -7, 11, 60, False, "Asked for a trial.", "Trial"),
    ("call_in", "Question about delivery terms", -5, 16, 10, False, "Explained the terms.", ""),
    ("visit", "Visit to the warehouse", -3, 9, 90, False, "Saw their stock.", "Offer"),
    ("call_out", "Follow-up on the offer", -1, 15, 15, False, "Thinking it over.", "Call again"),
    ("call_out", "Call about the contract", 1, 10, 15, True, "", ""),
    ("meeting", "Negotiating the discount", 3, 12, 60, True, "", ""),
    ("email", "Send the draft contract", 4, 9, 5, True, "", ""),
    ("visit", "Training of their staff", 8, 10, 120, True, "", ""),
]


def create_demo_interactions(*, users: dict[str, User], clients: list[Client]) -> None:
    managers = [users[name] for name in ("manager1", "manager2") if name in users]
    types = {t.code: t for t in InteractionType.objects.filter(is_active=True)}
    pairs = [
        (manager, client)
        for manager in managers
        for client in clients
        if client.manager_id == manager.pk
    ][:5]
    if not pairs or not types:
        return
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for index, (code, subject, days, hour, minutes, planned, result, step) in enumerate(PLAN):
        itype = types.get(code)
        if itype is None:
            continue
        manager, client = pairs[index % len(pairs)]
        date = now.replace(hour=hour) + dt.timedelta(days=days)
        services.interaction_create(
            actor=manager,
            client=client,
            type=itype,
            subject=subject,
            date=date,
            duration=minutes,
            result=result,
            next_step=step,
            planned=planned,
            participants=[manager],
            manager=manager,
        )
