"""CommerceML orders: out to 1C (``mode=query``/``success``) and back in (changed orders).

Out: ``render_orders(run)`` writes one ``Документ`` per document waiting in the outbox of
the session's connection (invoices and/or deals, ``orders_source``) and marks them handed
out to *this* session; ``confirm_orders(run)`` (``mode=success``) marks what this session
handed out as delivered. A session that never confirms leaves its documents to be handed
out again by the next ``query``, so a failed load in 1C loses nothing.

In: ``apply_orders_file(run, path, progress)`` reads the ``Документ`` elements of a file
1C uploads after ``query`` (2.03-2.10 with or without namespace, windows-1251 or UTF-8,
3.1 ``Контейнер``, the CS-Cart fragment whose root is the ``Документ`` itself):

- every counterparty creates or updates a client through the sync layer (matched by the
  1C ``Ид``, then by our own id when 1C echoes it, then by the tax id; never twice);
- the document is matched to our invoice or deal by its ``Ид`` (our id, or a 1C id linked
  before) or by the ``Номер`` we sent, among the documents sent to this connection;
- 1C's requisites update it: ``Отменен``/``ПометкаУдаления`` cancel it, ``Заказ
  оплачен`` with ``Дата/Номер оплаты по 1С`` registers a payment of what is still owed
  (once: the payment carries 1C's payment number as its external id), and ``Номер по 1С``,
  ``Дата по 1С``, shipment and status are kept (``SyncState``) for the card to show;
- a document that is not one of ours (an order a web shop wrote, the Bitrix samples) is
  applied as its counterparties only and logged as a rejected "order" whose reason says
  so, so that a person sees in the exchange log that 1C sent an order the CRM has no
  record of.

Applying a file twice changes nothing: counterparties are "unchanged" in the sync layer
and a document whose 1C state is what 1C said last time is counted unchanged unread.

This module is the entry point the protocol and the jobs call; the work is in
``orders_out`` (the query answer and its confirmation), ``orders_document`` (one
invoice or deal as a ``Документ``), ``orders_in`` (applying 1C's documents) and
``orders_parties`` (their counterparties).
"""

from __future__ import annotations

from .orders_document import deal_number
from .orders_in import ONEC_KEYS, apply_orders_file, onec_state
from .orders_out import confirm_orders, render_orders

__all__ = [
    "ONEC_KEYS",
    "apply_orders_file",
    "confirm_orders",
    "deal_number",
    "onec_state",
    "render_orders",
]
