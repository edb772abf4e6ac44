"""Invoice pages: list, form with the lines editor and live preview, card with its
actions (send, cancel, delete), the printed PDF and sending it by e-mail."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rapport.core import access, slots
from rapport.core.models import Organisation
from rapport.core.views import apply_errors
from rapport.parties import selectors as party_selectors
from rapport.parties.models import Client

from .. import forms, selectors, services
from ..models import OPEN_STATUSES, Invoice, InvoiceStatus
from ._common import STATUS_BADGES, _page, _require_writer, _uuid

# Places on the invoice card later apps fill (core.slots): buttons beside the invoice's
# own actions, and panels under its payments (the 1C exchange's "send to 1C").
INVOICE_SLOTS = ("invoice_actions", "invoice_panels")

# --- invoices -------------------------------------------------------------------------


@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    params = request.GET
    overdue = {"1": True, "0": False}.get(params.get("overdue", ""))
    status = params.get("status", "")
    filters = selectors.InvoiceFilters(
        status=status if status in InvoiceStatus.values else "",
        client=_uuid(params.get("client")),
        deal=_uuid(params.get("deal")),
        manager=request.user.pk if params.get("mine") else None,
        overdue=overdue,
        search=params.get("q", "")[:200],
    )
    rows, following = _page(
        selectors.invoice_list(actor=request.user, filters=filters), params.get("cursor", "")
    )
    today = timezone.localdate()
    for invoice in rows:
        invoice.badge = STATUS_BADGES[invoice.status]
        invoice.is_overdue = invoice.status in OPEN_STATUSES and invoice.due_date < today
    return render(
        request,
        "billing/invoice_list.html",
        {
            "invoices": rows,
            "next_cursor": following,
            "params": params,
            "statuses": InvoiceStatus.choices,
            "can_write": request.user.can_write,
        },
    )


def _form_context(request: HttpRequest, form: forms.InvoiceForm, **extra: Any) -> dict:
    client_id = _uuid(form["client"].value())
    client = (
        access.visible_to(request.user, Client).filter(pk=client_id).first() if client_id else None
    )
    contacts = party_selectors.client_contacts(actor=request.user, client=client) if client else []
    return {
        "form": form,
        "client": client,
        "contacts": contacts,
        "lines": extra.pop("lines", None) or [{}],
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def invoice_create(request: HttpRequest) -> HttpResponse:
    """A new draft; ``?deal=<id>`` copies a deal, ``?client=<id>`` starts for a client."""
    _require_writer(request.user)
    deal_id = _uuid(request.GET.get("deal"))
    if deal_id and request.method == "GET":
        try:
            invoice = services.invoice_from_deal(actor=request.user, deal=deal_id)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("billing:invoice_list")
        messages.success(request, _("A draft invoice was made from the deal."))
        return redirect("billing:invoice_edit", pk=invoice.pk)
    if request.method == "POST":
        form = forms.InvoiceForm(request.POST)
        lines = forms.lines_from_post(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                invoice = services.invoice_create(
                    actor=request.user,
                    client=data["client"],
                    organisation=data["organisation"],
                    date=data["date"],
                    due_date=data["due_date"],
                    contact=data["contact"],
                    currency=data["currency"],
                    prices_include_vat=data["prices_include_vat"],
                    comment=data["comment"],
                    lines=lines,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The draft invoice was saved."))
                return redirect("billing:invoice_detail", pk=invoice.pk)
        context = _form_context(request, form, lines=lines)
        return render(request, "billing/invoice_form.html", context, status=422)
    form = forms.InvoiceForm(
        initial={
            "client": _uuid(request.GET.get("client")),
            "organisation": Organisation.objects.order_by("name").first(),
            "date": timezone.localdate(),
            "prices_include_vat": True,
        }
    )
    return render(request, "billing/invoice_form.html", _form_context(request, form))


@login_required
@require_http_methods(["GET", "POST"])
def invoice_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    invoice = selectors.invoice_get(actor=request.user, pk=pk)
    _require_writer(request.user)
    if request.method == "POST":
        form = forms.InvoiceForm(request.POST)
        lines = forms.lines_from_post(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.invoice_update(
                    actor=request.user,
                    invoice=invoice,
                    organisation=data["organisation"] or invoice.organisation,
                    date=data["date"] or invoice.date,
                    due_date=data["due_date"] or invoice.due_date,
                    contact=data["contact"],
                    currency=data["currency"] or invoice.currency,
                    prices_include_vat=data["prices_include_vat"],
                    comment=data["comment"],
                    lines=lines,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The draft invoice was saved."))
                return redirect("billing:invoice_detail", pk=invoice.pk)
        context = _form_context(request, form, lines=lines, invoice=invoice)
        return render(request, "billing/invoice_form.html", context, status=422)
    if not invoice.is_draft:
        messages.error(request, _("Only a draft can be changed."))
        return redirect("billing:invoice_detail", pk=invoice.pk)
    form = forms.InvoiceForm(
        initial={
            "client": invoice.client_id,
            "organisation": invoice.organisation,
            "date": invoice.date,
            "due_date": invoice.due_date,
            "contact": invoice.contact_id,
            "currency": invoice.currency,
            "prices_include_vat": invoice.prices_include_vat,
            "comment": invoice.comment,
        }
    )
    lines = [
        {
            "product": line.product_id,
            "product_name": line.product.name if line.product else "",
            "description": line.description,
            "quantity": line.quantity,
            "price": line.price,
            "discount_percent": line.discount_percent,
            "vat_rate": "" if line.vat_rate is None else line.vat_rate,
        }
        for line in invoice.lines.all()
    ]
    return render(
        request,
        "billing/invoice_form.html",
        _form_context(request, form, lines=lines, invoice=invoice),
    )


@login_required
@require_POST
def invoice_preview(request: HttpRequest) -> HttpResponse:
    """The lines editor's live amounts and totals (HTMX)."""
    currency = request.POST.get("currency") or None
    try:
        built, totals = services.invoice_preview(
            lines=forms.lines_from_post(request.POST),
            prices_include_vat=bool(request.POST.get("prices_include_vat")),
            currency=currency,
        )
        errors: list[str] = []
    except ValidationError as exc:
        built, totals, errors = [], {}, exc.messages
    return render(
        request,
        "billing/_invoice_totals.html",
        {"preview_lines": built, "totals": totals, "errors": errors, "currency": currency},
    )


