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
"""

from __future__ import annotations

import base64
import binascii
import logging
import zipfile
from collections.abc import Callable
from typing import Any

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from rapport.core import jobs as core_jobs
from rapport.core.models import Job, JobStatus, User
from rapport.exchange.models import (
    Connection,
    ConnectionKind,
    ExchangeFile,
    ExchangeSession,
    FileDirection,
    SessionStatus,
)
from rapport.exchange.onec import sessions
from rapport.exchange.onec.xml import XmlRefused, detect_encoding

from . import jobs, uploads
from .options import negotiate_version, options_for

log = logging.getLogger(__name__)

COOKIE_NAME = "rapport_1c"
TYPES = ("catalog", "sale")
# Key of this module's part of ``ExchangeSession.state``.
STATE = "cml"
BOM = b"\xef\xbb\xbf"

PLAIN = "text/plain; charset=utf-8"


# --- answers ------------------------------------------------------------------------


def _reply(*lines: str, status: int = 200) -> HttpResponse:
    text = "\n".join(str(line) for line in lines)
    response = HttpResponse(text.encode("utf-8"), content_type=PLAIN, status=status)
    response["Cache-Control"] = "no-store"
    return response


def success(*lines: str) -> HttpResponse:
    return _reply("success", *lines)


def progress(text: str) -> HttpResponse:
    return _reply("progress", text)


def failure(reason: str, *, status: int = 200) -> HttpResponse:
    # 1C shows the lines after the first; keep the reason on as few lines as it has.
    return _reply("failure", *str(reason).splitlines() or [""], status=status)


# --- connection and authentication --------------------------------------------------


def _connection(code: str | None) -> Connection | None:
    found = Connection.objects.select_related("run_as").filter(
        kind=ConnectionKind.COMMERCEML, is_active=True
    )
    if code:
        return found.filter(code=code).first()
    return found.order_by("created_at", "code").first()


def basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    """(login, password) from the Basic header, also where Apache CGI/FastCGI rewrites it."""
    for key in ("HTTP_AUTHORIZATION", "REDIRECT_HTTP_AUTHORIZATION"):
        value = request.META.get(key, "").strip()
        scheme, _sep, encoded = value.partition(" ")
        if scheme.lower() != "basic":
            continue
        try:
            raw = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            return "", ""
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            # Older 1C versions encode a Cyrillic login in the Windows code page.
            decoded = raw.decode("windows-1251", errors="replace")
        login, _sep, password = decoded.partition(":")
        return login, password
    return None


class _Refused(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _user_from_basic(request: HttpRequest, credentials: tuple[str, str]) -> User:
    login, password = credentials
    user = authenticate(request, username=login, password=password) if login else None
    if user is None and getattr(request, "axes_locked_out", False):
        # django-axes would answer with an HTML page; 1C shows only plain text.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        raise _Refused(
            failure(
                _("Too many failed logins for “%(login)s”; 1C may try again later.")
                % {"login": login},
                status=429,
            )
        )
    if user is None:
        response = failure(
            _("Wrong login or password, or the user is inactive: 1C cannot log in to the CRM."),
            status=401,
        )
        response["WWW-Authenticate"] = 'Basic realm="1C exchange", charset="UTF-8"'
        raise _Refused(response)
    if not user.may_exchange:
        with translation.override(user.language or translation.get_language()):
            raise _Refused(
                failure(
                    _(
                        "The user “%(user)s” has no permission to exchange data with 1C; an "
                        "administrator grants it in the user's settings."
                    )
                    % {"user": user.get_username()},
                    status=403,
                )
            )
    return user


def _ask_for_login() -> HttpResponse:
    response = failure(
        _("Log in first: 1C must send the login and password (mode=checkauth)."), status=401
    )
    response["WWW-Authenticate"] = 'Basic realm="1C exchange", charset="UTF-8"'
    return response


def _session_for(request: HttpRequest, connection: Connection, channel: str) -> ExchangeSession:
    """The session of a request after checkauth: by cookie, else by Basic auth (the user's
    latest open session of this exchange, or a new one)."""
    token = request.COOKIES.get(COOKIE_NAME, "")
    session = sessions.session_for_token(token) if token else None
    if session is not None and session.connection_id == connection.pk:
        if session.channel == channel:
            return session
        if request.META.get("HTTP_AUTHORIZATION") is None:
            raise _Refused(
                failure(
                    _(
                        "This session was opened for type=%(opened)s; log in again "
                        "(mode=checkauth) for type=%(asked)s."
                    )
                    % {"opened": session.channel, "asked": channel},
                    status=401,
                )
            )
    credentials = basic_credentials(request)
    if credentials is None:
        if token:
            raise _Refused(
                failure(
                    _(
                        "The exchange session is unknown or has expired, or the user lost "
                        "the exchange permission; log in again (mode=checkauth)."
                    ),
                    status=401,
                )
            )
        raise _Refused(_ask_for_login())
    user = _user_from_basic(request, credentials)
    recent = (
        ExchangeSession.objects.select_related("connection", "user")
        .filter(
            connection=connection,
            channel=channel,
            user=user,
            status__in=[SessionStatus.OPEN, SessionStatus.RUNNING],
            started_at__gte=timezone.now() - sessions.TOKEN_LIFETIME,
        )
        .order_by("-started_at")
        .first()
    )
    if recent is not None:
        return recent
    return sessions.session_open(connection=connection, channel=channel, user=user)


# --- session state ------------------------------------------------------------------
#
# ``state["cml"]`` holds the files received ({name: {"size", "done", "members"}}) and what
# init answered. Other keys of the state belong to the catalogue import (goods seen in a
# full upload) and are written by its jobs, so this module only ever rewrites its own key,
# under a row lock. Which import job belongs to which file is not kept here at all: the
# jobs themselves say (their params), and a file received after its job started is
# imported again.


def _state(session: ExchangeSession) -> dict[str, Any]:
    """This module's part of the session state, fresh from the database."""
    session.refresh_from_db(fields=["state"])
    state = session.state if isinstance(session.state, dict) else {}
    session.state = state
    cml = state.setdefault(STATE, {})
    cml.setdefault("files", {})
    return cml


