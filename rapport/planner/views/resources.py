"""Rooms and other resources: everyone signed in sees the list, administrators
create and change them (the same 404 as other administrator pages for the rest)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rapport.core import access
from rapport.core.views import admin_required, apply_errors

from .. import selectors, services
from ..forms import ResourceForm
from ..models import Resource


@login_required
def resource_list(request: HttpRequest) -> HttpResponse:
    resources = selectors.resource_list(actor=request.user, active_only=False)
    return render(
        request,
        "planner/resource_list.html",
        {"resources": resources, "can_manage": request.user.is_administrator},
    )


def _form_page(request: HttpRequest, resource: Resource | None) -> HttpResponse:
    initial = (
        {
            "name": resource.name,
            "kind": resource.kind,
            "location": resource.location,
            "capacity": resource.capacity,
            "is_active": resource.is_active,
        }
        if resource is not None
        else {"is_active": True}
    )
    form = ResourceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.resource_save(actor=request.user, resource=resource, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The resource is saved."))
            return redirect("planner:resource_list")
    return render(request, "planner/resource_form.html", {"form": form, "resource": resource})


@admin_required
def resource_create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@admin_required
def resource_edit(request: HttpRequest, pk: str) -> HttpResponse:
    resource = access.get_visible_or_404(request.user, Resource, pk=pk)
    return _form_page(request, resource)
