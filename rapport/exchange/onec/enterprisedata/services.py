"""EnterpriseData exchange services: take a message from 1C, make the next one for it."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.billing.models import Invoice
from rapport.core.models import User
from rapport.exchange.models import Connection, ConnectionKind, ExchangeSession, FileDirection
from rapport.exchange.onec import sessions
from rapport.exchange.onec.sync import ExchangeRun
from rapport.exchange.onec.xml import XmlRefused

from . import envelope, exporter, folder, handshake, importer, writer
from .envelope import FORMAT_BASE, EnvelopeError, Header
from .options import EDOptions, options_for


def require_exchange(actor: User | None, connection: Connection) -> None:
    if actor is None or not getattr(actor, "may_exchange", False):
        raise PermissionDenied(_("Only users with the exchange permission exchange with 1C."))
    if connection.kind != ConnectionKind.ENTERPRISEDATA:
        raise PermissionDenied(_("This connection does not exchange EnterpriseData files."))


def _acknowledged(connection: Connection, received_no: int) -> None:
    done = envelope.acknowledge(connection, received_no)
    invoices = [i for entry in done for i in entry.get("invoices", [])]
    if invoices:
        Invoice.objects.filter(pk__in=invoices).update(sent_to_1c_at=timezone.now())


def _check_addressed(header: Header, options: EDOptions, name: str) -> None:
    if header.to != options.our_prefix:
        raise EnvelopeError(
            _("%(name)s is addressed to the node “%(to)s”; this connection is “%(ours)s”.")
            % {"name": name, "to": header.to, "ours": options.our_prefix}
        )
    if options.peer_prefix and header.sender != options.peer_prefix:
        raise EnvelopeError(
            _("%(name)s comes from the node “%(sender)s”; this connection expects “%(peer)s”.")
            % {"name": name, "sender": header.sender, "peer": options.peer_prefix}
        )


def import_message(*, session: ExchangeSession, path: Path, name: str, work_dir: Path) -> str:
    """Apply one message file (xml or zip) to the session's connection; answers a line for
    the session's message. A handshake is answered (the answer is a file of the session
    and, with a folder, is written there)."""
    connection = session.connection
    options = options_for(connection)
    xml_path = folder.unpack(path, work_dir)
    header = envelope.read_header(xml_path, name=name)
    _check_addressed(header, options, name)
    run = ExchangeRun.for_session(session)
    if header.is_handshake:
        answer = handshake.answer(header, options=options, our_code=envelope.node_id(connection))
        handshake.remember_peer(connection, header, answer.versions[0])
        if not options.peer_prefix:
            connection.options = {**connection.options, "peer_prefix": header.sender}
            Connection.objects.filter(pk=connection.pk).update(options=connection.options)
        out = work_dir / "answer.xml"
        with open(out, "wb") as handle, writer.message(handle, answer, body=False):
            pass
        _keep_outgoing(session, out, options, header.sender)
        session.state = {**(session.state or {}), "handshake": True}
        ExchangeSession.objects.filter(pk=session.pk).update(
            version=answer.versions[0], state=session.state
        )
        return _("1C's handshake answered: format version %(version)s.") % {
            "version": answer.versions[0]
        }
    if header.version not in envelope.KNOWN_VERSIONS:
        raise EnvelopeError(
            _("%(name)s is in format version %(version)s, which this CRM cannot read.")
            % {"name": name, "version": header.version}
        )
    ExchangeSession.objects.filter(pk=session.pk).update(version=header.version)
    _acknowledged(connection, header.received_no)
    result = importer.apply_message(
        run=run, path=xml_path, header=header, stop=options.on_error == "stop", file=name
    )
    if result.duplicate:
        return _("Message %(no)s was taken before; skipped as a duplicate.") % {
            "no": header.message_no
        }
    if result.stopped:
        raise EnvelopeError(
            _(
                "Message %(no)s was not applied (the connection stops at the first "
                "problem): %(reason)s"
            )
            % {"no": header.message_no, "reason": result.stopped}
        )
    skipped = ", ".join(f"{k}: {v}" for k, v in sorted(result.skipped_types.items()))
    text = _("Message %(no)s applied.") % {"no": header.message_no}
    if skipped:
        text += " " + _("Not taken (types this CRM does not receive): %(list)s.") % {
            "list": skipped
        }
    return text


def _keep_outgoing(session: ExchangeSession, xml_path: Path, options: EDOptions, peer: str) -> str:
    name = folder.message_name(options.our_prefix, peer, zipped=options.zip)
    source = xml_path
    if options.zip:
        source = xml_path.with_suffix(".zip")
        with open(source, "wb") as handle:
            writer.zip_bytes(
                xml_path,
                handle,
                inner_name=folder.message_name(options.our_prefix, peer, zipped=False),
            )
    sessions.session_add_file(session=session, name=name, path=source, direction=FileDirection.OUT)
    if options.folder:
        folder.put(options.folder, name, source)
    return name


def export_message(*, session: ExchangeSession, work_dir: Path) -> str:
    """Write our next data message (what changed since 1C last confirmed) as a file of the
    session (and into the folder, if the connection has one); answers the file's name."""
    connection = session.connection
    actor = session.user or connection.run_as
    require_exchange(actor, connection)
    options = options_for(connection)
    state = envelope.state_of(connection)
    peer = options.peer_prefix or state.get("peer_prefix", "")
    if not peer:
        raise EnvelopeError(
            _(
                "1C's node code is not known yet: set it in the connection, or take "
                "1C's first message."
            )
        )
    version = (
        state.get("version")
        or envelope.negotiate(state.get("peer_versions") or options.versions, options.versions)
        or options.versions[-1]
    )
    until = timezone.now()
    since = datetime.fromisoformat(state["acked_until"]) if state.get("acked_until") else None
    message_no, received_no = envelope.next_outgoing(connection, until=until.isoformat())
    header = Header(
        format=f"{FORMAT_BASE}/{version}",
        creation_date=timezone.localtime(until).strftime("%Y-%m-%dT%H:%M:%S"),
        exchange_plan=envelope.EXCHANGE_PLAN,
        to=peer,
        sender=options.our_prefix,
        message_no=message_no,
        received_no=received_no,
        versions=list(options.versions),
    )
    refs = exporter.Refs(connection)
    sent: dict[str, list[str]] = {}
    out = work_dir / "message.xml"
    with open(out, "wb") as handle, writer.message(handle, header) as body:
        for node in exporter.objects(
            connection=connection,
            actor=actor,
            options=options,
            since=since,
            until=until,
            refs=refs,
            sent=sent,
        ):
            body.object(node)
    refs.save()
    envelope.note_invoices(connection, message_no, sent.get("invoices", []))
    counts = {k: len(v) for k, v in sent.items()}
    session.state = {**(session.state or {}), "message_no": message_no, "sent": counts}
    session.version = version
    ExchangeSession.objects.filter(pk=session.pk).update(version=version, state=session.state)
    return _keep_outgoing(session, out, options, peer)


