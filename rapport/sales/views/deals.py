"""Deal pages: the list with filters, the form with its product lines editor (totals
recomputed on the server), the card with its timeline, and the stage / win / lose /
reopen / trash actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.catalog import pricing
from rapport.catalog.models import Currency, PriceType, Product
from rapport.core import access, slots
from rapport.core.views import apply_errors
from rapport.parties.models import Client
from rapport.parties.selectors import client_contacts

from ..forms import DealFilterForm, DealForm, LoseForm, parse_lines
from ..models import DealStatus, Stage
from ..selectors import deals as selectors
from ..selectors import pipelines as pipeline_selectors
from ..services import deals as services

# Places on the deal card later apps fill (core.slots): buttons beside the deal's own
# actions, and panels under its product lines.
DEAL_SLOTS = ("deal_actions", "deal_panels")


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _first_error(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        data = exc.message_dict
        for key in ("stage", "status", "reason", "lines", "currency"):
            if key in data:
                return data[key][0]
        return next(iter(data.values()))[0]
    return exc.messages[0]


# --- list -------------------------------------------------------------------------------


@login_required
def deal_list(request: HttpRequest) -> HttpResponse:
    form = DealFilterForm(request.GET or None)
    filters = selectors.DealFilters(**form.filters()) if request.GET else selectors.DealFilters()
    page = selectors.deal_page(
        actor=request.user, filters=filters, cursor=request.GET.get("cursor", "")
    )
    params = request.GET.copy()
    params.pop("cursor", None)
    context = {"form": form, "page": page, "query": params.urlencode()}
    if request.headers.get("HX-Request") and request.GET.get("cursor"):
        return render(request, "sales/_deal_rows.html", context)
    return render(request, "sales/deal_list.html", context)


# --- form -------------------------------------------------------------------------------


def _contacts_for(actor: Any, client: Client | None) -> list[Any]:
    if client is None:
        return []
    return [role.contact for role in client_contacts(actor=actor, client=client)]


def _form_context(request: HttpRequest, form: DealForm, deal: Any = None) -> dict[str, Any]:
    client = None
    raw = form.data.get("client") if form.is_bound else form.initial.get("client")
    if raw:
        client = access.visible_to(request.user, Client).filter(pk=_pk(raw)).first()
    elif deal is not None:
        client = deal.client
    if form.is_bound:
        lines = parse_lines(form.data)
    elif deal is not None:
        lines = [
            {
                "product": line.product,
                "description": line.description,
                "quantity": line.quantity,
                "price": line.price,
                "discount_percent": line.discount_percent,
                "vat_rate": line.vat_rate,
            }
            for line in selectors.deal_lines(deal=deal)
        ]
    else:
        lines = []
    contacts_selected = (
        {str(pk) for pk in form.data.getlist("contacts")}
        if form.is_bound
        else {str(c.pk) for c in (deal.contacts.all() if deal is not None else [])}
    )
    return {
        "form": form,
        "deal": deal,
        "client": client,
        "contacts": _contacts_for(request.user, client),
        "contacts_selected": contacts_selected,
        "priced": _price(request, form, client, lines, deal),
        "stage_groups": form.stage_groups() if "stage" in form.fields else [],
        "stage_selected": str(form.data.get("stage") or form.initial.get("stage") or ""),
    }


def _pk(value: Any) -> Any:
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return uuid.UUID(int=0)


def _price(
    request: HttpRequest, form: DealForm, client: Any, lines: list[dict[str, Any]], deal: Any
) -> Any:
    data = form.data if form.is_bound else {}
    currency = Currency.objects.filter(code=data.get("currency") or "").first()
    if currency is None:
        currency = deal.currency if deal is not None else _default_currency(form)
    price_type = PriceType.objects.filter(pk=_pk(data.get("price_type") or "")).first()
    if price_type is None and not data.get("price_type"):
        price_type = deal.price_type if deal is not None else pricing.default_price_type()
    if currency is None:
        return None
    return services.price_lines(
        actor=request.user, client=client, currency=currency, price_type=price_type, lines=lines
    )


def _default_currency(form: DealForm) -> Any:
    code = form.initial.get("currency") or pricing.base_currency(None)
    return Currency.objects.filter(code=getattr(code, "pk", code)).first()


@login_required
def deal_create(request: HttpRequest) -> HttpResponse:
    if not request.user.can_write:
        raise PermissionDenied
    initial: dict[str, Any] = {
        "currency": pricing.base_currency(None),
        "price_type": pricing.default_price_type(),
        "manager": request.user.pk,
    }
    if request.GET.get("client"):
        initial["client"] = request.GET["client"]
    pipeline = pipeline_selectors.default_pipeline(
        actor=request.user, pk=request.GET.get("pipeline") or None
    )
    if pipeline is not None:
        first = pipeline.stages.filter(is_active=True).order_by("position").first()
        initial["stage"] = first.pk if first else None
    form = DealForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.service_kwargs()
        try:
            deal = services.deal_create(actor=request.user, lines=parse_lines(request.POST), **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The deal is created."))
            return redirect("sales:deal_detail", pk=deal.pk)
    return render(request, "sales/deal_form.html", _form_context(request, form))


@login_required
def deal_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    deal = selectors.deal_get(actor=request.user, pk=pk)
    if not access.can_edit(request.user, deal):
        raise PermissionDenied
    initial = {
        "title": deal.title,
        "client": deal.client_id,
        "contacts": [c.pk for c in deal.contacts.all()],
        "currency": deal.currency_id,
        "price_type": deal.price_type_id,
        "amount": deal.amount,
        "probability": deal.probability,
        "expected_close": deal.expected_close,
        "manager": deal.manager_id,
        "source": deal.source_id,
        "competitors": [c.pk for c in deal.competitors.all()],
        "description": deal.description,
        "version": deal.version,
    }
    form = DealForm(request.POST or None, actor=request.user, editing=True, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.service_kwargs()
        version = form.cleaned_data.get("version") or deal.version
        try:
            deal = services.deal_update(
                actor=request.user,
                deal=deal,
                version=version,
                lines=parse_lines(request.POST),
                **data,
            )
        except services.DealConflict as exc:
            conflict = exc.message
            form.add_error(None, exc.message)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The deal is saved."))
            return redirect("sales:deal_detail", pk=deal.pk)
    context = _form_context(request, form, deal)
    context["conflict"] = conflict
    return render(request, "sales/deal_form.html", context)


@login_required
@require_POST
def deal_lines_preview(request: HttpRequest) -> HttpResponse:
    """The lines editor re-rendered with catalogue prices, discounts and totals."""
    form = DealForm(request.POST, actor=request.user)
    client = (
        access.visible_to(request.user, Client)
        .filter(pk=_pk(request.POST.get("client") or ""))
        .first()
    )
    priced = _price(request, form, client, parse_lines(request.POST), None)
    # Rows just added and not filled in yet stay in the editor.
    products = request.POST.getlist("line-product")
    descriptions = request.POST.getlist("line-description")
    blank = sum(
        1
        for i, product in enumerate(products)
        if not product and not (descriptions[i] if i < len(descriptions) else "").strip()
    )
    return render(request, "sales/_lines.html", {"priced": priced, "blank_rows": range(blank)})


@login_required
def contact_options(request: HttpRequest) -> HttpResponse:
    client = (
        access.visible_to(request.user, Client)
        .filter(pk=_pk(request.GET.get("client") or ""))
        .first()
    )
    return render(
        request,
        "sales/_contact_options.html",
        {"contacts": _contacts_for(request.user, client), "contacts_selected": set()},
    )


@login_required
def product_options(request: HttpRequest) -> JsonResponse:
    """Active products matching ``q`` (name, SKU, barcode), for the lines editor."""
    text = request.GET.get("q", "").strip()
    qs = Product.objects.filter(is_active=True, deleted_at__isnull=True)
    if access.has_rule(Product):
        qs = access.visible_to(request.user, Product, queryset=qs)
    if text:
        from django.db.models import Q

        qs = qs.filter(Q(name__icontains=text) | Q(sku__iexact=text) | Q(barcode=text))
    results = [
        {"value": str(pk), "text": f"{name} ({sku})" if sku else name}
        for pk, name, sku in qs.order_by("name", "id").values_list("pk", "name", "sku")[:20]
    ]
    return JsonResponse({"results": results})


# --- card -------------------------------------------------------------------------------


@login_required
def deal_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    deal = selectors.deal_get(actor=request.user, pk=pk)
    lines = selectors.deal_lines(deal=deal)
    return render(
        request,
        "sales/deal_detail.html",
        {
            "deal": deal,
            "lines": lines,
            "totals": selectors.deal_totals(deal=deal, lines=lines),
            "stays": selectors.deal_stage_history(actor=request.user, deal=deal),
            "timeline": selectors.deal_timeline(actor=request.user, deal=deal),
            "stages": pipeline_selectors.stage_list(actor=request.user, pipeline=deal.pipeline),
            "can_edit": access.can_edit(request.user, deal),
            "lose_form": LoseForm(initial={"version": deal.version}),
            "is_open": deal.status == DealStatus.OPEN,
            "base_currency": pricing.base_currency(deal.organisation),
            **slots.context(*DEAL_SLOTS),
        },
    )


def _move_response(request: HttpRequest, deal: Any, error: str = "", code: int = 200):
    if _wants_json(request):
        payload: dict[str, Any] = {"ok": not error, "message": error}
        if not error:
            totals = selectors.board_totals(actor=request.user, pipeline=deal.pipeline)
            from .board import column_summary

            payload["version"] = deal.version
            payload["columns"] = {
                str(stage_id): column_summary(count, amount)
                for stage_id, (count, amount) in totals.items()
            }
            payload["stages"] = [str(s.pk) for s in deal.pipeline.stages.all()]
        return JsonResponse(payload, status=code)
    if error:
        messages.error(request, error)
    return redirect("sales:deal_detail", pk=deal.pk)


@login_required
@require_POST
def deal_move(request: HttpRequest, pk: Any) -> HttpResponse:
    deal = selectors.deal_get(actor=request.user, pk=pk)
    stage = access.visible_to(request.user, Stage).filter(pk=_pk(request.POST.get("stage"))).first()
    if stage is None:
        raise Http404("stage not found")
    version = request.POST.get("version") or None
    try:
        deal = services.deal_move(actor=request.user, deal=deal, stage=stage, version=version)
    except services.DealConflict as exc:
        return _move_response(request, deal, exc.message, 409)
    except PermissionDenied as exc:
        return _move_response(request, deal, str(exc) or _("You may not change this deal."), 403)
    except ValidationError as exc:
        return _move_response(request, deal, _first_error(exc), 400)
    if not _wants_json(request):
        messages.success(request, _("The deal moved to “%(stage)s”.") % {"stage": stage.name})
    return _move_response(request, deal)


def _close_action(request: HttpRequest, pk: Any, fn: Any, done: str, **extra: Any):
    deal = selectors.deal_get(actor=request.user, pk=pk)
    try:
        fn(actor=request.user, deal=deal, version=request.POST.get("version") or None, **extra)
    except services.DealConflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(request, done)
    return redirect("sales:deal_detail", pk=deal.pk)


@login_required
@require_POST
def deal_win(request: HttpRequest, pk: Any) -> HttpResponse:
    return _close_action(request, pk, services.deal_win, _("The deal is won."))


@login_required
@require_POST
def deal_lose(request: HttpRequest, pk: Any) -> HttpResponse:
    form = LoseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else None
    comment = request.POST.get("comment", "")
    return _close_action(
        request, pk, services.deal_lose, _("The deal is lost."), reason=reason, comment=comment
    )


@login_required
@require_POST
def deal_reopen(request: HttpRequest, pk: Any) -> HttpResponse:
    return _close_action(request, pk, services.deal_reopen, _("The deal is open again."))


@login_required
@require_POST
def deal_trash(request: HttpRequest, pk: Any) -> HttpResponse:
    deal = selectors.deal_get(actor=request.user, pk=pk)
    services.deal_trash(actor=request.user, deal=deal)
    messages.success(request, _("The deal is in the trash."))
    return redirect("sales:deal_list")
