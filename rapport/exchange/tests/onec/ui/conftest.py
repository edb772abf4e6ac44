"""Fixtures of the 1C exchange pages' tests: connections, sessions and a user granted the
exchange permission."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from rapport.core.models import Role
from rapport.core.tests.factories import UserFactory
from rapport.exchange.models import (
    Connection,
    ConnectionKind,
    ExchangeFile,
    ExchangeSession,
    FileDirection,
    Rejection,
    SessionStatus,
)

ROLES = ("admin", "director", "head", "manager1", "viewer", "exchanger")
ALLOWED = {"admin", "exchanger"}


@pytest.fixture
def exchanger(staff):
    """A manager granted the exchange permission."""
    return UserFactory(
        username="exchanger", role=Role.MANAGER, department=staff.sales, can_exchange=True
    )


@pytest.fixture
def users(staff, exchanger):
    """Every role of the access matrix by name."""
    return {
        "admin": staff.admin,
        "director": staff.director,
        "head": staff.head,
        "manager1": staff.manager1,
        "viewer": staff.viewer,
        "exchanger": exchanger,
    }


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def make_connection(kind: str = ConnectionKind.COMMERCEML, code: str = "buh", **kwargs):
    defaults = {"name": f"1C {code}", "is_active": True}
    defaults.update(kwargs)
    return Connection.objects.create(kind=kind, code=code, **defaults)


def make_session(connection, *, minutes_ago: int = 0, counts=None, **kwargs):
    started = timezone.now() - timedelta(minutes=minutes_ago)
    defaults = {
        "channel": "catalog",
        "status": SessionStatus.DONE,
        "started_at": started,
        "finished_at": started + timedelta(seconds=75),
        "counts": counts or {"created": 3, "updated": 1, "unchanged": 5, "rejected": 1},
    }
    defaults.update(kwargs)
    return ExchangeSession.objects.create(connection=connection, **defaults)


def add_file(session, name: str, content: bytes, direction: str = FileDirection.IN):
    record = ExchangeFile(session=session, direction=direction, name=name)
    record.file.save(name, ContentFile(content), save=False)
    record.size = len(content)
    record.save()
    return record


def add_rejection(session, **kwargs):
    defaults = {
        "target": "product",
        "external_id": "bd72d8f9-55bc-11d9-848a-00112f43529a",
        "label": "Ботинки",
        "file": "import.xml",
        "reason": "Product “Ботинки”: price “abc” is not a number.",
    }
    defaults.update(kwargs)
    return Rejection.objects.create(session=session, **defaults)
