"""A small world of clients in every scope, with one interaction each."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.interactions import services
from rapport.interactions.models import InteractionType
from rapport.parties import services as party_services
from rapport.parties.models import ClientShare

OWNERS = {
    "m1": "manager1",
    "m2_shared": "manager2",
    "m2": "manager2",
    "m3": "manager3",
    "vip": "manager2",
    "office": None,
}


def itype(code="call_out"):
    return InteractionType.objects.get(code=code)


@pytest.fixture
def world(staff):
    clients = {}
    for key, owner in OWNERS.items():
        manager = getattr(staff, owner) if owner else None
        clients[key] = party_services.client_create(
            actor=staff.admin,
            name=f"World {key}",
            manager=manager,
            department=manager.department if manager else staff.office,
            is_confidential=key == "vip",
        )
    for key in ("m2_shared", "vip"):
        ClientShare.objects.create(client=clients[key], user=staff.manager1)
    base = timezone.now() - dt.timedelta(days=1)
    interactions = {}
    for index, (key, client) in enumerate(clients.items()):
        interactions[key] = services.interaction_create(
            actor=staff.admin,
            client=client,
            type=itype(),
            subject=f"Call {key}",
            description=f"secret {key}",
            date=base + dt.timedelta(minutes=index),
            manager=client.manager,
        )
    interactions["m3_joined"] = services.interaction_create(
        actor=staff.admin,
        client=clients["m3"],
        type=itype("meeting"),
        subject="Call m3_joined",
        description="secret m3_joined",
        participants=[staff.manager1],
        manager=staff.manager3,
        date=base + dt.timedelta(minutes=30),
    )
    return {"clients": clients, "interactions": interactions, "staff": staff}
