"""Upload a message from 1C, download the next message for 1C (the connection page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from rapport.exchange.models import ConnectionKind
from rapport.exchange.onec import selectors

from . import services


def _connection(request: HttpRequest, pk: object):
    connection = selectors.connection_get(actor=request.user, pk=pk)
    if connection.kind != ConnectionKind.ENTERPRISEDATA:
        from django.http import Http404

        raise Http404("Not an EnterpriseData connection")
    return connection


@login_required
@require_POST
def upload(request: HttpRequest, pk: object) -> HttpResponse:
    connection = _connection(request, pk)
    upload_file = request.FILES.get("file")
    if upload_file is None:
        messages.error(request, services.no_file_message())
        return redirect(request.POST.get("next") or "/")
    try:
        session = services.upload_start(
            actor=request.user, connection=connection, upload=upload_file
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(request.POST.get("next") or "/")
    return redirect("onec:session", session.pk)


@login_required
@require_GET
def download(request: HttpRequest, pk: object) -> HttpResponse:
    connection = _connection(request, pk)
    session, exchange_file = services.download_next(actor=request.user, connection=connection)
    if exchange_file is None:
        messages.error(request, session.message)
        return redirect("onec:session", session.pk)
    return FileResponse(
        exchange_file.file.open("rb"), as_attachment=True, filename=exchange_file.name
    )
