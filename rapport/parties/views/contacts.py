"""Contact-person pages: list (search as you type), card, forms, trash."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.core import access
from rapport.core.models import PropertyTarget

from .. import forms, selectors, services
from ..models import ChannelKind, ContactPerson
from ._common import (
    contact_rows_context,
    follow_merges,
    keyset_page,
    property_rows,
    wants_rows_fragment,
)
from .clients import _points_by_channel, _require_writer, _uuid


@login_required
@require_GET
def contact_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    search = request.GET.get("q", "").strip()[:200]
    client_id = _uuid(request.GET.get("client"))
    page = keyset_page(
        selectors.contact_list(actor=actor, search=search, client=client_id),
        sort="name",
        cursor=request.GET.get("cursor", ""),
    )
    rows = selectors.contact_list_page_rows(page.rows, actor=actor)
    query = forms.list_query(request.GET)
    next_url = ""
    if page.next_cursor:
        next_url = (
            f"{reverse('parties:contact_list')}?{query}{'&' if query else ''}"
            f"cursor={page.next_cursor}"
        )
    context = {
        "rows": rows,
        "page": page,
        "next_url": next_url,
        "q": search,
        "query": query,
        "can_write": actor.can_write,
    }
    if wants_rows_fragment(request, "contact"):
        return render(request, "parties/contact_list.html#rows", context)
    return render(request, "parties/contact_list.html", context)


@login_required
@require_GET
@follow_merges("parties:contact_detail", ContactPerson, selectors.contact_alias_target)
def contact_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    actor = request.user
    contact = selectors.contact_get(actor=actor, pk=pk)
    roles, details = selectors.contact_card_roles(actor=actor, contact=contact)
    points = _points_by_channel(contact)
    tab = request.GET.get("tab", "details")
    return render(
        request,
        "parties/contact_detail.html",
        {
            "contact": contact,
            "roles": roles,
            "details_visible": details,
            "can_edit": access.can_edit(actor, contact),
            "tab": tab if tab in ("details", "files", "history") else "details",
            "phones": points[ChannelKind.PHONE],
            "emails": points[ChannelKind.EMAIL],
            "messengers": points[ChannelKind.MESSENGER],
            "addresses": list(contact.addresses.all()),
            "properties": property_rows(
                selectors.property_definitions(PropertyTarget.CONTACT),
                contact.properties,
                details_visible=details,
            ),
            "history": selectors.contact_history(actor=actor, contact=contact),
            "ct_id": ContentType.objects.get_for_model(ContactPerson).pk,
        },
    )


@login_required
@require_POST
def contact_trash(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    contact = selectors.contact_get(actor=request.user, pk=pk)
    _require_writer(request)
    services.contact_trash(actor=request.user, contact=contact)
    messages.success(request, _("“%(name)s” moved to the trash.") % {"name": contact.full_name})
    return redirect("parties:contact_list")


# --- forms ----------------------------------------------------------------------------


def _role_rows_for_form(actor: Any, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Posted role rows with the names of their (visible) clients, for the pickers."""
    ids = [i for i in (_uuid(r["client"]) for r in rows) if i]
    names = dict(selectors.client_list(actor=actor).filter(pk__in=ids).values_list("pk", "name"))
    result = []
    for row in rows:
        client_id = _uuid(row["client"])
        result.append({**row, "client_name": names.get(client_id, "") if client_id else ""})
    return result


def _form_context(
    form: forms.ContactForm,
    rows: dict[str, Any],
    roles: list[dict[str, Any]],
    row_errors: dict[str, Any],
    *,
    contact: ContactPerson | None,
    details_visible: bool,
    back_client: Any = None,
) -> dict[str, Any]:
    return {
        "form": form,
        "contact": contact,
        "details_visible": details_visible,
        "has_errors": bool(form.errors or row_errors),
        **contact_rows_context(rows, row_errors, fields=("phones", "emails", "messengers")),
        "roles": roles,
        "role_errors": row_errors.get("clients", []),
        "back_client": back_client,
    }


