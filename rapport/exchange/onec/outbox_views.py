"""The "Send to 1C" button and badge of the invoice and deal cards (HTMX fragments).

The cards include a placeholder (``exchange/onec/_invoice_outbox.html``,
``_deal_outbox.html``) that loads the fragment from ``onec_outbox:state``; the button
posts to ``onec_outbox:queue`` / ``unqueue`` and the answer replaces the fragment.
A record the user may not see answers 404; only users with the exchange permission queue.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.core import access

from . import outbox

FRAGMENT = "exchange/onec/_outbox_state.html"


def _record(request: HttpRequest, kind: str, pk: Any) -> Any:
    model = outbox.MODELS.get(kind)
    if model is None:
        raise Http404("Unknown kind")
    return access.get_visible_or_404(request.user, model, pk)


def _fragment(request: HttpRequest, kind: str, record: Any, error: str = "") -> HttpResponse:
    return render(
        request,
        FRAGMENT,
        {
            "record": record,
            "kind": kind,
            "statuses": outbox.outbox_status(actor=request.user, record=record),
            "may_queue": outbox.outbox_may_queue(actor=request.user, record=record),
            "odata_targets": outbox.odata_targets(actor=request.user, record=record),
            "error": error,
        },
    )


@login_required
@require_GET
def outbox_state(request: HttpRequest, kind: str, pk: Any) -> HttpResponse:
    record = _record(request, kind, pk)
    return _fragment(request, kind, record)


def _change(request: HttpRequest, kind: str, pk: Any, *, queue: bool) -> HttpResponse:
    if not getattr(request.user, "may_exchange", False):
        raise Http404("Not found")
    record = _record(request, kind, pk)
    error = ""
    try:
        if queue:
            outbox.outbox_queue(actor=request.user, record=record)
        else:
            outbox.outbox_unqueue(actor=request.user, record=record)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    if getattr(request, "htmx", False):
        return _fragment(request, kind, record, error)
    if error:
        messages.error(request, error)
    elif queue:
        messages.success(request, _("Queued for 1C: 1C receives it at its next exchange."))
    else:
        messages.success(request, _("Taken off the queue for 1C."))
    return redirect(record.get_absolute_url())


@login_required
@require_POST
def outbox_queue(request: HttpRequest, kind: str, pk: Any) -> HttpResponse:
    return _change(request, kind, pk, queue=True)


@login_required
@require_POST
def outbox_unqueue(request: HttpRequest, kind: str, pk: Any) -> HttpResponse:
    return _change(request, kind, pk, queue=False)
