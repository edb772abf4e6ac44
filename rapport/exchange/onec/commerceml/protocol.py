"""The CommerceML 2 site-exchange endpoint: 1C is the client, the CRM answers.

One URL answers every request; ``type`` (catalog | sale) and ``mode`` pick the step:

=========== ==================================================================================
checkauth   Basic auth of an active user with the exchange permission -> ``success``, the
            cookie's name and value. Later requests present the cookie (Basic accepted too).
init        ``zip=yes|no``, ``file_limit=<bytes>`` (+ ``version=`` when 1C sent one); empties
            the session's upload folder.
file        the raw body is appended to ``filename`` (chunks); archives are unpacked once
            complete; for ``type=sale`` an orders file is imported at once as well.
import      starts the background import of ``filename`` once, answers ``progress`` while it
            runs, then ``success`` or ``failure`` with the reason.
deactivate  deactivates goods a full upload lacked (if the connection allows it).
complete    closes the session (the exchange log shows it done or failed).
query       the orders for 1C as CommerceML (UTF-8 with BOM or windows-1251).
success     1C loaded what ``query`` gave: only now are those orders delivered.
=========== ==================================================================================

Every answer is ``text/plain`` (``query`` excepted): ``success``, ``progress`` or ``failure``
on the first line, details after it, in the user's language. Authentication failures come
with HTTP 401/403; other failures with 200, because 1C shows the text only then.

The work is split by job: ``answers`` (the plain-text replies), ``auth`` (checkauth, the
session cookie), ``files`` (the files received), ``import_jobs`` (background imports) and
``modes`` (one function per mode); this module routes a request to its mode and turns
errors into ``failure`` answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from rapport.exchange.models import Connection, ConnectionKind, ExchangeSession
from rapport.exchange.onec.xml import XmlRefused

from . import uploads
from .answers import PLAIN, failure, progress, success
from .auth import COOKIE_NAME, Refused, basic_credentials, checkauth, session_for
from .files import STATE
from .import_jobs import FAILED, RUNNING
from .modes import (
    BOM,
    mode_complete,
    mode_deactivate,
    mode_file,
    mode_import,
    mode_init,
    mode_query,
    mode_success,
)

__all__ = [
    "BOM",
    "COOKIE_NAME",
    "FAILED",
    "HANDLERS",
    "PLAIN",
    "RUNNING",
    "STATE",
    "TYPES",
    "Handler",
    "basic_credentials",
    "exchange",
    "failure",
    "mode_complete",
    "mode_deactivate",
    "mode_file",
    "mode_import",
    "mode_init",
    "mode_query",
    "mode_success",
    "progress",
    "success",
]

log = logging.getLogger(__name__)

TYPES = ("catalog", "sale")


def _connection(code: str | None) -> Connection | None:
    found = Connection.objects.select_related("run_as").filter(
        kind=ConnectionKind.COMMERCEML, is_active=True
    )
    if code:
        return found.filter(code=code).first()
    return found.order_by("created_at", "code").first()


Handler = Callable[[HttpRequest, ExchangeSession], HttpResponse]
HANDLERS: dict[tuple[str, str], Handler] = {
    ("catalog", "init"): mode_init,
    ("catalog", "file"): mode_file,
    ("catalog", "import"): mode_import,
    ("catalog", "deactivate"): mode_deactivate,
    ("catalog", "complete"): mode_complete,
    ("sale", "init"): mode_init,
    ("sale", "query"): mode_query,
    ("sale", "success"): mode_success,
    ("sale", "file"): mode_file,
    ("sale", "import"): mode_import,
}


# --- the view -----------------------------------------------------------------------


@csrf_exempt
def exchange(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """``?type=catalog|sale&mode=...``: the one URL 1C talks to."""
    channel = request.GET.get("type", "").strip().lower()
    mode = request.GET.get("mode", "").strip().lower()
    connection = _connection(code)
    if connection is None:
        return failure(
            _("No active CommerceML exchange “%(code)s” is set up in the CRM.") % {"code": code}
            if code
            else _("No active CommerceML exchange is set up in the CRM."),
            status=404,
        )
    if channel not in TYPES:
        return failure(
            _("Unknown exchange type “%(type)s”; the CRM speaks type=catalog and type=sale.")
            % {"type": channel}
        )
    try:
        if mode == "checkauth":
            return checkauth(request, connection, channel)
        session = session_for(request, connection, channel)
    except Refused as refused:
        return refused.response
    handler = HANDLERS.get((channel, mode))
    if handler is None:
        return failure(
            _("Unknown request mode “%(mode)s” for type=%(type)s.")
            % {"mode": mode, "type": channel}
        )
    language = getattr(session.user, "language", "") or translation.get_language()
    with translation.override(language):
        try:
            return handler(request, session)
        except uploads.UploadRefused as exc:
            return failure(str(exc))
        except (ValidationError, PermissionDenied, XmlRefused) as exc:
            reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            return failure(reason or _("Not allowed."))
        except Exception as exc:
            log.exception("CommerceML %s/%s failed (session %s)", channel, mode, session.pk)
            return failure(
                _("The CRM could not handle mode=%(mode)s: %(error)s")
                % {"mode": mode, "error": exc.__class__.__name__}
            )