def _roles_payload(request: HttpRequest) -> list[dict[str, Any]]:
    # An unreadable id is answered by the service as "no such client".
    return [
        {
            "client": _uuid(r["client"]) or uuid.UUID(int=0),
            "position": r["position"],
            "role": r["role"],
        }
        for r in forms.role_rows(request.POST)
        if r["client"]
    ]


@login_required
def contact_create(request: HttpRequest) -> HttpResponse:
    actor = request.user
    _require_writer(request)
    row_errors: dict[str, Any] = {}
    back_client = None
    preset = _uuid(request.GET.get("client") or request.POST.get("back_client"))
    if preset:
        back_client = selectors.client_get(actor=actor, pk=preset)
    if request.method == "POST":
        form = forms.ContactForm(request.POST, actor=actor)
        rows = forms.posted_rows(request.POST, forms.CONTACT_CHANNEL_FIELDS)
        roles = _role_rows_for_form(actor, forms.role_rows(request.POST))
        if form.is_valid():
            try:
                contact = services.contact_create(
                    actor=actor,
                    **form.service_kwargs(),
                    roles=_roles_payload(request),
                    **forms.contact_detail_kwargs(request.POST, forms.CONTACT_CHANNEL_FIELDS),
                )
            except ValidationError as exc:
                row_errors = forms.apply_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Contact person “%(name)s” created.") % {"name": contact.full_name}
                )
                if back_client is not None:
                    return redirect(
                        f"{reverse('parties:client_detail', args=[back_client.pk])}?tab=contacts"
                    )
                return redirect("parties:contact_detail", pk=contact.pk)
    else:
        form = forms.ContactForm(actor=actor)
        rows = {f: [] for f in (*forms.CONTACT_CHANNEL_FIELDS, "addresses")}
        roles = (
            [
                {
                    "client": str(back_client.pk),
                    "client_name": back_client.name,
                    "position": "",
                    "role": "",
                }
            ]
            if back_client
            else []
        )
    return render(
        request,
        "parties/contact_form.html",
        _form_context(
            form,
            rows,
            roles,
            row_errors,
            contact=None,
            details_visible=True,
            back_client=back_client,
        ),
    )


@login_required
def contact_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    actor = request.user
    contact = selectors.contact_get(actor=actor, pk=pk)
    if not access.can_edit(actor, contact):
        raise PermissionDenied(_("You may not change this contact person."))
    visible_roles, details = selectors.contact_card_roles(actor=actor, contact=contact)
    row_errors: dict[str, Any] = {}
    if request.method == "POST":
        form = forms.ContactForm(
            request.POST, actor=actor, instance=contact, details_visible=details
        )
        rows = forms.posted_rows(request.POST, forms.CONTACT_CHANNEL_FIELDS)
        roles = _role_rows_for_form(actor, forms.role_rows(request.POST))
        if form.is_valid():
            # Hidden contact details are not rendered; the service keeps them as they are.
            changes = {
                **form.service_kwargs(),
                **forms.contact_detail_kwargs(request.POST, forms.CONTACT_CHANNEL_FIELDS),
                "roles": _roles_payload(request),
            }
            try:
                services.contact_update(actor=actor, contact=contact, **changes)
            except ValidationError as exc:
                row_errors = forms.apply_service_errors(form, exc)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("parties:contact_detail", pk=contact.pk)
    else:
        form = forms.ContactForm(actor=actor, instance=contact, details_visible=details)
        rows = {**forms.point_rows(contact), "addresses": forms.address_rows(contact)}
        roles = [
            {
                "client": str(r.client_id),
                "client_name": r.client.name,
                "position": r.position,
                "role": r.role,
            }
            for r in visible_roles
        ]
    return render(
        request,
        "parties/contact_form.html",
        _form_context(form, rows, roles, row_errors, contact=contact, details_visible=details),
    )
