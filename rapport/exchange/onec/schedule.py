"""Scheduled exchanges: every minute Celery beat asks which connections are due.

A connection is due when it is active, has ``schedule_minutes`` and its last run is at
least that long ago (or it never ran). CommerceML connections are started by 1C itself and
are never scheduled. Several beat or worker processes may ask at once: a connection is
claimed by moving its ``last_run_at`` forward only if nobody else did it first.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from rapport.core.models import User
from rapport.exchange.models import Connection

log = logging.getLogger(__name__)

# kind -> the function that runs one connection now (a callable or its dotted path).
# It is called as ``run(connection, actor)`` (the scheduler's actor is the connection's
# "acts as" user) and answers the session it started.
RUNNERS: dict[str, Callable[..., Any] | str] = {
    "odata": "rapport.exchange.onec.odata.jobs.run_connection",
    "enterprisedata": "rapport.exchange.onec.enterprisedata.jobs.run_connection",
}


def runner_for(kind: str) -> Callable[..., Any] | None:
    """The run function of a kind of connection, or None (CommerceML, or not installed)."""
    entry = RUNNERS.get(kind)
    if entry is None:
        return None
    if isinstance(entry, str):
        try:
            return import_string(entry)
        except ImportError:
            log.warning("No runner for 1C connections of kind %s (%s)", kind, entry)
            return None
    return entry


def is_due(connection: Connection, now: dt.datetime) -> bool:
    if not connection.is_active or not connection.schedule_minutes:
        return False
    if connection.kind not in RUNNERS:
        return False
    if connection.last_run_at is None:
        return True
    return connection.last_run_at + dt.timedelta(minutes=connection.schedule_minutes) <= now


def due_connections(now: dt.datetime | None = None) -> list[Connection]:
    """Active scheduled connections whose interval has passed since their last run."""
    now = now or timezone.now()
    candidates = Connection.objects.filter(
        Q(is_active=True) & Q(schedule_minutes__isnull=False) & Q(kind__in=list(RUNNERS))
    ).select_related("run_as", "default_manager")
    return [c for c in candidates if is_due(c, now)]


def _claim(connection: Connection, now: dt.datetime) -> bool:
    """Move ``last_run_at`` to now unless another process already did (then: not ours)."""
    claimed = Connection.objects.filter(
        pk=connection.pk, last_run_at=connection.last_run_at
    ).update(last_run_at=now)
    if claimed:
        connection.last_run_at = now
    return bool(claimed)


def run_connection(connection: Connection, actor: User | None = None) -> Any:
    """Run one connection now (a person's "run now", the command line, the scheduler);
    without ``actor`` the connection's own user acts."""
    run = runner_for(connection.kind)
    if run is None:
        raise ValidationError(
            _("%(kind)s connections cannot be started from the CRM: 1C starts them.")
            % {"kind": connection.get_kind_display()}
            if connection.kind == "commerceml"
            else _("This connection cannot be started: its channel is not installed.")
        )
    return run(connection, actor or connection.run_as)


def run_due_connections(now: dt.datetime | None = None) -> list[tuple[Connection, Any]]:
    """Start every due connection once; answers (connection, what its runner answered).

    A runner that fails is logged and does not stop the others; the connection waits for
    its next interval (``last_run_at`` was moved when it was claimed).
    """
    now = now or timezone.now()
    started: list[tuple[Connection, Any]] = []
    for connection in due_connections(now):
        run = runner_for(connection.kind)
        if run is None:
            continue
        with transaction.atomic():
            if not _claim(connection, now):
                continue
        try:
            result = run(connection, connection.run_as)
        except Exception:
            log.exception("Scheduled 1C exchange %s failed to start", connection.code)
            continue
        started.append((connection, result))
    return started
