"""Catalogue settings for administrators and directors: product groups, currencies and
exchange rates, units, VAT rates, price types, discount rules and manual discount
limits. One form page serves every reference list (``KINDS``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rapport.core.views import apply_errors

from .. import forms, selectors
from ..services import groups as group_services
from ..services import reference as reference_services
from ._common import manager_required


@dataclass(frozen=True)
class Kind:
    title: Promise
    form: type[django_forms.Form]
    fields: tuple[str, ...]
    get: Callable[..., Any]
    save: Callable[..., Any]
    delete: Callable[..., Any]
    anchor: str
    needs_actor: bool = False


KINDS: dict[str, Kind] = {
    "group": Kind(
        gettext_lazy("product group"),
        forms.GroupForm,
        ("name", "parent", "position"),
        lambda actor, pk: selectors.group_get(actor=actor, pk=pk),
        lambda actor, obj, data: group_services.product_group_save(actor=actor, group=obj, **data),
        lambda actor, obj: group_services.product_group_delete(actor=actor, group=obj),
        "groups",
        needs_actor=True,
    ),
    "currency": Kind(
        gettext_lazy("currency"),
        forms.CurrencyForm,
        ("code", "name", "symbol", "minor_units", "is_active"),
        lambda actor, pk: selectors.currency_get(actor=actor, code=pk),
        lambda actor, obj, data: reference_services.currency_save(
            actor=actor, **{**data, **({"code": obj.code} if obj else {})}
        ),
        lambda actor, obj: reference_services.currency_delete(actor=actor, currency=obj),
        "currencies",
    ),
    "rate": Kind(
        gettext_lazy("exchange rate"),
        forms.ExchangeRateForm,
        ("currency", "multiplier", "base", "rate", "date"),
        lambda actor, pk: selectors.exchange_rate_get(actor=actor, pk=pk),
        lambda actor, obj, data: reference_services.exchange_rate_save(
            actor=actor, exchange_rate=obj, **data
        ),
        lambda actor, obj: reference_services.exchange_rate_delete(actor=actor, exchange_rate=obj),
        "currencies",
    ),
    "unit": Kind(
        gettext_lazy("unit"),
        forms.UnitForm,
        ("name", "code", "full_name"),
        lambda actor, pk: selectors.unit_get(actor=actor, pk=pk),
        lambda actor, obj, data: reference_services.unit_save(actor=actor, unit=obj, **data),
        lambda actor, obj: reference_services.unit_delete(actor=actor, unit=obj),
        "units",
    ),
    "vat": Kind(
        gettext_lazy("VAT rate"),
        forms.VatRateForm,
        ("name", "rate", "position", "is_active"),
        lambda actor, pk: selectors.vat_rate_get(actor=actor, pk=pk),
        lambda actor, obj, data: reference_services.vat_rate_save(
            actor=actor, vat_rate=obj, **data
        ),
        lambda actor, obj: reference_services.vat_rate_delete(actor=actor, vat_rate=obj),
        "vat",
    ),
    "price-type": Kind(
        gettext_lazy("price type"),
        forms.PriceTypeForm,
        ("code", "name", "position", "includes_vat", "is_default", "is_active"),
        lambda actor, pk: selectors.price_type_get(actor=actor, pk=pk),
        lambda actor, obj, data: reference_services.price_type_save(
            actor=actor, price_type=obj, **data
        ),
        lambda actor, obj: reference_services.price_type_delete(actor=actor, price_type=obj),
        "price-types",
    ),
    "discount": Kind(
        gettext_lazy("discount rule"),
        forms.DiscountRuleForm,
        (
            "name",
            "percent",
            "client_category",
            "product_group",
            "valid_from",
            "valid_to",
            "is_active",
        ),
        lambda actor, pk: selectors.discount_rule_get(actor=actor, pk=pk),
        lambda actor, obj, data: reference_services.discount_rule_save(
            actor=actor, rule=obj, **data
        ),
        lambda actor, obj: reference_services.discount_rule_delete(actor=actor, rule=obj),
        "discounts",
        needs_actor=True,
    ),
}


def _kind(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise Http404
    return kind


def _back(kind: Kind) -> str:
    if kind.anchor == "groups":
        return reverse("catalog:group_list")
    return f"{reverse('catalog:settings')}#{kind.anchor}"


@manager_required
def settings_page(request: HttpRequest) -> HttpResponse:
    actor = request.user
    limits = selectors.manual_discount_limits(actor=actor)
    form = forms.DiscountLimitsForm(
        request.POST if request.method == "POST" else None, limits=limits
    )
    if request.method == "POST" and form.is_valid():
        failed = False
        for row in limits:
            try:
                reference_services.manual_discount_limit_set(
                    actor=actor, role=row.role, max_percent=form.cleaned_data.get(row.role)
                )
            except ValidationError as exc:
                failed = True
                form.add_error(row.role, exc.messages)
        if not failed:
            messages.success(request, _("The discount limits are saved."))
            return redirect(f"{reverse('catalog:settings')}#limits")
    return render(
        request,
        "catalog/settings.html",
        {
            "currencies": selectors.currencies(actor=actor),
            "rates": selectors.exchange_rates(actor=actor)[:100],
            "units": selectors.units(actor=actor),
            "vat_rates": selectors.vat_rates(actor=actor),
            "price_types": selectors.price_types(actor=actor),
            "discount_rules": selectors.discount_rules(actor=actor),
            "limits": limits,
            "limits_form": form,
        },
        status=422 if form.errors else 200,
    )


@manager_required
def group_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalog/group_list.html",
        {"tree": selectors.group_tree(actor=request.user, with_counts=True)},
    )


@manager_required
def settings_form(request: HttpRequest, kind: str, pk: str | None = None) -> HttpResponse:
    spec = _kind(kind)
    record = spec.get(request.user, pk) if pk is not None else None
    initial = {f: getattr(record, f) for f in spec.fields} if record is not None else {}
    if record is None and kind == "group" and request.GET.get("parent"):
        initial["parent"] = request.GET["parent"]
    extra = {"actor": request.user} if spec.needs_actor else {}
    form = spec.form(request.POST if request.method == "POST" else None, initial=initial, **extra)
    if record is not None and kind == "currency":
        form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            spec.save(request.user, record, dict(form.cleaned_data))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(_back(spec))
    return render(
        request,
        "catalog/settings_form.html",
        {"form": form, "kind": kind, "spec": spec, "record": record, "back": _back(spec)},
        status=422 if form.errors else 200,
    )


@manager_required
@require_POST
def settings_delete(request: HttpRequest, kind: str, pk: str) -> HttpResponse:
    spec = _kind(kind)
    record = spec.get(request.user, pk)
    try:
        spec.delete(request.user, record)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Deleted."))
    return redirect(_back(spec))
