"""Visibility rules of invoices and payments, registered with core.access.

Who sees an invoice or a payment: everyone who sees its client (the client base's scope:
own and shared clients, the head's department, the read-only grant, everything for
directors and administrators), plus its manager; heads also see those of their
department's tree (the department is copied from the manager when it is assigned).

Who changes them: whoever sees them and may write (never read-only users). Number series
are settings: everyone reads them, administrators change them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from rapport.core import access
from rapport.core.models import User
from rapport.parties.access import client_scope
from rapport.parties.models import Client

from .models import Invoice, InvoiceLine, NumberSeries, Payment, PaymentAllocation


def record_scope(actor: User) -> Q | None:
    """Invoices or payments ``actor`` may see, as a Q; ``None`` means all of them."""
    clients = client_scope(actor)
    if clients is None:
        return None
    own = access.owner_scope(actor, manager_field="manager", department_field="department")
    visible = Q(client_id__in=Client.objects.filter(clients).values("pk"))
    return visible if own is None else visible | own


def _visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    scope = record_scope(actor)
    return qs if scope is None else qs.filter(scope)


def _editable(actor: User, record: Any) -> bool:
    if not actor.can_write:
        return False
    return _visible(actor, type(record).objects.filter(pk=record.pk)).exists()


def _lines_visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(invoice__in=access.visible_to(actor, Invoice).values("pk"))


def _allocations_visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(payment__in=access.visible_to(actor, Payment).values("pk"))


access.register(Invoice, visible=_visible, editable=_editable)
access.register(Payment, visible=_visible, editable=_editable)
access.register(InvoiceLine, visible=_lines_visible)
access.register(PaymentAllocation, visible=_allocations_visible)
access.register(
    NumberSeries,
    visible=lambda actor, qs: qs,
    editable=lambda actor, series: actor.is_administrator,
)