@login_required
def invoice_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    invoice = selectors.invoice_get(actor=request.user, pk=pk)
    invoice.badge = STATUS_BADGES[invoice.status]
    today = timezone.localdate()
    return render(
        request,
        "billing/invoice_detail.html",
        {
            "invoice": invoice,
            "allocations": selectors.invoice_allocations(actor=request.user, invoice=invoice),
            "can_edit": access.can_edit(request.user, invoice),
            "is_overdue": invoice.status in OPEN_STATUSES and invoice.due_date < today,
            "email_form": forms.EmailForm(
                initial={"to": _contact_email(invoice), "subject": str(invoice)}
            ),
            **slots.context(*INVOICE_SLOTS),
        },
    )


def _contact_email(invoice: Invoice) -> str:
    if invoice.contact is None:
        return ""
    point = invoice.contact.contact_points.filter(channel="email").order_by("pk").first()
    return point.value if point else ""


def _invoice_action(request: HttpRequest, pk: uuid.UUID, service: Any, done: str) -> HttpResponse:
    invoice = selectors.invoice_get(actor=request.user, pk=pk)
    try:
        service(actor=request.user, invoice=invoice)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("billing:invoice_detail", pk=pk)


@login_required
@require_POST
def invoice_send(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _invoice_action(request, pk, services.invoice_send, _("The invoice is sent."))


@login_required
@require_POST
def invoice_cancel(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _invoice_action(request, pk, services.invoice_cancel, _("The invoice is cancelled."))


@login_required
@require_POST
def invoice_delete(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    invoice = selectors.invoice_get(actor=request.user, pk=pk)
    try:
        services.invoice_trash(actor=request.user, invoice=invoice)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("billing:invoice_detail", pk=pk)
    messages.success(request, _("The invoice was moved to the trash."))
    return redirect("billing:invoice_list")


@login_required
def invoice_pdf(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    from ..services.printing import invoice_pdf as make_pdf

    invoice = selectors.invoice_get(actor=request.user, pk=pk)
    try:
        document = make_pdf(actor=request.user, invoice=invoice)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("billing:invoice_detail", pk=pk)
    return FileResponse(
        document.pdf.open("rb"),
        as_attachment=True,
        filename=document.pdf.name.rsplit("/", 1)[-1],
        content_type="application/pdf",
    )


@login_required
@require_POST
def invoice_email(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    from ..services.printing import invoice_email as send

    invoice = selectors.invoice_get(actor=request.user, pk=pk)
    form = forms.EmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the recipients' e-mail addresses."))
        return redirect("billing:invoice_detail", pk=pk)
    try:
        send(actor=request.user, invoice=invoice, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The invoice will be e-mailed in a moment."))
    return redirect("billing:invoice_detail", pk=pk)
