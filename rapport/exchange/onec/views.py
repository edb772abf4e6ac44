"""Pages of the 1C exchange: connections and their settings, field ownership, the exchange
log (sessions, their files and rejected objects) and conflicts for a person to resolve.

Every page requires the exchange permission (``User.may_exchange``); anyone else gets the
same 404 as for a missing page, as the administrators' pages do.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.core.views import apply_errors, safe_filename
from rapport.exchange.models import Connection, ConnectionKind, SessionStatus

from . import schedule, selectors, services
from .forms import (
    ConflictFilterForm,
    ConnectionForm,
    OwnershipForm,
    SessionFilterForm,
    options_form,
    options_to_save,
)

COUNT_KEYS = ("created", "updated", "unchanged", "rejected")


def exchange_required(view):
    """Users with the exchange permission only; everyone else gets a 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.may_exchange:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _nav(request: HttpRequest, active: str) -> dict[str, Any]:
    return {
        "onec_tab": active,
        "onec_open_conflicts": selectors.open_conflicts_count(actor=request.user),
    }


# --- connections --------------------------------------------------------------------------


@exchange_required
@require_GET
def connection_list(request: HttpRequest) -> HttpResponse:
    connections = list(selectors.connection_list(actor=request.user))
    last = selectors.last_sessions(connections=connections)
    for connection in connections:
        connection.last_session = last.get(connection.pk)
    context = {
        "connections": connections,
        "kinds": ConnectionKind.choices,
        **_nav(request, "connections"),
    }
    return render(request, "exchange/onec/connection_list.html", context)


def endpoint_url(request: HttpRequest, connection: Connection) -> str:
    """The absolute address 1C's exchange node must call for a CommerceML connection."""
    path = reverse("onec_cml:exchange_named", kwargs={"code": connection.code})
    return request.build_absolute_uri(path)


def _channel_context(connection: Connection) -> dict[str, Any]:
    """What a channel adds to its connection page (EnterpriseData: upload, download and
    the message numbering)."""
    if connection.kind != ConnectionKind.ENTERPRISEDATA:
        return {}
    from rapport.exchange.onec.enterprisedata import envelope

    return {"ed_state": envelope.state_of(connection)}


def _form_page(
    request: HttpRequest,
    *,
    form: ConnectionForm,
    options: Any,
    connection: Connection | None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "options_form": options,
        "odata_check_url": (
            reverse("onec:onec_odata:check", args=[connection.pk])
            if connection is not None
            else reverse("onec:onec_odata:check_new")
        ),
        "connection": connection,
        "kind": form.kind,
        "kind_label": dict(ConnectionKind.choices).get(form.kind, form.kind),
        **_nav(request, "connections"),
    }
    if connection is not None:
        context.update(
            {
                "endpoint_url": (
                    endpoint_url(request, connection)
                    if connection.kind == ConnectionKind.COMMERCEML
                    else ""
                ),
                "odata_pull_url": reverse("onec:onec_odata:pull", args=[connection.pk]),
                **_channel_context(connection),
                "can_run": schedule.runner_for(connection.kind) is not None,
                "recent": selectors.session_page(
                    actor=request.user,
                    filters=selectors.SessionFilters(connection=connection.pk),
                    size=5,
                ).rows,
            }
        )
    return render(request, "exchange/onec/connection_form.html", context, status=status)


def _save_connection(
    request: HttpRequest, *, kind: str, connection: Connection | None
) -> HttpResponse:
    form = ConnectionForm(request.POST or None, connection=connection, kind=kind)
    options = options_form(kind, data=request.POST or None, connection=connection)
    if request.method == "POST":
        valid = form.is_valid()
        valid = (options is None or options.is_valid()) and valid
        if valid:
            values = form.values()
            option_values, values["secret"] = options_to_save(kind, options, connection)
            try:
                if connection is None:
                    connection = services.connection_create(
                        actor=request.user, kind=kind, options=option_values, **values
                    )
                    messages.success(request, _("The connection was created."))
                else:
                    services.connection_update(
                        actor=request.user,
                        connection=connection,
                        options=option_values,
                        **values,
                    )
                    messages.success(request, _("The connection was saved."))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("onec:connection_edit", pk=connection.pk)
        return _form_page(request, form=form, options=options, connection=connection, status=422)
    return _form_page(request, form=form, options=options, connection=connection)


