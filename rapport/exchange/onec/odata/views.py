"""Actions of an OData connection: check it, pull now, create an invoice in 1C.

The connection pages themselves belong to ``onec.views``; they link these actions.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.billing.models import Invoice
from rapport.core.access import get_visible_or_404
from rapport.exchange.models import Connection, ConnectionKind
from rapport.exchange.onec import selectors

from . import jobs
from .mapping import CONFIGURATION_LABELS, OBJECTS
from .options import OPTION_KEYS
from .pull import CheckResult, check_connection


def _connection(request: HttpRequest, pk: object) -> Connection:
    connection = selectors.connection_get(actor=request.user, pk=pk)
    if connection.kind != ConnectionKind.ODATA:
        raise Http404("Not an OData connection")
    return connection


def _typed(request: HttpRequest, name: str) -> str:
    """A value typed in the (unsaved) connection form, with or without its prefix."""
    for key in (name, f"options-{name}"):
        value = request.POST.get(key)
        if value:
            return value.strip()
    return ""


def _check_message(result: CheckResult) -> str:
    if not result.ok:
        return result.message
    found = ", ".join(str(OBJECTS[k]) for k in result.found) or _("nothing we read")
    text = _("Connected. Configuration: %(configuration)s. Found: %(found)s.") % {
        "configuration": CONFIGURATION_LABELS.get(result.configuration, result.configuration),
        "found": found,
    }
    if result.invoices:
        text += " " + _("Invoices can be created in 1C.")
    return text


@login_required
@require_POST
def check(request: HttpRequest, pk: object | None = None) -> HttpResponse:
    """Read $metadata with the stored settings (or the ones typed in the form) and say
    which objects the infobase publishes: an HTMX fragment, or a message and back."""
    selectors.require_exchange(request.user)
    connection = _connection(request, pk) if pk is not None else None
    stored = dict(connection.options) if connection is not None else {}
    settings = {key: _typed(request, key) or stored.get(key, "") for key in OPTION_KEYS}
    password = _typed(request, "password") or (connection.secret if connection else "")
    result = check_connection(
        base_url=settings["base_url"],
        username=settings["username"],
        password=password,
        configuration=settings["configuration"] or "auto",
    )
    if request.headers.get("HX-Request"):
        context = {
            "result": result,
            "message": _check_message(result),
            "found": [(k, OBJECTS[k]) for k in result.found],
            "missing": [(OBJECTS[k], names) for k, names in result.missing.items()],
        }
        return render(request, "exchange/onec/odata/_check.html", context)
    (messages.success if result.ok else messages.error)(request, _check_message(result))
    if connection is None:
        return redirect("onec:connections")
    return redirect("onec:connection_edit", pk=connection.pk)


@login_required
@require_POST
def pull(request: HttpRequest, pk: object) -> HttpResponse:
    """Pull now: the pull runs in the background; its session page shows how it went."""
    connection = _connection(request, pk)
    session = jobs.run_connection(connection, request.user)
    return redirect("onec:session", session.pk)


@login_required
@require_POST
def push_invoice(request: HttpRequest, pk: object, invoice: object) -> HttpResponse:
    """Create a CRM invoice in 1C through this connection (in the background)."""
    connection = _connection(request, pk)
    record = get_visible_or_404(request.user, Invoice, invoice)
    session = jobs.start_push(connection=connection, actor=request.user, invoice=record)
    return redirect("onec:session", session.pk)
