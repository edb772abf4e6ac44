"""Invoices on other apps' cards: the client card's panel (with the client's balance)
and the deal card's panel and "Create invoice" button (HTMX fragments)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rapport.parties import selectors as party_selectors
from rapport.sales.selectors import deals as deal_selectors

from .. import selectors
from ._common import STATUS_BADGES


def _with_badges(invoices: list) -> list:
    for invoice in invoices:
        invoice.badge = STATUS_BADGES[invoice.status]
    return invoices


@login_required
def client_invoices(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = party_selectors.client_get(actor=request.user, pk=pk)
    return render(
        request,
        "billing/_client_invoices_panel.html",
        {
            "client": client,
            "invoices": _with_badges(selectors.client_invoices(actor=request.user, client=client)),
            "balance": selectors.client_balance(actor=request.user, client=client),
            "can_write": request.user.can_write,
            "zero": Decimal(0),
        },
    )


@login_required
def deal_invoices(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    deal = deal_selectors.deal_get(actor=request.user, pk=pk)
    invoices = list(selectors.deal_invoices(actor=request.user, deal=deal))
    return render(
        request,
        "billing/_deal_invoices_panel.html",
        {"deal": deal, "invoices": _with_badges(invoices), "can_write": request.user.can_write},
    )