def _save_state(session: ExchangeSession, cml: dict[str, Any]) -> None:
    with transaction.atomic():
        row = ExchangeSession.objects.select_for_update().only("state").get(pk=session.pk)
        state = row.state if isinstance(row.state, dict) else {}
        state[STATE] = cml
        ExchangeSession.objects.filter(pk=session.pk).update(state=state)
    session.state = state


def _file_limit(session: ExchangeSession, cml: dict[str, Any]) -> int:
    return int(cml.get("file_limit") or options_for(session.connection)["file_limit"])


def _finalise(
    session: ExchangeSession, cml: dict[str, Any], name: str, *, maybe_partial: bool = False
) -> list[str]:
    """A received file is complete: unpack it if it is an archive and keep it in the
    exchange log. Answers the names it brought (its members, or itself).

    ``maybe_partial``: only a short chunk suggested the end; an archive without its
    closing directory is then waiting for more chunks, not broken."""
    entry = cml["files"].get(name)
    if entry is None:
        return []
    if entry.get("done"):
        return list(entry.get("members") or [name])
    directory = uploads.session_dir(session)
    path = uploads.path_in(directory, name)
    if not path.is_file():
        cml["files"].pop(name, None)
        return []
    members: list[str] = []
    if uploads.is_archive(path):
        if maybe_partial and not zipfile.is_zipfile(path):
            return []
        try:
            members = uploads.unpack(path, directory, label=name)
        except uploads.UploadRefused:
            cml["files"].pop(name, None)
            path.unlink(missing_ok=True)
            raise
        entry["members"] = members
    logged = sessions.session_add_file(session=session, name=name, path=path)
    entry["logged"] = str(logged.pk)
    entry["done"] = True
    return members or [name]


def _finalise_pending(session: ExchangeSession, cml: dict[str, Any], *, but: str = "") -> bool:
    """Finalise every file still open (except ``but``); answers whether any was."""
    pending = [n for n, e in cml["files"].items() if n != but and not e.get("done")]
    for name in pending:
        _finalise(session, cml, name)
    return bool(pending)


# --- background imports -------------------------------------------------------------


def _session_jobs(session: ExchangeSession) -> Any:
    return Job.objects.filter(kind=jobs.KIND, params__session=str(session.pk))


def _current_job(session: ExchangeSession, name: str) -> Job | None:
    """The import job of the copy of ``name`` the session holds now, if one started."""
    job = _session_jobs(session).filter(params__file=name).order_by("-created_at").first()
    if job is None:
        return None
    path = uploads.path_in(uploads.session_dir(session), name)
    try:
        received = path.stat().st_mtime
    except OSError:
        return job
    return job if job.created_at.timestamp() >= received else None


def _start_import(session: ExchangeSession, name: str) -> Job | None:
    """The import job of ``name``, started unless it already runs or ran for this copy;
    None when the file is not one the CRM imports."""
    job = _current_job(session, name)
    if job is not None:
        return job
    if not jobs.file_kind(name, session.channel):
        return None
    assert session.user is not None
    job = core_jobs.job_start(
        actor=session.user,
        kind=jobs.KIND,
        params={"session": str(session.pk), "file": name},
        title=_("1C exchange: %(file)s") % {"file": name},
    )
    ExchangeSession.objects.filter(pk=session.pk).update(job=job)
    if session.status == SessionStatus.OPEN:
        sessions.session_running(session=session)
    job.refresh_from_db()  # an eager worker (tests) may already have run it
    return job


