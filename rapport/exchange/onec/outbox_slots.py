"""Puts the "Send to 1C" fragment on the invoice and deal cards (``core.slots``).

Called from the exchange app's ``ready()``; sales declares ``deal_actions`` and billing
``invoice_actions``.
"""

from __future__ import annotations

from rapport.core import slots

INVOICE_SLOT = "invoice_actions"
DEAL_SLOT = "deal_actions"


def register_slots() -> None:
    slots.register(DEAL_SLOT, "exchange/onec/_deal_outbox.html", order=80)
    slots.register(INVOICE_SLOT, "exchange/onec/_invoice_outbox.html", order=80)
