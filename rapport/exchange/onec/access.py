"""Visibility of the 1C exchange's own records, registered with core.access.

The exchange settings, its log, files and conflicts belong to nobody in particular: users
with the exchange permission (administrators and those granted it) see and change all of
them, everyone else none. The records the exchange writes (clients, products, invoices)
keep their own apps' rules.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from rapport.core import access
from rapport.core.models import User
from rapport.exchange.models import (
    Conflict,
    Connection,
    ExchangeFile,
    ExchangeSession,
    FieldOwnership,
    OutboxItem,
    Rejection,
    SyncState,
)


def _visible(actor: User | None, queryset: QuerySet[Any]) -> QuerySet[Any]:
    if actor is None or not actor.may_exchange:
        return queryset.none()
    return queryset


def _editable(actor: User | None, record: Any) -> bool:
    return actor is not None and actor.may_exchange


for model in (
    Connection,
    ExchangeSession,
    ExchangeFile,
    Rejection,
    FieldOwnership,
    SyncState,
    Conflict,
    OutboxItem,
):
    access.register(model, visible=_visible, editable=_editable)
