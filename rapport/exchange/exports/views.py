"""Export pages: the list exports behind the "Export" menu and one contact person's vCard.
Thin: parse the request, call one service, answer the file or send the user to the job."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import services

_LIST_PAGES = {"clients": "parties:client_list", "contacts": "parties:contact_list"}


def file_response(export: services.ExportFile) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.filename)
    response["X-Export-Rows"] = str(export.rows)
    return response


def _choice(value: str) -> dict[str, str]:
    """The menu's button value: ``xlsx``, ``csv``, ``csv-semicolon``, ``vcf``, ``vcf-4.0``."""
    fmt, _sep, option = value.partition("-")
    if fmt == "csv":
        return {"fmt": fmt, "delimiter": option or "comma"}
    if fmt == "vcf":
        return {"fmt": fmt, "vcard_version": option or "3.0"}
    return {"fmt": fmt}


def _clean_query(text: str) -> str:
    params = QueryDict(text.lstrip("?"), mutable=True)
    params.pop("cursor", None)
    return params.urlencode()


@login_required
@require_POST
def export_list(request: HttpRequest, target: str) -> HttpResponse:
    """Export the list ``target`` as filtered (``query``: the list page's query string)."""
    query = _clean_query(request.POST.get("query", ""))
    back = _LIST_PAGES.get(target, "parties:client_list")
    try:
        spec = services.export_spec(
            target=target,
            query=query,
            **_choice(request.POST.get("format", "xlsx")),
        )
        outcome = services.export_start(actor=request.user, spec=spec)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_back_url(back, query))
    if outcome.job is not None:
        messages.info(
            request,
            _("The export is large: it is being prepared in the background."),
        )
        return redirect("core:job_detail", pk=outcome.job.pk)
    assert outcome.file is not None
    return file_response(outcome.file)


def _back_url(name: str, query: str) -> str:
    from django.urls import reverse

    url = f"{reverse(name)}?{query}".rstrip("?")
    return url if url_has_allowed_host_and_scheme(url, allowed_hosts=None) else reverse(name)


@login_required
@require_GET
def contact_vcard(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """One contact person's card (``?version=4.0`` for vCard 4.0)."""
    version: Any = request.GET.get("version", "3.0")
    try:
        export = services.contact_vcard_export(actor=request.user, contact_id=pk, version=version)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("parties:contact_detail", pk=pk)
    return file_response(export)
