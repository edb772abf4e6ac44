"""Fragments of the client card: the client's interests (list, add, remove). (The
activity stream is the client base's: ``parties:client_timeline``.)"""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from rapport.core import access
from rapport.parties import selectors as party_selectors

from .. import forms, selectors, services
from ..models import ClientInterest
from ._common import apply_errors, require_writer


@login_required
@require_http_methods(["GET", "POST"])
def client_interests(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = party_selectors.client_get(actor=request.user, pk=pk)
    if request.method == "GET":
        return _interests_panel(request, client)
    require_writer(request.user)
    form = forms.ClientInterestForm(request.POST)
    if form.is_valid():
        try:
            services.client_interest_add(actor=request.user, client=client, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _interests_panel(request, client)
    return _interests_panel(request, client, form, status=422)


@login_required
@require_POST
def client_interest_remove(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    record = access.get_visible_or_404(request.user, ClientInterest, pk)
    client = party_selectors.client_get(actor=request.user, pk=record.client_id)
    services.client_interest_remove(actor=request.user, client_interest=record)
    return _interests_panel(request, client)


def _interests_panel(
    request: HttpRequest, client, form: forms.ClientInterestForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "interactions/_client_interests_panel.html",
        {
            "client": client,
            "interests": selectors.client_interests(actor=request.user, client=client),
            "form": form or forms.ClientInterestForm(),
            "can_write": request.user.can_write,
        },
        status=status,
    )