@exchange_required
@require_http_methods(["GET", "POST"])
def connection_create(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in ConnectionKind.values:
        return render(
            request,
            "exchange/onec/connection_kind.html",
            {"kinds": ConnectionKind.choices, **_nav(request, "connections")},
        )
    return _save_connection(request, kind=kind, connection=None)


@exchange_required
@require_http_methods(["GET", "POST"])
def connection_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    connection = selectors.connection_get(actor=request.user, pk=pk)
    return _save_connection(request, kind=connection.kind, connection=connection)


@exchange_required
@require_POST
def connection_delete(request: HttpRequest, pk: Any) -> HttpResponse:
    connection = selectors.connection_get(actor=request.user, pk=pk)
    name = connection.name
    services.connection_delete(actor=request.user, connection=connection)
    messages.success(request, _("The connection “%(name)s” was deleted.") % {"name": name})
    return redirect("onec:connections")


@exchange_required
@require_POST
def connection_run(request: HttpRequest, pk: Any) -> HttpResponse:
    """Run an OData or EnterpriseData connection now (CommerceML is started by 1C)."""
    connection = selectors.connection_get(actor=request.user, pk=pk)
    try:
        schedule.run_connection(connection, request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("onec:connection_edit", pk=connection.pk)
    messages.success(request, _("The exchange was started."))
    return redirect(f"{reverse('onec:sessions')}?connection={connection.pk}")


# --- field ownership ----------------------------------------------------------------------


@exchange_required
@require_http_methods(["GET", "POST"])
def ownership(request: HttpRequest, pk: Any) -> HttpResponse:
    connection = selectors.connection_get(actor=request.user, pk=pk)
    table = selectors.ownership_table(actor=request.user, connection=connection)
    form = OwnershipForm(request.POST or None, table=table)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = services.ownership_set_many(
                    actor=request.user, connection=connection, values=form.values()
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                if changed:
                    messages.success(request, _("Field ownership was saved."))
                else:
                    messages.info(request, _("Nothing was changed."))
                return redirect("onec:ownership", pk=connection.pk)
        status = 422
    context = {"connection": connection, "form": form, **_nav(request, "connections")}
    return render(request, "exchange/onec/ownership.html", context, status=status)


# --- the exchange log ---------------------------------------------------------------------


def duration(session: Any) -> str:
    if not session.finished_at:
        return ""
    seconds = max(0, int((session.finished_at - session.started_at).total_seconds()))
    if seconds < 60:
        return _("%(s)s s") % {"s": seconds}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _("%(m)s min %(s)s s") % {"m": minutes, "s": seconds}
    hours, minutes = divmod(minutes, 60)
    return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}


def _chart(rows: list[Any]) -> dict[str, Any]:
    """Counts per session for the bar chart, oldest on the left."""
    ordered = list(reversed(rows))
    labels = [f"{s.connection.code} {s.started_at:%d.%m %H:%M}" for s in ordered]
    names = {
        "created": _("created"),
        "updated": _("updated"),
        "unchanged": _("unchanged"),
        "rejected": _("rejected"),
    }
    colors = {
        "created": "#198754",
        "updated": "#0d6efd",
        "unchanged": "#adb5bd",
        "rejected": "#dc3545",
    }
    return {
        "labels": labels,
        "series": [
            {
                "key": key,
                "label": str(names[key]),
                "color": colors[key],
                "data": [int((s.counts or {}).get(key, 0) or 0) for s in ordered],
            }
            for key in COUNT_KEYS
        ],
    }


@exchange_required
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    form = SessionFilterForm(request.GET or None, channels=selectors.session_channels())
    page = selectors.session_page(
        actor=request.user, filters=form.filters(), cursor=request.GET.get("cursor", "")
    )
    for session in page.rows:
        session.duration = duration(session)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "form": form,
        "page": page,
        "sessions": page.rows,
        "chart": _chart(page.rows) if page.rows else None,
        "query": query.urlencode(),
        "count_keys": COUNT_KEYS,
        **_nav(request, "log"),
    }
    return render(request, "exchange/onec/session_list.html", context)


@exchange_required
@require_GET
def session_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    session = selectors.session_get(actor=request.user, pk=pk)
    session.duration = duration(session)
    running = session.status in (SessionStatus.OPEN, SessionStatus.RUNNING)
    context: dict[str, Any] = {"session": session, "running": running, "count_keys": COUNT_KEYS}
    if request.htmx and request.GET.get("part") == "progress":
        response = render(request, "exchange/onec/_session_progress.html", context)
        if not running:
            # Files, rejections and conflicts appear when it ends: reload the page.
            response["HX-Refresh"] = "true"
        return response
    rejections, rejections_total = selectors.session_rejections(session=session)
    context.update(
        {
            "files": selectors.session_files(session=session),
            "rejections": rejections,
            "rejections_total": rejections_total,
            "conflicts": selectors.conflict_list(actor=request.user, session=session.pk),
            **_nav(request, "log"),
        }
    )
    return render(request, "exchange/onec/session_detail.html", context)


@exchange_required
@require_GET
def file_download(request: HttpRequest, pk: Any) -> FileResponse:
    record = selectors.exchange_file_get(actor=request.user, pk=pk)
    try:
        handle = record.file.open("rb")
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise Http404(_("The file is missing from storage.")) from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=safe_filename(record.name),
        content_type="application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- conflicts ----------------------------------------------------------------------------


@exchange_required
@require_GET
def conflict_list(request: HttpRequest) -> HttpResponse:
    form = ConflictFilterForm(request.GET or None)
    connection, status = None, ""
    if form.is_valid():
        connection = form.cleaned_data["connection"]
        status = form.cleaned_data["status"]
    rows = selectors.conflict_list(
        actor=request.user, connection=connection.pk if connection else None, status=status
    )
    context = {"form": form, "rows": rows, **_nav(request, "conflicts")}
    return render(request, "exchange/onec/conflict_list.html", context)


@exchange_required
@require_POST
def conflict_resolve(request: HttpRequest, pk: Any) -> HttpResponse:
    conflict = selectors.conflict_get(actor=request.user, pk=pk)
    choice = request.POST.get("choice", "")
    try:
        services.conflict_resolve(actor=request.user, conflict=conflict, choice=choice)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        if choice == "external":
            messages.success(request, _("The 1C value was written to the record."))
        else:
            messages.success(request, _("The CRM value was kept."))
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("onec:conflicts")
