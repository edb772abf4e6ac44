"""The modes of the CommerceML exchange after checkauth: ``init``, ``file``, ``import``,
``deactivate`` and ``complete`` (files from 1C), ``query`` and ``success`` (orders for 1C).
Each takes the request and its session and answers (see ``protocol`` for the whole table)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.exchange.models import ExchangeFile, ExchangeSession, FileDirection
from rapport.exchange.onec import sessions
from rapport.exchange.onec.xml import detect_encoding

from . import uploads
from .answers import failure, progress, reply, success
from .files import file_limit, finalise, finalise_pending, load_state, save_state
from .import_jobs import FAILED, RUNNING, current_job, job_answer, latest_jobs, start_import
from .options import negotiate_version, options_for

if TYPE_CHECKING:
    from rapport.exchange.onec.sync import ExchangeRun

T = TypeVar("T")
BOM = b"\xef\xbb\xbf"


def mode_init(request: HttpRequest, session: ExchangeSession) -> HttpResponse:
    opts = options_for(session.connection)
    asked = request.GET.get("version", "").strip()
    version = negotiate_version(asked, opts["version"]) if asked else ""
    uploads.wipe(session)
    save_state(session, {"zip": opts["zip"], "file_limit": opts["file_limit"], "files": {}})
    if version:
        ExchangeSession.objects.filter(pk=session.pk).update(version=version)
    lines = [f"zip={'yes' if opts['zip'] else 'no'}", f"file_limit={opts['file_limit']}"]
    if version:
        lines.append(f"version={version}")
    return reply(*lines)


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
    cml = load_state(session)
    # A new name means the file before it is complete.
    finalise_pending(session, cml, but=name)
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
        save_state(session, cml)
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
    if chunk < file_limit(session, cml):
        try:
            brought = finalise(session, cml, name, maybe_partial=True)
        finally:
            save_state(session, cml)
    else:
        save_state(session, cml)
    if session.channel != "sale" or not brought:
        return success()
    # 1C's "sale" upload carries orders changed in 1C; some versions never ask for
    # mode=import after it, so the import starts here (and mode=import reports on it).
    problems = []
    for member in brought:
        job = start_import(session, member)
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
    cml = load_state(session)
    if finalise_pending(session, cml):
        save_state(session, cml)
    job = current_job(session, name)
    if job is None:
        path = uploads.path_in(uploads.session_dir(session), name)
        if not path.is_file():
            return failure(
                _("The file “%(file)s” was not received in this session; send it first.")
                % {"file": name}
            )
        job = start_import(session, name)
    if job is None:
        return success(
            _("“%(file)s” is kept in the exchange log; the CRM does not import this kind.")
            % {"file": name}
        )
    return job_answer(job, name)


def mode_deactivate(request: HttpRequest, session: ExchangeSession) -> HttpResponse:
    cml = load_state(session)
    finalise_pending(session, cml)
    cml["deactivate_timestamp"] = request.GET.get("timestamp", "")
    save_state(session, cml)
    if not options_for(session.connection)["deactivate_missing"]:
        return success(_("Goods missing from the upload are left as they are (settings)."))
    from .catalog import deactivate_missing

    session.refresh_from_db(fields=["state"])
    _in_run(session, deactivate_missing)
    return success()


def mode_complete(request: HttpRequest, session: ExchangeSession) -> HttpResponse:
    cml = load_state(session)
    if finalise_pending(session, cml):
        save_state(session, cml)
    latest = latest_jobs(session)
    running = sorted(name for name, job in latest.items() if job.status in RUNNING)
    failed = sorted(name for name, job in latest.items() if job.status in FAILED)
    if running:
        return progress(_("Still importing: %(files)s.") % {"files": ", ".join(running)})
    message = _("Files not imported: %(files)s.") % {"files": ", ".join(failed)} if failed else ""
    sessions.session_finish(session=session, ok=not failed, message=message)
    uploads.remove(session)
    return success()


def _in_run(session: ExchangeSession, step: Callable[[ExchangeRun], T]) -> T:
    """``step`` with the session's ``ExchangeRun``; its counts reach the session even when
    the step fails."""
    from rapport.exchange.onec.sync import ExchangeRun

    run = ExchangeRun.for_session(session)
    try:
        return step(run)
    finally:
        run.flush()


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
    from .orders import render_orders

    content = _in_run(session, render_orders)
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
    from .orders import confirm_orders

    _in_run(session, confirm_orders)
    return success()