def _job_answer(job: Job, name: str) -> HttpResponse:
    if job.status == JobStatus.DONE:
        return success()
    if job.status in (JobStatus.FAILED, JobStatus.UNDONE):
        return failure(
            _("Import of “%(file)s” failed: %(reason)s")
            % {"file": name, "reason": job.message or _("no reason given")}
        )
    if job.total:
        percent = int(100 * min(1.0, job.processed / job.total))
        text = _("Importing “%(file)s”: %(percent)s%% done (%(done)s of %(total)s).") % {
            "file": name,
            "percent": percent,
            "done": job.processed,
            "total": job.total,
        }
    else:
        text = _("Importing “%(file)s”: 0%% done, %(done)s objects so far.") % {
            "file": name,
            "done": job.processed,
        }
    return progress(text)


RUNNING = (JobStatus.PENDING, JobStatus.RUNNING)
FAILED = (JobStatus.FAILED, JobStatus.UNDONE)


def _close_previous(connection: Connection, channel: str) -> None:
    """1C runs one exchange of a kind at a time: a new checkauth ends earlier sessions left
    open (older 1C versions never send ``complete``) once their imports are over."""
    earlier = ExchangeSession.objects.select_related("connection").filter(
        connection=connection,
        channel=channel,
        status__in=[SessionStatus.OPEN, SessionStatus.RUNNING],
    )
    for session in earlier:
        statuses = {job.status for job in _latest_jobs(session).values()}
        if statuses & set(RUNNING):
            continue
        sessions.session_finish(
            session=session,
            ok=not statuses & set(FAILED),
            message=_("Closed when 1C started its next exchange."),
        )
        uploads.remove(session)


# --- modes --------------------------------------------------------------------------


def _checkauth(request: HttpRequest, connection: Connection, channel: str) -> HttpResponse:
    credentials = basic_credentials(request)
    if credentials is None:
        return _ask_for_login()
    user = _user_from_basic(request, credentials)
    _close_previous(connection, channel)
    session = sessions.session_open(connection=connection, channel=channel, user=user)
    return success(COOKIE_NAME, session.token)  # type: ignore[attr-defined]


def mode_init(request: HttpRequest, session: ExchangeSession) -> HttpResponse:
    opts = options_for(session.connection)
    asked = request.GET.get("version", "").strip()
    version = negotiate_version(asked, opts["version"]) if asked else ""
    uploads.wipe(session)
    _save_state(session, {"zip": opts["zip"], "file_limit": opts["file_limit"], "files": {}})
    if version:
        ExchangeSession.objects.filter(pk=session.pk).update(version=version)
    lines = [f"zip={'yes' if opts['zip'] else 'no'}", f"file_limit={opts['file_limit']}"]
    if version:
        lines.append(f"version={version}")
    return _reply(*lines)


def _filename(request: HttpRequest) -> str:
    raw = request.GET.get("filename", "")
    if not raw:
        raise uploads.UploadRefused(_("The request names no file (filename=)."))
    return uploads.clean_name(raw)


def _content_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


def _forget_logged_copy(entry: dict[str, Any] | None) -> None:
    """The copy of a file kept for the log when it looked complete is out of date."""
    if entry and entry.get("logged"):
        ExchangeFile.objects.filter(pk=entry.pop("logged")).delete()


def mode_file(request: HttpRequest, session: ExchangeSession) -> HttpResponse:
    name = _filename(request)
    cml = _state(session)
    # A new name means the file before it is complete.
    _finalise_pending(session, cml, but=name)
    directory = uploads.session_dir(session)
    directory.mkdir(parents=True, exist_ok=True)
    # Chunks after the first are appended. A file that looked complete (a chunk shorter
    # than file_limit: some 1C versions cut smaller) still takes more chunks; only a new
    # XML declaration or a new archive starts it over.
    entry = cml["files"].get(name)
    complete = entry is not None and bool(entry.get("done"))
    try:
        _path, size, chunk = uploads.receive_chunk(
            directory,
            name,
            request,
            seen=entry is not None,
            complete=complete,
            length=_content_length(request),
        )
    except uploads.UploadRefused:
        cml["files"].pop(name, None)
        _save_state(session, cml)
        raise
    if entry is None or size == chunk:
        _forget_logged_copy(entry)
        entry = cml["files"][name] = {"done": False}
    elif complete:
        _forget_logged_copy(entry)
        entry["done"] = False
    entry["size"] = size
    brought: list[str] = []
    # 1C cuts files into chunks of exactly file_limit bytes: a shorter one is the last.
    if chunk < _file_limit(session, cml):
        try:
            brought = _finalise(session, cml, name, maybe_partial=True)
        finally:
            _save_state(session, cml)
    else:
        _save_state(session, cml)
    if session.channel != "sale" or not brought:
        return success()
    # 1C's "sale" upload carries orders changed in 1C; some versions never ask for
    # mode=import after it, so the import starts here (and mode=import reports on it).
    problems = []
    for member in brought:
        job = _start_import(session, member)
        if job is not None and job.status in FAILED:
            problems.append(
                _("Import of “%(file)s” failed: %(reason)s")
                % {"file": member, "reason": job.message or _("no reason given")}
            )
    if problems:
        return failure("\n".join(problems))
    return success()


