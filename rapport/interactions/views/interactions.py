"""Interaction pages: list (filters, keyset pages), card, create/edit/complete, trash.
Thin: parse, call one service or selector, render."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import forms, selectors, services
from ..models import Interaction
from ._common import apply_errors, keyset_page, parse_uuid, require_writer


def _list_query(params: Any) -> str:
    return urlencode([(k, v) for k in params for v in params.getlist(k) if k != "cursor" and v])


@login_required
@require_GET
def interaction_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    filters = forms.list_filters(request.GET, actor=actor)
    page = keyset_page(
        selectors.interaction_list(actor=actor, filters=filters),
        cursor=request.GET.get("cursor", ""),
    )
    rows = selectors.interaction_page_rows(page.rows, actor=actor)
    query = _list_query(request.GET)
    next_url = ""
    if page.next_cursor:
        sep = "&" if query else ""
        next_url = (
            f"{reverse('interactions:interaction_list')}?{query}{sep}cursor={page.next_cursor}"
        )
    context: dict[str, Any] = {"rows": rows, "page": page, "next_url": next_url}
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target in ("interaction-rows", "interaction-pager"):
        return render(request, "interactions/interaction_list.html#rows", context)
    context.update(
        {
            "params": request.GET,
            "types": selectors.interaction_types(active_only=False),
            "users": forms._writers(),
            "filter_client": selectors.visible_client(actor=actor, pk=filters.client)
            if filters.client
            else None,
            "can_write": actor.can_write,
        }
    )
    return render(request, "interactions/interaction_list.html", context)


@login_required
@require_GET
def interaction_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    interaction = selectors.interaction_get(actor=request.user, pk=pk)
    return render(
        request,
        "interactions/interaction_detail.html",
        {
            "interaction": interaction,
            "history": selectors.interaction_history(actor=request.user, interaction=interaction),
        },
    )


def _templates_data() -> list[dict[str, Any]]:
    return [
        {
            "id": str(t.pk),
            "type": str(t.type_id),
            "subject": t.subject,
            "description": t.description,
            "duration": t.duration,
        }
        for t in selectors.interaction_templates()
    ]


def _form_page(request: HttpRequest, form: Any, **context: Any) -> HttpResponse:
    context.update(
        {
            "form": form,
            "templates": selectors.interaction_templates(),
            "templates_data": _templates_data(),
        }
    )
    return render(
        request,
        "interactions/interaction_form.html",
        context,
        status=422 if form.errors else 200,
    )


def _after_save(request: HttpRequest, interaction: Interaction) -> HttpResponse:
    if request.POST.get("back") == "client":
        url = reverse("parties:client_detail", args=[interaction.client_id])
        return redirect(f"{url}?tab=activity")
    return redirect("interactions:interaction_detail", pk=interaction.pk)


@login_required
@require_http_methods(["GET", "POST"])
def interaction_create(request: HttpRequest) -> HttpResponse:
    """New interaction; ``?client=<id>`` pre-selects the client (the card's button),
    ``?planned=1`` plans one."""
    actor = request.user
    require_writer(actor)
    source = request.POST if request.method == "POST" else request.GET
    client = selectors.visible_client(actor=actor, pk=source.get("client"))
    if request.method == "POST":
        form = forms.InteractionForm(request.POST, actor=actor, client=client)
        if form.is_valid():
            try:
                interaction = services.interaction_create(actor=actor, **form.service_data())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The interaction was saved."))
                return _after_save(request, interaction)
    else:
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = forms.InteractionForm(
            actor=actor,
            client=client,
            initial={
                "client": client.pk if client else None,
                "date": now,
                "planned": source.get("planned") == "1",
                "manager": actor.pk,
                "type": parse_uuid(source.get("type")),
            },
        )
    back = source.get("back") or ("client" if client and request.method == "GET" else "")
    return _form_page(request, form, interaction=None, client=client, back=back)


def _editable(request: HttpRequest, pk: uuid.UUID) -> Interaction:
    interaction = selectors.interaction_get(actor=request.user, pk=pk)
    if not interaction.can_edit:
        raise PermissionDenied(_("You may not change this interaction."))
    return interaction


@login_required
@require_http_methods(["GET", "POST"])
def interaction_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    actor = request.user
    interaction = _editable(request, pk)
    if request.method == "POST":
        client = selectors.visible_client(actor=actor, pk=request.POST.get("client"))
        form = forms.InteractionForm(
            request.POST, actor=actor, client=client, current_type=interaction.type
        )
        if form.is_valid():
            try:
                services.interaction_update(
                    actor=actor, interaction=interaction, **form.service_data()
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The interaction was saved."))
                return _after_save(request, interaction)
    else:
        client = interaction.client
        form = forms.InteractionForm(
            actor=actor,
            client=client,
            current_type=interaction.type,
            initial={
                "client": client.pk,
                "type": interaction.type_id,
                "planned": interaction.planned,
                "date": timezone.localtime(interaction.date),
                "duration": interaction.duration,
                "subject": interaction.subject,
                "contacts": [str(c.pk) for c in interaction.contacts.all()],
                "participants": [u.pk for u in interaction.participants.all()],
                "manager": interaction.manager_id,
                "description": interaction.description,
                "result": interaction.result,
                "next_step": interaction.next_step,
            },
        )
    return _form_page(request, form, interaction=interaction, client=client, back="")


@login_required
@require_http_methods(["GET", "POST"])
def interaction_complete(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """A planned interaction took place: its result (and next step)."""
    interaction = _editable(request, pk)
    if not interaction.planned:
        messages.info(request, _("This interaction is already done."))
        return redirect("interactions:interaction_detail", pk=pk)
    if request.method == "POST":
        form = forms.CompleteForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
            data.setdefault("result", "")
            try:
                services.interaction_complete(actor=request.user, interaction=interaction, **data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The interaction is done."))
                return _after_save(request, interaction)
    else:
        form = forms.CompleteForm(
            initial={
                "next_step": interaction.next_step,
                "duration": interaction.duration,
                "date": timezone.localtime(interaction.date),
            }
        )
    return render(
        request,
        "interactions/interaction_complete.html",
        {"form": form, "interaction": interaction, "back": request.GET.get("back", "")},
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def interaction_trash(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    interaction = _editable(request, pk)
    services.interaction_trash(actor=request.user, interaction=interaction)
    messages.success(request, _("“%(subject)s” moved to the trash.") % {"subject": interaction})
    return redirect("interactions:interaction_list")


@login_required
@require_GET
def contact_options(request: HttpRequest) -> HttpResponse:
    """The contact-person picker of the form for the chosen client (HTMX fragment)."""
    client = selectors.visible_client(actor=request.user, pk=request.GET.get("client"))
    return render(
        request,
        "interactions/_contact_options.html",
        {"choices": forms.contact_choices(actor=request.user, client=client)},
    )
