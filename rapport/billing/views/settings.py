"""Billing settings pages: the invoice number series of each organisation (administrators)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rapport.core.models import Organisation
from rapport.core.views import apply_errors

from .. import forms, selectors, services
from ._common import _uuid

# --- settings -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def number_series(request: HttpRequest) -> HttpResponse:
    if not request.user.is_administrator:
        raise PermissionDenied(_("Only an administrator may change number series."))
    errors: dict[str, Any] = {}
    if request.method == "POST":
        org = Organisation.objects.filter(pk=_uuid(request.POST.get("organisation"))).first()
        form = forms.NumberSeriesForm(request.POST)
        if org is not None and form.is_valid():
            try:
                services.number_series_save(
                    actor=request.user, organisation=org, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The number series was saved."))
                return redirect("billing:number_series")
        if org is not None:
            errors[str(org.pk)] = form
    rows = []
    for org, series in selectors.number_series(actor=request.user):
        form = errors.get(str(org.pk)) or forms.NumberSeriesForm(
            initial={
                "prefix": series.prefix if series else "INV-{year}-",
                "next_number": series.next_number if series else 1,
                "padding": series.padding if series else 4,
                "yearly_reset": series.yearly_reset if series else True,
            }
        )
        rows.append({"organisation": org, "series": series, "form": form})
    return render(
        request,
        "billing/number_series.html",
        {"rows": rows},
        status=422 if errors else 200,
    )