def mode_import(request: HttpRequest, session: ExchangeSession) -> HttpResponse:
    name = _filename(request)
    cml = _state(session)
    if _finalise_pending(session, cml):
        _save_state(session, cml)
    job = _current_job(session, name)
    if job is None:
        path = uploads.path_in(uploads.session_dir(session), name)
        if not path.is_file():
            return failure(
                _("The file “%(file)s” was not received in this session; send it first.")
                % {"file": name}
            )
        job = _start_import(session, name)
    if job is None:
        return success(
            _("“%(file)s” is kept in the exchange log; the CRM does not import this kind.")
            % {"file": name}
        )
    return _job_answer(job, name)


def mode_deactivate(request: HttpRequest, session: ExchangeSession) -> HttpResponse:
    cml = _state(session)
    _finalise_pending(session, cml)
    cml["deactivate_timestamp"] = request.GET.get("timestamp", "")
    _save_state(session, cml)
    if not options_for(session.connection)["deactivate_missing"]:
        return success(_("Goods missing from the upload are left as they are (settings)."))
    from rapport.exchange.onec.sync import ExchangeRun

    from .catalog import deactivate_missing

    session.refresh_from_db(fields=["state"])
    run = ExchangeRun.for_session(session)
    try:
        deactivate_missing(run)
    finally:
        run.flush()
    return success()


def _latest_jobs(session: ExchangeSession) -> dict[str, Job]:
    latest: dict[str, Job] = {}
    for job in _session_jobs(session).order_by("created_at"):
        latest[str(job.params.get("file", ""))] = job
    return latest


def mode_complete(request: HttpRequest, session: ExchangeSession) -> HttpResponse:
    cml = _state(session)
    if _finalise_pending(session, cml):
        _save_state(session, cml)
    latest = _latest_jobs(session)
    running = sorted(name for name, job in latest.items() if job.status in RUNNING)
    failed = sorted(name for name, job in latest.items() if job.status in FAILED)
    if running:
        return progress(_("Still importing: %(files)s.") % {"files": ", ".join(running)})
    message = _("Files not imported: %(files)s.") % {"files": ", ".join(failed)} if failed else ""
    sessions.session_finish(session=session, ok=not failed, message=message)
    uploads.remove(session)
    return success()


def _encoded(content: bytes, wanted: str) -> tuple[bytes, str]:
    """The orders document in the configured encoding, UTF-8 with a BOM."""
    from lxml import etree

    from rapport.exchange.onec.xml import parse_bytes

    encoding = detect_encoding(content[:200])
    if encoding.replace("_", "-") in ("cp1251", "windows-1251"):
        encoding = "windows-1251"
    if encoding != wanted and content.strip():
        root = parse_bytes(content, name="query")
        content = etree.tostring(
            root.getroottree(), encoding=wanted, xml_declaration=True, pretty_print=True
        )
        encoding = wanted
    if encoding == "utf-8" and not content.startswith(BOM):
        content = BOM + content
    return content, encoding


def mode_query(request: HttpRequest, session: ExchangeSession) -> HttpResponse:
    from rapport.exchange.onec.sync import ExchangeRun

    from .orders import render_orders

    run = ExchangeRun.for_session(session)
    try:
        content = render_orders(run)
    finally:
        run.flush()
    wanted = options_for(session.connection)["query_encoding"]
    content, encoding = _encoded(content, wanted)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    sessions.session_add_file(
        session=session, name=f"query-{stamp}.xml", content=content, direction=FileDirection.OUT
    )
    response = HttpResponse(content, content_type=f"application/xml; charset={encoding}")
    response["Cache-Control"] = "no-store"
    return response


def mode_success(request: HttpRequest, session: ExchangeSession) -> HttpResponse:
    from rapport.exchange.onec.sync import ExchangeRun

    from .orders import confirm_orders

    run = ExchangeRun.for_session(session)
    try:
        confirm_orders(run)
    finally:
        run.flush()
    return success()


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
            return _checkauth(request, connection, channel)
        session = _session_for(request, connection, channel)
    except _Refused as refused:
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
