"""Products: the list (search, group tree, active toggle, keyset pages), the card,
the create/edit form, trash, and the lookup the price list editor searches with."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.core.properties import format_property_value
from rapport.parties.forms import apply_service_errors

from .. import selectors
from ..access import can_manage_catalog
from ..forms import ProductFilterForm, ProductForm
from ..models import Product
from ..services import products as product_services
from ._common import manager_required

PAGE_SIZE = 50


@login_required
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    form = ProductFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    group = data.get("group")
    filters = selectors.ProductFilters(
        search=data.get("q") or "", group=group, active=form.active_flag()
    )
    rows, after = selectors.product_page(
        selectors.product_list(actor=request.user, filters=filters),
        after=request.GET.get("after"),
        size=PAGE_SIZE,
    )
    params = request.GET.copy()
    params.pop("after", None)
    context = {
        "form": form,
        "products": rows,
        "next_after": after,
        "query": params.urlencode(),
        "is_next_page": bool(request.GET.get("after")),
        "tree": selectors.group_tree(actor=request.user, with_counts=True),
        "current_group": str(group) if group else "",
        "can_manage": can_manage_catalog(request.user),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "product-results" and not htmx.history_restore_request:
        return render(request, "catalog/_product_results.html", context)
    return render(request, "catalog/product_list.html", context)


@login_required
@require_GET
def product_lookup(request: HttpRequest) -> JsonResponse:
    """Live products matching ``q`` (name, SKU, barcode) for Tom Select pickers."""
    filters = selectors.ProductFilters(search=request.GET.get("q", ""))
    rows = selectors.product_list(actor=request.user, filters=filters)[:20]
    return JsonResponse(
        {
            "results": [
                {"value": str(p.pk), "text": f"{p.name} · {p.sku}" if p.sku else p.name}
                for p in rows
            ]
        }
    )


@login_required
@require_GET
def product_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    product = selectors.product_get(actor=request.user, pk=pk)
    definitions = selectors.product_property_definitions()
    properties = [
        (d.label, format_property_value(d, product.properties.get(d.code)))
        for d in definitions
        if product.properties.get(d.code) not in (None, "", [])
    ]
    return render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "properties": properties,
            "prices": selectors.product_prices(actor=request.user, product=product),
            "price_items": selectors.product_price_lists(actor=request.user, product=product),
            "entries": selectors.product_history(actor=request.user, product=product),
            "can_manage": can_manage_catalog(request.user),
            # Stock by warehouse and the ids other systems (1C) know the product by.
            "stock_levels": selectors.product_stock(product=product),
            "external_ids": selectors.product_external_ids(product=product),
        },
    )


def _form_page(request: HttpRequest, product: Product | None) -> HttpResponse:
    initial: dict[str, Any] = {"is_active": True, "kind": "goods"}
    if product is not None:
        initial = {
            f: getattr(product, f)
            for f in (
                "name",
                "kind",
                "sku",
                "barcode",
                "group",
                "unit",
                "vat_rate",
                "description",
                "is_active",
            )
        }
    elif request.GET.get("group"):
        initial["group"] = request.GET["group"]
    form = ProductForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        actor=request.user,
        product=product,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if product is None:
                product = product_services.product_create(
                    actor=request.user, **form.service_kwargs()
                )
            else:
                product_services.product_update(
                    actor=request.user, product=product, **form.service_kwargs()
                )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The product is saved."))
            return redirect("catalog:product_detail", pk=product.pk)
    return render(request, "catalog/product_form.html", {"form": form, "product": product})


@manager_required
def product_create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@manager_required
def product_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    return _form_page(request, selectors.product_get(actor=request.user, pk=pk))


@manager_required
@require_POST
def product_trash(request: HttpRequest, pk: Any) -> HttpResponse:
    product = selectors.product_get(actor=request.user, pk=pk)
    product_services.product_trash(actor=request.user, product=product)
    messages.success(request, _("“%(name)s” is moved to the trash.") % {"name": product.name})
    return redirect("catalog:product_list")
