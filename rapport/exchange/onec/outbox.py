"""Documents queued for 1C ("Send to 1C"): services and selectors of the outbox.

A person with the exchange permission queues an invoice or a deal; it gets one
``OutboxItem`` per active CommerceML connection that takes that kind of document
(``orders_source``). CommerceML's ``query`` hands the pending items out (state
``handed_out``, with the session) and only ``success`` marks them delivered
(see ``commerceml/orders.py``).

A delivered document that is changed in the CRM afterwards (its ``updated_at`` is later
than the delivery) is queued again: ``outbox_requeue_changed`` runs before every
``query`` and the card's badge says so at once. Changes 1C itself makes (paid,
cancelled...) move the delivery time along (``outbox_touch_delivered``) so that they are
not sent back to 1C as if the CRM had changed them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.billing.models import Invoice, InvoiceStatus
from rapport.core import access
from rapport.core.models import ExternalId, User
from rapport.exchange.models import (
    Connection,
    ConnectionKind,
    OutboxItem,
    OutboxState,
    SyncState,
)
from rapport.sales.models import Deal

from .commerceml.options import options_for

# orders_source -> the kinds of record a connection hands out.
_SOURCES = {"invoices": ("invoice",), "deals": ("deal",), "both": ("invoice", "deal")}
MODELS: dict[str, type[Model]] = {"invoice": Invoice, "deal": Deal}


def record_kind(record: Model) -> str:
    for kind, model in MODELS.items():
        if isinstance(record, model):
            return kind
    raise ValueError(f"{type(record).__name__} cannot be sent to 1C")


def connection_kinds(connection: Connection) -> tuple[str, ...]:
    """The kinds of document ("invoice", "deal") ``connection`` hands out to 1C."""
    return _SOURCES.get(options_for(connection)["orders_source"], ("invoice",))


def outbox_connections(kind: str) -> list[Connection]:
    """The active CommerceML connections that take documents of ``kind``."""
    return [
        c
        for c in Connection.objects.filter(kind=ConnectionKind.COMMERCEML, is_active=True)
        if kind in connection_kinds(c)
    ]


def _content_type(model: type[Model]) -> ContentType:
    return ContentType.objects.get_for_model(model)


def _require_queue_rights(actor: User, record: Model) -> None:
    if actor is None or not getattr(actor, "may_exchange", False):
        raise PermissionDenied(_("Only users with the exchange permission send documents to 1C."))
    model = type(record)
    if not access.visible_to(actor, model).filter(pk=record.pk).exists():
        raise PermissionDenied(_("You may not see this record."))


# --- services -----------------------------------------------------------------------------


@transaction.atomic
def outbox_queue(*, actor: User, record: Invoice | Deal) -> list[OutboxItem]:
    """Queue an invoice or a deal for every active CommerceML connection that takes it.

    Queuing again what is waiting already changes nothing; queuing what was handed out or
    delivered makes it wait again (1C receives it anew on its next ``query``)."""
    _require_queue_rights(actor, record)
    kind = record_kind(record)
    if kind == "invoice" and record.status == InvoiceStatus.DRAFT:
        raise ValidationError(
            {"status": [_("Send the invoice first: a draft has no number for 1C.")]}
        )
    connections = outbox_connections(kind)
    if not connections:
        raise ValidationError(
            {
                "connection": [
                    _("No active CommerceML connection takes %(kind)s; set one up first.")
                    % {"kind": _("invoices") if kind == "invoice" else _("deals")}
                ]
            }
        )
    content_type = _content_type(type(record))
    now = timezone.now()
    items = []
    for connection in connections:
        item, created = OutboxItem.objects.select_for_update().get_or_create(
            connection=connection,
            content_type=content_type,
            object_id=str(record.pk),
            defaults={"queued_at": now},
        )
        if not created and item.state != OutboxState.PENDING:
            item.state = OutboxState.PENDING
            item.session = None
            item.queued_at = now
            item.save(update_fields=["state", "session", "queued_at"])
        items.append(item)
    if isinstance(record, Invoice) and not record.marked_for_1c:
        # Not a change of the invoice itself: its updated_at (what re-queues it) stays.
        Invoice.objects.filter(pk=record.pk).update(marked_for_1c=True)
        record.marked_for_1c = True
    return items


@transaction.atomic
def outbox_unqueue(*, actor: User, record: Invoice | Deal) -> int:
    """Take a document off the queue (what 1C already received stays recorded)."""
    _require_queue_rights(actor, record)
    deleted, _counts = (
        OutboxItem.objects.filter(
            content_type=_content_type(type(record)), object_id=str(record.pk)
        )
        .exclude(state=OutboxState.DELIVERED)
        .delete()
    )
    if isinstance(record, Invoice) and record.marked_for_1c:
        Invoice.objects.filter(pk=record.pk).update(marked_for_1c=False)
        record.marked_for_1c = False
    return deleted


def outbox_requeue_changed(*, connection: Connection) -> int:
    """Delivered documents changed in the CRM since their delivery wait for 1C again."""
    requeued = 0
    for kind in connection_kinds(connection):
        model = MODELS[kind]
        content_type = _content_type(model)
        delivered = OutboxItem.objects.filter(
            connection=connection,
            content_type=content_type,
            state=OutboxState.DELIVERED,
            delivered_at__isnull=False,
        )
        stamps = dict(delivered.values_list("object_id", "delivered_at"))
        if not stamps:
            continue
        changed = [
            str(pk)
            for pk, updated in model._default_manager.filter(pk__in=list(stamps)).values_list(
                "pk", "updated_at"
            )
            if updated > stamps[str(pk)]
        ]
        if changed:
            requeued += delivered.filter(object_id__in=changed).update(
                state=OutboxState.PENDING, session=None, queued_at=timezone.now()
            )
    return requeued


def outbox_touch_delivered(*, connection: Connection, record: Model) -> None:
    """After 1C changed ``record`` (paid, cancelled...): that is not a change to send back."""
    OutboxItem.objects.filter(
        connection=connection,
        content_type=_content_type(type(record)),
        object_id=str(record.pk),
        state=OutboxState.DELIVERED,
    ).update(delivered_at=timezone.now())


# --- selectors ----------------------------------------------------------------------------


def outbox_pending(*, connection: Connection) -> list[OutboxItem]:
    """What the next ``query`` of ``connection`` hands out: waiting items and items handed
    out to a session that never confirmed them, oldest first."""
    kinds = connection_kinds(connection)
    types = [_content_type(MODELS[k]) for k in kinds]
    return list(
        OutboxItem.objects.filter(
            connection=connection,
            content_type__in=types,
            state__in=(OutboxState.PENDING, OutboxState.HANDED_OUT),
        ).order_by("queued_at", "id")
    )


@dataclass
class OutboxStatus:
    """The state of one document for one connection, as the card's badge shows it."""

    connection: Connection
    state: str
    label: str
    queued_at: dt.datetime | None
    delivered_at: dt.datetime | None
    changed: bool = False
    onec: dict[str, Any] = field(default_factory=dict)

    @property
    def badge(self) -> str:
        if self.state == OutboxState.DELIVERED and not self.changed:
            return "success"
        if self.state == OutboxState.HANDED_OUT:
            return "info"
        return "warning"


