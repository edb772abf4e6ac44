"""Client pages: list (search, filters, keyset pages, saved filters, batch actions), card,
forms, duplicate warnings, relations, sharing and trash. Thin: parse, call one service or
selector, render."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from rapport.core import access
from rapport.core import selectors as core_selectors
from rapport.core.models import PropertyTarget, PropertyType

from .. import batch, card, forms, selectors, services, timeline
from ..access import can_see_details
from ..models import ChannelKind, Client, ClientKind
from ._common import (
    SORTS,
    contact_rows_context,
    follow_merges,
    keyset_page,
    property_rows,
    wants_rows_fragment,
)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None


def _require_writer(request: HttpRequest) -> None:
    if not request.user.can_write:
        raise PermissionDenied(_("Your role is read-only."))


# --- list -----------------------------------------------------------------------------


def _property_filter_inputs(definitions: dict[str, Any], params: Any) -> list[dict[str, Any]]:
    inputs = []
    for definition in definitions.values():
        name = f"prop_{definition.code}"
        inputs.append(
            {
                "definition": definition,
                "name": name,
                "value": params.get(name, ""),
                "gte": params.get(f"{name}__gte", ""),
                "lte": params.get(f"{name}__lte", ""),
                "ranged": definition.type in (PropertyType.NUMBER, PropertyType.DATE),
                "input_type": "date" if definition.type == PropertyType.DATE else "number",
            }
        )
    return inputs


@login_required
@require_GET
def client_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    definitions = selectors.property_definitions(PropertyTarget.CLIENT)
    filters = forms.client_filters(request.GET, definitions)
    sort = request.GET.get("sort", "name")
    sort = sort if sort in SORTS else "name"
    page = keyset_page(
        selectors.client_list(actor=actor, filters=filters),
        sort=sort,
        cursor=request.GET.get("cursor", ""),
    )
    rows = selectors.client_list_page_rows(page.rows, actor=actor)
    query = forms.list_query(request.GET)
    next_url = ""
    if page.next_cursor:
        next_url = (
            f"{reverse('parties:client_list')}?{query}{'&' if query else ''}"
            f"cursor={page.next_cursor}"
        )
    context: dict[str, Any] = {
        "rows": rows,
        "page": page,
        "next_url": next_url,
        "query": query,
        "can_write": actor.can_write,
    }
    if wants_rows_fragment(request, "client"):
        return render(request, "parties/client_list.html#rows", context)
    context.update(
        {
            "params": request.GET,
            "sort": sort,
            "sorts": forms.CLIENT_SORTS,
            "kinds": ClientKind.choices,
            "statuses": selectors.statuses(),
            "managers": selectors.assignable_managers(actor=actor),
            "tags": selectors.tags(),
            "sources": selectors.sources(),
            "departments": core_selectors.departments(),
            "property_inputs": _property_filter_inputs(definitions, request.GET),
            "saved_filters": selectors.saved_filters(actor=actor),
            "may_assign": services.can_assign_manager(actor),
            "batch_properties": list(definitions.values()),
            **card.context(),
            "filtered": any(k not in ("sort", "cursor") and v for k, v in request.GET.items()),
        }
    )
    return render(request, "parties/client_list.html", context)


def _batch_value(request: HttpRequest, action: str) -> Any:
    """The raw value of a batch action as the form posts it (services resolve it)."""
    if action in (services.BatchAction.SET_PROPERTY, services.BatchAction.CLEAR_PROPERTY):
        return {
            "code": request.POST.get("property", ""),
            "value": request.POST.get("property_value", ""),
        }
    field, missing = {
        services.BatchAction.ASSIGN_MANAGER: ("manager", _("Choose a manager.")),
        services.BatchAction.SET_STATUS: ("status", _("Choose a status.")),
        services.BatchAction.ADD_TAG: ("tag", _("Choose a category.")),
        services.BatchAction.REMOVE_TAG: ("tag", _("Choose a category.")),
    }.get(action, (None, ""))
    if field is None:
        return None
    if field not in request.POST:  # "" is a choice: no manager, no status
        raise ValidationError(missing)
    return _uuid(request.POST[field])


@login_required
@require_POST
def client_batch(request: HttpRequest) -> HttpResponse:
    """One action on the selected clients (at once), or on every client matching the list's
    filter (a background job, undoable). Ids outside the user's scope are ignored."""
    _require_writer(request)
    query = request.POST.get("query", "")
    back = f"{reverse('parties:client_list')}?{query}".rstrip("?")
    ids = [i for i in (_uuid(v) for v in request.POST.getlist("ids")) if i is not None]
    action = request.POST.get("action", "")
    try:
        value = _batch_value(request, action)
        if request.POST.get("scope") == "all":
            definitions = selectors.property_definitions(PropertyTarget.CLIENT)
            job = batch.clients_batch_start(
                actor=request.user,
                action=action,
                value=value,
                filters=forms.client_filters(_query_dict(query), definitions),
            )
            return redirect("core:job_detail", pk=job.pk)
        if not ids:
            raise ValidationError(_("Select clients first."))
        changed = services.clients_batch(
            actor=request.user, client_ids=ids, action=action, value=value
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(
        request,
        ngettext("%(n)d client changed.", "%(n)d clients changed.", changed) % {"n": changed},
    )
    return redirect(back)


@login_required
@require_POST
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    query = forms.list_query(_query_dict(request.POST.get("query", "")))
    try:
        services.saved_filter_save(
            actor=request.user, name=request.POST.get("name", ""), query=query
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Filter saved."))
    return redirect(f"{reverse('parties:client_list')}?{query}".rstrip("?"))


def _query_dict(text: str) -> Any:
    from django.http import QueryDict

    return QueryDict(text.lstrip("?"))


@login_required
@require_POST
def saved_filter_delete(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    services.saved_filter_delete(actor=request.user, saved_filter_id=pk)
    messages.success(request, _("Filter deleted."))
    return redirect("parties:client_list")


@login_required
@require_GET
def client_lookup(request: HttpRequest) -> JsonResponse:
    """Visible clients matching ``q``, for pickers (relations, contact persons)."""
    text = request.GET.get("q", "").strip()
    qs = selectors.client_list(actor=request.user, filters=selectors.ClientFilters(search=text))
    exclude = _uuid(request.GET.get("exclude"))
    if exclude:
        qs = qs.exclude(pk=exclude)
    results = [
        {"value": str(pk), "text": name}
        for pk, name in qs.order_by("name_order", "id").values_list("pk", "name")[:20]
    ]
    return JsonResponse({"results": results})


# --- card -----------------------------------------------------------------------------


def _points_by_channel(record: Any) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = {c: [] for c in ChannelKind.values}
    for point in record.contact_points.all():
        groups[point.channel].append(point)
    return groups


TABS = ("details", "contacts", "relations", "files", "history", "activity")


@login_required
@require_GET
@follow_merges("parties:client_detail", Client, selectors.client_alias_target)
def client_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    actor = request.user
    client = selectors.client_get(actor=actor, pk=pk)
    details = can_see_details(actor, client)
    can_edit = access.can_edit(actor, client)
    points = _points_by_channel(client)
    tab = request.GET.get("tab", "details")
    return render(
        request,
        "parties/client_detail.html",
        {
            "client": client,
            "details_visible": details,
            "can_edit": can_edit,
            "tab": tab if tab in TABS else "details",
            "phones": points[ChannelKind.PHONE],
            "emails": points[ChannelKind.EMAIL],
            "websites": points[ChannelKind.WEBSITE],
            "messengers": points[ChannelKind.MESSENGER],
            "addresses": list(client.addresses.all()),
            "properties": property_rows(
                selectors.property_definitions(PropertyTarget.CLIENT),
                client.properties,
                details_visible=details,
            ),
            "contacts": selectors.client_contacts(actor=actor, client=client),
            "relations": selectors.client_relations(actor=actor, client=client),
            "relation_types": selectors.relation_types() if can_edit else [],
            "status_timeline": selectors.status_timeline(client=client),
            **card.context(),
            "ct_id": ContentType.objects.get_for_model(Client).pk,
            "shares": selectors.client_shares(actor=actor, client=client),
            "share_users": core_selectors.user_directory(actor=actor) if can_edit else [],
        },
    )


@login_required
@require_GET
def client_history(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The change log of a client (an HTMX fragment of the card's History tab)."""
    client = selectors.client_get(actor=request.user, pk=pk)
    return render(
        request,
        "parties/_history.html",
        {"entries": selectors.client_history(actor=request.user, client=client)},
    )


@login_required
@require_POST
def client_trash(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = selectors.client_get(actor=request.user, pk=pk)
    _require_writer(request)
    services.client_trash(actor=request.user, client=client)
    messages.success(request, _("“%(name)s” moved to the trash.") % {"name": client.name})
    return redirect("parties:client_list")


@login_required
@require_POST
def client_share(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = selectors.client_get(actor=request.user, pk=pk)
    _require_writer(request)
    user = (
        core_selectors.user_directory(actor=request.user)
        .filter(pk=_uuid(request.POST.get("user")))
        .first()
    )
    if user is None:
        messages.error(request, _("Choose a user."))
    else:
        services.client_share(actor=request.user, client=client, user=user)
        messages.success(request, _("Shared with %(user)s.") % {"user": user})
    return redirect(f"{reverse('parties:client_detail', args=[client.pk])}?tab=details")


@login_required
@require_POST
def client_unshare(request: HttpRequest, pk: uuid.UUID, user_id: uuid.UUID) -> HttpResponse:
    client = selectors.client_get(actor=request.user, pk=pk)
    _require_writer(request)
    user = core_selectors.user_directory(actor=request.user).filter(pk=user_id).first()
    if user is None:
        raise Http404
    services.client_unshare(actor=request.user, client=client, user=user)
    messages.success(request, _("No longer shared with %(user)s.") % {"user": user})
    return redirect(f"{reverse('parties:client_detail', args=[client.pk])}?tab=details")


@login_required
@require_POST
def relation_add(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    client = selectors.client_get(actor=request.user, pk=pk)
    _require_writer(request)
    other = selectors.client_get(actor=request.user, pk=_uuid(request.POST.get("to_client")))
    kind = selectors.relation_types().filter(pk=_uuid(request.POST.get("type"))).first()
    if kind is None:
        messages.error(request, _("Choose a relation type."))
    else:
        try:
            services.relation_add(
                actor=request.user,
                from_client=client,
                to_client=other,
                type=kind,
                note=request.POST.get("note", "")[:300],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Relation added."))
    return redirect(f"{reverse('parties:client_detail', args=[client.pk])}?tab=relations")


@login_required
@require_POST
def relation_remove(request: HttpRequest, pk: uuid.UUID, relation_id: uuid.UUID) -> HttpResponse:
    client = selectors.client_get(actor=request.user, pk=pk)
    _require_writer(request)
    found = [
        r["relation"]
        for r in selectors.client_relations(actor=request.user, client=client)
        if r["relation"].pk == relation_id
    ]
    if not found:
        raise Http404
    services.relation_remove(actor=request.user, relation=found[0])
    messages.success(request, _("Relation removed."))
    return redirect(f"{reverse('parties:client_detail', args=[client.pk])}?tab=relations")


# --- forms ----------------------------------------------------------------------------


def _form_context(
    form: forms.ClientForm,
    rows: dict[str, Any],
    row_errors: dict[str, Any],
    *,
    client: Client | None,
    details_visible: bool,
) -> dict[str, Any]:
    return {
        "form": form,
        "client": client,
        "details_visible": details_visible,
        "has_errors": bool(form.errors or row_errors),
        **contact_rows_context(
            rows, row_errors, fields=("phones", "emails", "websites", "messengers")
        ),
    }


@login_required
def client_create(request: HttpRequest) -> HttpResponse:
    actor = request.user
    _require_writer(request)
    row_errors: dict[str, Any] = {}
    if request.method == "POST":
        form = forms.ClientForm(request.POST, actor=actor)
        rows = forms.posted_rows(request.POST, forms.CHANNEL_FIELDS)
        if form.is_valid():
            try:
                client = services.client_create(
                    actor=actor,
                    **form.service_kwargs(),
                    **forms.contact_detail_kwargs(request.POST, forms.CHANNEL_FIELDS),
                )
            except ValidationError as exc:
                row_errors = forms.apply_service_errors(form, exc)
            else:
                messages.success(request, _("Client “%(name)s” created.") % {"name": client.name})
                return redirect("parties:client_detail", pk=client.pk)
    else:
        lead = selectors.statuses().filter(code="lead").first()
        form = forms.ClientForm(actor=actor, initial={"kind": ClientKind.COMPANY, "status": lead})
        rows = {f: [] for f in (*forms.CHANNEL_FIELDS, "addresses")}
    return render(
        request,
        "parties/client_form.html",
        _form_context(form, rows, row_errors, client=None, details_visible=True),
    )


@login_required
def client_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    actor = request.user
    client = selectors.client_get(actor=actor, pk=pk)
    if not access.can_edit(actor, client):
        raise PermissionDenied(_("You may not change this client."))
    details = can_see_details(actor, client)
    row_errors: dict[str, Any] = {}
    if request.method == "POST":
        form = forms.ClientForm(request.POST, actor=actor, instance=client, details_visible=details)
        rows = forms.posted_rows(request.POST, forms.CHANNEL_FIELDS)
        if form.is_valid():
            # Hidden contact details are not rendered; the service keeps them as they are.
            changes = {
                **form.service_kwargs(),
                **forms.contact_detail_kwargs(request.POST, forms.CHANNEL_FIELDS),
            }
            try:
                services.client_update(actor=actor, client=client, **changes)
            except ValidationError as exc:
                row_errors = forms.apply_service_errors(form, exc)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("parties:client_detail", pk=client.pk)
    else:
        form = forms.ClientForm(actor=actor, instance=client, details_visible=details)
        rows = {**forms.point_rows(client), "addresses": forms.address_rows(client)}
    return render(
        request,
        "parties/client_form.html",
        _form_context(form, rows, row_errors, client=client, details_visible=details),
    )


@login_required
@require_GET
def client_duplicates(request: HttpRequest) -> HttpResponse:
    """Likely duplicates of the client being entered (an HTMX fragment of the new form)."""
    params = request.GET
    candidates = selectors.likely_duplicates(
        actor=request.user,
        name=params.get("name", "")[:300],
        tax_id=params.get("tax_id", "")[:40],
        phones=[p for p in params.getlist("phones-value") if p][:10],
        emails=[e for e in params.getlist("emails-value") if e][:10],
        exclude=_uuid(params.get("exclude")),
    )
    return render(request, "parties/_duplicates.html", {"candidates": candidates})


TIMELINE_PAGE = 20


@login_required
@require_GET
def client_timeline(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """One page of the card's activity stream (every app's entries, newest first);
    ``?kind=`` filters (repeatable), ``?cursor=`` continues. The first page carries the
    filter and the actions; later pages only entries."""
    actor = request.user
    client = selectors.client_get(actor=actor, pk=pk)
    kinds = [k for k in request.GET.getlist("kind") if k in timeline.KINDS]
    page = timeline.client_timeline_page(
        actor=actor,
        client=client,
        kinds=kinds or None,
        cursor=request.GET.get("cursor", ""),
        size=TIMELINE_PAGE,
    )
    next_url = ""
    if page.next_cursor:
        query = urlencode([*(("kind", k) for k in kinds), ("cursor", page.next_cursor)])
        next_url = f"{reverse('parties:client_timeline', args=[client.pk])}?{query}"
    return render(
        request,
        "parties/_timeline_page.html",
        {
            "client": client,
            "entries": page.entries,
            "next_url": next_url,
            "first": not request.GET.get("cursor"),
            "kinds": list(timeline.KINDS.items()),
            "chosen": kinds,
            "can_write": actor.can_write,
            **card.context(),
        },
    )