def session_import(*, session: ExchangeSession, path: Path, name: str) -> ExchangeSession:
    """Run an import session over one uploaded file, finishing it with a readable message."""
    sessions.session_running(session=session)
    with tempfile.TemporaryDirectory(prefix="ed-in-") as tmp:
        try:
            text = import_message(session=session, path=path, name=name, work_dir=Path(tmp))
        except (XmlRefused, EnvelopeError, folder.TransportError, PermissionDenied) as exc:
            return sessions.session_finish(session=session, ok=False, message=str(exc))
    return sessions.session_finish(session=session, ok=True, message=text)


def session_export(*, session: ExchangeSession) -> ExchangeSession:
    sessions.session_running(session=session)
    with tempfile.TemporaryDirectory(prefix="ed-out-") as tmp:
        try:
            name = export_message(session=session, work_dir=Path(tmp))
        except (EnvelopeError, folder.TransportError, PermissionDenied) as exc:
            return sessions.session_finish(session=session, ok=False, message=str(exc))
    sent = (session.state or {}).get("sent", {})
    text = _("%(name)s written: %(counts)s.") % {
        "name": name,
        "counts": ", ".join(f"{k} {v}" for k, v in sorted(sent.items())) or _("nothing changed"),
    }
    return sessions.session_finish(session=session, ok=True, message=text)