def onec_values(*, connection: Connection, record: Model) -> dict[str, Any]:
    """What 1C last said about a document (its number and date in 1C, paid, shipped...)."""
    state = SyncState.objects.filter(
        connection=connection,
        content_type=_content_type(type(record)),
        object_id=str(record.pk),
    ).first()
    return dict(state.values) if state is not None else {}


def outbox_status(*, actor: User, record: Invoice | Deal) -> list[OutboxStatus]:
    """The state per connection of a document the actor can see (empty if it cannot)."""
    model = type(record)
    if not access.visible_to(actor, model).filter(pk=record.pk).exists():
        return []
    items = {
        item.connection_id: item
        for item in OutboxItem.objects.filter(
            content_type=_content_type(model), object_id=str(record.pk)
        ).select_related("connection")
    }
    states = {
        s.connection_id: s.values
        for s in SyncState.objects.filter(
            content_type=_content_type(model), object_id=str(record.pk)
        )
    }
    result = []
    for item in items.values():
        changed = bool(
            item.state == OutboxState.DELIVERED
            and item.delivered_at is not None
            and record.updated_at > item.delivered_at
        )
        label: str
        if changed:
            label = _("Changed since, waiting for 1C")
        elif item.state == OutboxState.PENDING:
            label = _("Waiting for 1C")
        elif item.state == OutboxState.HANDED_OUT:
            label = _("Sent, waiting for 1C's confirmation")
        else:
            label = _("Delivered to 1C")
        result.append(
            OutboxStatus(
                connection=item.connection,
                state=item.state,
                label=str(label),
                queued_at=item.queued_at,
                delivered_at=item.delivered_at,
                changed=changed,
                onec=states.get(item.connection_id, {}),
            )
        )
    result.sort(key=lambda s: s.connection.name)
    return result


def outbox_may_queue(*, actor: User, record: Invoice | Deal) -> bool:
    """Whether the card shows the "Send to 1C" button to ``actor``."""
    if actor is None or not getattr(actor, "may_exchange", False):
        return False
    kind = record_kind(record)
    if kind == "invoice" and record.status == InvoiceStatus.DRAFT:
        return False
    if getattr(record, "deleted_at", None) is not None:
        return False
    return bool(outbox_connections(kind))


def outbox_records(
    *, actor: User, kind: str, connection: Connection | None = None
) -> list[tuple[Model, OutboxItem]]:
    """Documents of ``kind`` queued for 1C that the actor can see, with their item."""
    model = MODELS[kind]
    items = OutboxItem.objects.filter(content_type=_content_type(model))
    if connection is not None:
        items = items.filter(connection=connection)
    by_id = {item.object_id: item for item in items}
    visible = access.visible_to(actor, model).filter(Q(pk__in=list(by_id)))
    return [(obj, by_id[str(obj.pk)]) for obj in visible]


@dataclass
class ODataTarget:
    """An OData connection an invoice can be created in, and its 1C id there if it was."""

    connection: Connection
    external_id: str | None


def odata_targets(*, actor: User, record: Invoice | Deal) -> list[ODataTarget]:
    """Where the card offers "Create in 1C" (OData connections; invoices only)."""
    if not isinstance(record, Invoice) or not outbox_may_push(actor=actor, record=record):
        return []
    connections = list(
        Connection.objects.filter(kind=ConnectionKind.ODATA, is_active=True).order_by("name")
    )
    known = dict(
        ExternalId.objects.filter(
            content_type=_content_type(Invoice),
            object_id=str(record.pk),
            system__in=[c.system for c in connections],
        ).values_list("system", "value")
    )
    return [ODataTarget(connection=c, external_id=known.get(c.system)) for c in connections]


def outbox_may_push(*, actor: User, record: Invoice) -> bool:
    if actor is None or not getattr(actor, "may_exchange", False):
        return False
    return record.status != InvoiceStatus.DRAFT and record.deleted_at is None
