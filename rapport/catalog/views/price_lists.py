"""Price lists: the list, the header form, and the editor (a table of products with a
price each; products are added through a search picker; everything is saved at once)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.core.views import apply_errors
from rapport.parties.forms import read_rows

from .. import selectors
from ..access import can_manage_catalog
from ..forms import PriceListForm
from ..models import PriceList
from ..services import prices as price_services
from ._common import manager_required, price_text

HEADER_FIELDS = ("name", "price_type", "currency", "valid_from", "valid_to", "is_active")


@login_required
@require_GET
def price_list_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "active")
    filters = selectors.PriceListFilters(
        price_type=request.GET.get("price_type") or None,
        currency=request.GET.get("currency", ""),
        active=None if show == "all" else show != "inactive",
    )
    try:
        price_lists = list(selectors.price_list_list(actor=request.user, filters=filters)[:500])
    except (ValueError, ValidationError):
        price_lists = []
    return render(
        request,
        "catalog/price_list_list.html",
        {
            "price_lists": price_lists,
            "price_types": selectors.price_types(actor=request.user),
            "currencies": selectors.currencies(actor=request.user),
            "selected": {
                "price_type": request.GET.get("price_type", ""),
                "currency": request.GET.get("currency", ""),
                "show": show,
            },
            "today": timezone.localdate(),
            "can_manage": can_manage_catalog(request.user),
        },
    )


def _header_page(request: HttpRequest, price_list: PriceList | None) -> HttpResponse:
    if price_list is not None:
        initial = {f: getattr(price_list, f) for f in HEADER_FIELDS}
    else:
        initial = {"valid_from": timezone.localdate(), "is_active": True}
        default_type = selectors.price_types(actor=request.user, active_only=True).first()
        if default_type is not None:
            initial["price_type"] = default_type
    form = PriceListForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if price_list is None:
                price_list = price_services.price_list_create(
                    actor=request.user, **form.cleaned_data
                )
            else:
                price_services.price_list_update(
                    actor=request.user, price_list=price_list, **form.cleaned_data
                )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The price list is saved."))
            return redirect("catalog:price_list_detail", pk=price_list.pk)
    return render(request, "catalog/price_list_form.html", {"form": form, "price_list": price_list})


@manager_required
def price_list_create(request: HttpRequest) -> HttpResponse:
    return _header_page(request, None)


@manager_required
def price_list_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    return _header_page(request, selectors.price_list_get(actor=request.user, pk=pk))


def _editor(
    request: HttpRequest,
    price_list: PriceList,
    rows: list[dict[str, Any]],
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "catalog/price_list_detail.html",
        {
            "price_list": price_list,
            "rows": rows,
            "errors": errors or [],
            "can_manage": can_manage_catalog(request.user),
        },
        status=status,
    )


@login_required
@require_GET
def price_list_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    price_list = selectors.price_list_get(actor=request.user, pk=pk)
    rows = [
        {
            "product": item.product,
            "product_id": str(item.product_id),
            "price": price_text(item.price),
        }
        for item in selectors.price_list_items(actor=request.user, price_list=price_list)
    ]
    return _editor(request, price_list, rows)


@manager_required
@require_POST
def price_list_prices(request: HttpRequest, pk: Any) -> HttpResponse:
    """Save every price of the editor at once: rows left out are removed from the list."""
    price_list = selectors.price_list_get(actor=request.user, pk=pk)
    posted = [r for r in read_rows(request.POST, "item", ("product", "price")) if r["product"]]
    try:
        price_services.price_list_set_prices(
            actor=request.user,
            price_list=price_list,
            items=[{"product": r["product"], "price": r["price"]} for r in posted],
            replace=True,
        )
    except ValidationError as exc:
        products = selectors.products_by_ids(actor=request.user, ids=[r["product"] for r in posted])
        rows = [
            {"product": products.get(r["product"]), "product_id": r["product"], "price": r["price"]}
            for r in posted
        ]
        return _editor(request, price_list, rows, errors=exc.messages, status=422)
    messages.success(request, _("The prices are saved."))
    return redirect("catalog:price_list_detail", pk=price_list.pk)


@manager_required
@require_GET
def price_list_row(request: HttpRequest, pk: Any) -> HttpResponse:
    """One editor row for the product picked in the search (an HTMX/fetch fragment)."""
    price_list = selectors.price_list_get(actor=request.user, pk=pk)
    product = selectors.product_get(actor=request.user, pk=request.GET.get("product"))
    return render(
        request,
        "catalog/_price_row.html",
        {
            "row": {"product": product, "product_id": str(product.pk), "price": ""},
            "price_list": price_list,
            "can_manage": True,
        },
    )


@manager_required
@require_POST
def price_list_trash(request: HttpRequest, pk: Any) -> HttpResponse:
    price_list = selectors.price_list_get(actor=request.user, pk=pk)
    price_services.price_list_trash(actor=request.user, price_list=price_list)
    messages.success(request, _("“%(name)s” is moved to the trash.") % {"name": price_list.name})
    return redirect("catalog:price_list_list")
