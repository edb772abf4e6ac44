"""CommerceML orders out to 1C: the answer to ``mode=query`` and its ``mode=success``.

``render_orders(run)`` writes one ``Документ`` per document waiting in the outbox of
the session's connection (invoices and/or deals, ``orders_source``) in the session's
CommerceML version and encoding, and marks them handed out to *this* session;
``confirm_orders(run)`` marks what this session handed out as delivered. A session that
never confirms leaves its documents to be handed out again by the next ``query``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model, Prefetch
from django.utils import timezone
from lxml import etree

from rapport.billing.models import Invoice, InvoiceLine
from rapport.core import access
from rapport.exchange.models import ExchangeSession, OutboxItem, OutboxState
from rapport.exchange.onec import outbox
from rapport.exchange.onec.sync import ExchangeRun
from rapport.parties.models import ContactPerson
from rapport.sales.models import DealLine

from .options import options_for, version_key
from .orders_document import Writer, write_deal, write_invoice

NS_2 = "urn:1C.ru:commerceml_2"
NS_3 = "urn:1C.ru:commerceml_3"
BOM = b"\xef\xbb\xbf"


def _namespace(version: str) -> str:
    key = version_key(version) or (2, 8)
    if key[0] >= 3:
        return NS_3
    # 1C writes the namespace from 2.07 on; 2.03-2.05 files and their readers have none.
    return NS_2 if key >= (2, 7) else ""


def _records(run: ExchangeRun, items: list[OutboxItem]) -> list[tuple[OutboxItem, Model]]:
    """The live records of the items that the exchange's user may see, in queue order."""
    wanted: dict[int, list[str]] = {}
    for item in items:
        wanted.setdefault(item.content_type_id, []).append(item.object_id)
    found: dict[tuple[int, str], Model] = {}
    contact_qs = ContactPerson.objects.prefetch_related("contact_points")
    client_prefetch = ("client__contact_points", "client__addresses")
    for kind, model in outbox.MODELS.items():
        content_type = ContentType.objects.get_for_model(model)
        ids = wanted.get(content_type.pk)
        if not ids or run.actor is None:
            continue
        qs = access.visible_to(run.actor, model).filter(pk__in=ids)
        if kind == "invoice":
            qs = qs.select_related("client", "contact", "currency").prefetch_related(
                *client_prefetch,
                Prefetch("lines", InvoiceLine.objects.select_related("product__unit", "unit")),
                Prefetch("contact__contact_points"),
            )
        else:
            qs = qs.select_related("client", "price_type", "currency").prefetch_related(
                *client_prefetch,
                Prefetch("lines", DealLine.objects.select_related("product__unit", "unit")),
                Prefetch("contacts", contact_qs),
            )
        for obj in qs:
            found[(content_type.pk, str(obj.pk))] = obj
    return [
        (item, found[(item.content_type_id, item.object_id)])
        for item in items
        if (item.content_type_id, item.object_id) in found
    ]


def _session_state(session: ExchangeSession, **values: Any) -> None:
    session.refresh_from_db(fields=["state"])
    session.state = {**(session.state or {}), **values}
    ExchangeSession.objects.filter(pk=session.pk).update(state=session.state)


def render_orders(run: ExchangeRun) -> bytes:
    """The answer to ``mode=query``: documents waiting for this connection, as CommerceML.

    They are marked handed out to this session only; ``confirm_orders`` (``success``)
    delivers them. Documents the exchange's user may not see stay waiting."""
    connection = run.connection
    options = options_for(connection)
    version = (run.session.version if run.session is not None else "") or options["version"]
    if version_key(version) is None:
        version = options["version"]
    ns = _namespace(version)
    w = Writer(ns)
    now = timezone.now()
    with transaction.atomic():
        outbox.outbox_requeue_changed(connection=connection)
        pending = outbox.outbox_pending(connection=connection)
        records = _records(run, pending)
        root = etree.Element(
            w.tag("КоммерческаяИнформация"),
            {
                "ВерсияСхемы": version,
                "ДатаФормирования": timezone.localtime(now)
                .replace(microsecond=0, tzinfo=None)
                .isoformat(),
            },
            nsmap={None: ns} if ns else None,
        )
        for _item, record in records:
            holder = w.sub(root, "Контейнер") if ns == NS_3 else root
            if isinstance(record, Invoice):
                write_invoice(w, holder, run, record)
            else:
                write_deal(w, holder, run, record)
        handed = [item.pk for item, _record in records]
        if handed:
            OutboxItem.objects.filter(pk__in=handed).update(
                state=OutboxState.HANDED_OUT, session=run.session
            )
        if run.session is not None:
            _session_state(run.session, orders_query_at=now.isoformat(), orders_handed=len(handed))
    body = etree.tostring(root, encoding="unicode", pretty_print=True)
    if options["query_encoding"] == "windows-1251":
        declaration = '<?xml version="1.0" encoding="windows-1251"?>\n'
        return (declaration + body).encode("cp1251", errors="xmlcharrefreplace")
    return BOM + ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def confirm_orders(run: ExchangeRun) -> int:
    """``mode=success``: what this session handed out is delivered to 1C (the count)."""
    if run.session is None:
        return 0
    now = timezone.now()
    handed_at = now
    stamp = (run.session.state or {}).get("orders_query_at")
    if stamp:
        try:
            handed_at = dt.datetime.fromisoformat(stamp)
        except ValueError:
            handed_at = now
    with transaction.atomic():
        items = OutboxItem.objects.select_for_update().filter(
            connection=run.connection, session=run.session, state=OutboxState.HANDED_OUT
        )
        invoice_type = ContentType.objects.get_for_model(Invoice)
        invoice_ids = [i.object_id for i in items if i.content_type_id == invoice_type.pk]
        # Delivered as of the query: a change made between query and success is sent again.
        count = items.update(state=OutboxState.DELIVERED, delivered_at=handed_at)
        if invoice_ids:
            Invoice.objects.filter(pk__in=invoice_ids).update(sent_to_1c_at=now)
    return count
