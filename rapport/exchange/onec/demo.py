"""The demo company's 1C exchange: a CommerceML connection 1C can log in to at once."""

from __future__ import annotations

from typing import Any

from rapport.core.models import User
from rapport.exchange.models import Connection, ConnectionKind
from rapport.exchange.onec.targets.parties import ensure_client_properties


def create_demo_exchange(*, users: dict[str, User], **_: Any) -> None:
    admin, manager = users["admin"], users.get("manager1") or users["admin"]
    ensure_client_properties()
    Connection.objects.get_or_create(
        code="demo-ut",
        defaults={
            "kind": ConnectionKind.COMMERCEML,
            "name": "1C:Trade Management (demo)",
            "run_as": admin,
            "default_manager": manager,
            "options": {"orders_source": "invoices", "query_encoding": "utf-8"},
        },
    )
