"""Payment pages: list, record with allocation to open invoices, card, allocate,
unallocate and delete."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rapport.core import access
from rapport.core.views import apply_errors
from rapport.parties.models import Client

from .. import forms, selectors, services
from ..models import Invoice, PaymentMethod
from ._common import _page, _require_writer, _uuid

# --- payments -------------------------------------------------------------------------


@login_required
def payment_list(request: HttpRequest) -> HttpResponse:
    params = request.GET
    filters = selectors.PaymentFilters(
        client=_uuid(params.get("client")),
        method=params.get("method", "") if params.get("method") in PaymentMethod.values else "",
        unallocated={"1": True}.get(params.get("unallocated", "")),
    )
    rows, following = _page(
        selectors.payment_list(actor=request.user, filters=filters), params.get("cursor", "")
    )
    return render(
        request,
        "billing/payment_list.html",
        {
            "payments": rows,
            "next_cursor": following,
            "params": params,
            "methods": PaymentMethod.choices,
            "can_write": request.user.can_write,
        },
    )


def _open_invoices(request: HttpRequest, client_id: Any) -> list[Invoice]:
    if not client_id:
        return []
    return list(selectors.open_invoices(actor=request.user, client=client_id))


@login_required
@require_http_methods(["GET", "POST"])
def payment_create(request: HttpRequest) -> HttpResponse:
    _require_writer(request.user)
    if request.method == "POST":
        form = forms.PaymentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment = services.payment_record(
                    actor=request.user,
                    client=data["client"],
                    amount=data["amount"],
                    date=data["date"],
                    currency=data["currency"].pk if data["currency"] else None,
                    organisation=data["organisation"],
                    method=data["method"],
                    reference=data["reference"],
                    comment=data["comment"],
                    allocations=forms.allocations_from_post(request.POST),
                    auto_allocate=data["auto_allocate"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The payment was recorded."))
                invoice_id = _uuid(request.POST.get("next_invoice"))
                if invoice_id:
                    return redirect("billing:invoice_detail", pk=invoice_id)
                return redirect("billing:payment_detail", pk=payment.pk)
        client_id = _uuid(request.POST.get("client"))
        return render(
            request,
            "billing/payment_form.html",
            _payment_context(request, form, client_id, request.POST),
            status=422,
        )
    invoice = None
    invoice_id = _uuid(request.GET.get("invoice"))
    if invoice_id:
        invoice = selectors.invoice_get(actor=request.user, pk=invoice_id)
    client_id = invoice.client_id if invoice else _uuid(request.GET.get("client"))
    initial: dict[str, Any] = {
        "client": client_id,
        "date": timezone.localdate(),
        "method": PaymentMethod.BANK,
        "organisation": invoice.organisation if invoice else None,
        "currency": invoice.currency if invoice else None,
    }
    prefill: dict[str, str] = {}
    if invoice is not None:
        initial["amount"] = invoice.outstanding
        prefill[f"alloc_{invoice.pk}"] = str(invoice.outstanding)
    form = forms.PaymentForm(initial=initial)
    context = _payment_context(request, form, client_id, prefill)
    context["next_invoice"] = invoice.pk if invoice else ""
    return render(request, "billing/payment_form.html", context)


def _payment_context(
    request: HttpRequest, form: forms.PaymentForm, client_id: Any, values: Any
) -> dict[str, Any]:
    client = (
        access.visible_to(request.user, Client).filter(pk=client_id).first() if client_id else None
    )
    invoices = _open_invoices(request, client.pk if client else None)
    for invoice in invoices:
        invoice.alloc_value = values.get(f"alloc_{invoice.pk}", "")
    return {
        "form": form,
        "client": client,
        "open_invoices": invoices,
        "next_invoice": values.get("next_invoice", ""),
    }


@login_required
def payment_open_invoices(request: HttpRequest) -> HttpResponse:
    """The allocation table of the payment form for the chosen client (HTMX)."""
    client_id = _uuid(request.GET.get("client"))
    invoices = _open_invoices(request, client_id)
    for invoice in invoices:
        invoice.alloc_value = ""
    return render(request, "billing/_open_invoices.html", {"open_invoices": invoices})


@login_required
def payment_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    payment = selectors.payment_get(actor=request.user, pk=pk)
    return render(
        request,
        "billing/payment_detail.html",
        {
            "payment": payment,
            "can_edit": access.can_edit(request.user, payment),
            "open_invoices": [
                i
                for i in _open_invoices(request, payment.client_id)
                if i.currency_id == payment.currency_id
            ]
            if payment.unallocated > 0
            else [],
        },
    )


@login_required
@require_POST
def payment_allocate(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    payment = selectors.payment_get(actor=request.user, pk=pk)
    try:
        services.payment_allocate(
            actor=request.user,
            payment=payment,
            invoice=_uuid(request.POST.get("invoice")),
            amount=request.POST.get("amount") or None,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The payment was allocated."))
    return redirect("billing:payment_detail", pk=pk)


@login_required
@require_POST
def payment_unallocate(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    payment = selectors.payment_get(actor=request.user, pk=pk)
    try:
        services.payment_unallocate(
            actor=request.user, payment=payment, invoice=_uuid(request.POST.get("invoice"))
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The allocation was removed."))
    return redirect("billing:payment_detail", pk=pk)


@login_required
@require_POST
def payment_delete(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    payment = selectors.payment_get(actor=request.user, pk=pk)
    services.payment_trash(actor=request.user, payment=payment)
    messages.success(request, _("The payment was moved to the trash."))
    return redirect("billing:payment_list")