def run_folder(*, connection: Connection, actor: User) -> ExchangeSession:
    """The scheduled run: take every message 1C left in the folder, then write ours."""
    require_exchange(actor, connection)
    options = options_for(connection)
    session = sessions.session_open(connection=connection, channel="import", user=actor)
    if not options.folder:
        return sessions.session_finish(
            session=session, ok=False, message=_("The connection has no exchange folder.")
        )
    messages = []
    ok = True
    try:
        found = folder.incoming(options.folder, ours=options.our_prefix, peer=options.peer_prefix)
    except folder.TransportError as exc:
        return sessions.session_finish(session=session, ok=False, message=str(exc))
    sessions.session_running(session=session)
    for path in found:
        try:
            claimed = folder.claim(path)
        except folder.TransportError:
            continue
        sessions.session_add_file(session=session, name=path.name, path=claimed)
        with tempfile.TemporaryDirectory(prefix="ed-in-") as tmp:
            try:
                messages.append(
                    import_message(
                        session=session, path=claimed, name=path.name, work_dir=Path(tmp)
                    )
                )
            except (XmlRefused, EnvelopeError, folder.TransportError) as exc:
                ok = False
                messages.append(str(exc))
    if not found:
        messages.append(_("No message from 1C in the folder."))
    sessions.session_finish(session=session, ok=ok, message=" ".join(messages))
    connection.refresh_from_db()
    if (session.state or {}).get("handshake"):
        # Our answer to the handshake waits in the folder: 1C reads it before any data.
        return session
    if envelope.state_of(connection).get("peer_prefix") or options_for(connection).peer_prefix:
        export = sessions.session_open(connection=connection, channel="export", user=actor)
        session_export(session=export)
        return export
    return session


# --- the connection page: upload and download ------------------------------------------

MAX_UPLOAD = 500 * 1024 * 1024


def upload_start(*, actor: User, connection: Connection, upload: Any) -> ExchangeSession:
    """Keep an uploaded message as the file of a new import session and apply it in the
    background (job ``onec_ed_import``)."""
    from rapport.core import jobs

    from .jobs import IMPORT

    require_exchange(actor, connection)
    name = Path(getattr(upload, "name", "") or "message.xml").name
    if not name.lower().endswith((".xml", ".zip")):
        raise ValidationError({"file": [_("Upload an EnterpriseData message (.xml or .zip).")]})
    if (getattr(upload, "size", 0) or 0) > MAX_UPLOAD:
        raise ValidationError({"file": [_("The file is larger than 500 MB.")]})
    session = sessions.session_open(connection=connection, channel="import", user=actor)
    sessions.session_add_file(session=session, name=name, content=upload)
    job = jobs.job_start(
        actor=actor,
        kind=IMPORT,
        params={"session": str(session.pk)},
        title=_("Import of %(name)s") % {"name": name},
    )
    ExchangeSession.objects.filter(pk=session.pk).update(job=job)
    return session


def download_next(*, actor: User, connection: Connection) -> tuple[ExchangeSession, Any]:
    """Write the next message for 1C now; answers the export session and its file (None
    when the session failed: its message says why)."""
    require_exchange(actor, connection)
    session = sessions.session_open(connection=connection, channel="export", user=actor)
    session = session_export(session=session)
    return session, session.files.filter(direction=FileDirection.OUT).first()


def no_file_message() -> str:
    return _("Choose the message file 1C wrote (Message_….xml or .zip).")
