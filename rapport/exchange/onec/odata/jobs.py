"""Background work of OData connections (registered with core.jobs).

- ``onec_odata_pull`` (params ``session``): one incremental pull into an open session.
- ``onec_odata_push`` (params ``session``, ``invoice``): create one CRM invoice in 1C.
- ``run_connection(connection, actor=None)``: what the scheduler (and "pull now") calls:
  opens a pull session, queues its job and answers the session.

``pull_session`` / ``push_session`` do the work in-process; a failure (1C down, wrong
password, an object 1C refused) ends the session as failed with the readable reason in
its message, never with a traceback, and nothing of the failed step is written.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.billing.models import Invoice
from rapport.core import jobs
from rapport.core.models import Job, User
from rapport.exchange.models import Connection, ConnectionKind, ExchangeSession, SessionStatus
from rapport.exchange.onec.sessions import session_finish, session_open, session_running
from rapport.exchange.onec.sync import readable
from rapport.exchange.onec.xml import XmlRefused

from .client import ODataClient, ODataError
from .mapping import CONFIGURATION_LABELS
from .pull import Pull, client_for
from .push import push_invoice

PULL = "onec_odata_pull"
PUSH = "onec_odata_push"


def _check(connection: Connection, actor: User | None) -> None:
    if connection.kind != ConnectionKind.ODATA:
        raise ValidationError(_("This connection does not use OData."))
    if actor is None:
        raise PermissionDenied(
            _("Choose the user this connection acts as (no user to run the exchange).")
        )
    if not actor.may_exchange:
        raise PermissionDenied(_("Only users with the exchange permission exchange with 1C."))


def _summary(session: ExchangeSession, pull: Pull) -> str:
    session.refresh_from_db(fields=["counts"])
    counts = session.counts or {}
    parts = [
        _("Configuration: %(name)s.")
        % {"name": CONFIGURATION_LABELS.get(pull.profile.configuration, "")}
        if pull.profile
        else "",
        _(
            "Created %(created)s, updated %(updated)s, unchanged %(unchanged)s, "
            "rejected %(rejected)s."
        )
        % {k: counts.get(k, 0) for k in ("created", "updated", "unchanged", "rejected")},
        *pull.log,
    ]
    return " ".join(str(p) for p in parts if p)


def pull_session(*, session: ExchangeSession, client: ODataClient | None = None) -> ExchangeSession:
    """Run the pull of an open session and finish it (done, or failed with the reason)."""
    connection = session.connection
    owned = client is None
    pull: Pull | None = None
    try:
        _check(connection, session.user or connection.run_as)
        client = client or client_for(connection)
        session_running(session=session)
        pull = Pull(connection=connection, session=session, client=client)
        pull.run_all()
    except (ODataError, XmlRefused, ValidationError, PermissionDenied) as exc:
        if pull is not None:
            pull.run.flush()  # what was applied before the failure is counted
        return session_finish(session=session, ok=False, message=readable(exc))
    finally:
        if owned and client is not None:
            client.close()
    assert pull is not None
    return session_finish(session=session, ok=True, message=_summary(session, pull))


def push_session(
    *, session: ExchangeSession, invoice: Invoice, client: ODataClient | None = None
) -> ExchangeSession:
    """Create ``invoice`` in 1C within ``session`` and finish it."""
    connection = session.connection
    owned = client is None
    label = invoice.number or str(invoice.pk)
    try:
        _check(connection, session.user or connection.run_as)
        client = client or client_for(connection)
        session_running(session=session)
        ref, created = push_invoice(client=client, session=session, invoice=invoice)
    except (ODataError, XmlRefused, ValidationError, PermissionDenied) as exc:
        return session_finish(session=session, ok=False, message=readable(exc))
    finally:
        if owned and client is not None:
            client.close()
    if created:
        message = _("Invoice %(number)s created in 1C (Ref_Key %(ref)s).")
    else:
        message = _("Invoice %(number)s is already in 1C (Ref_Key %(ref)s); not sent again.")
    return session_finish(session=session, ok=True, message=message % {"number": label, "ref": ref})


def _session(job: Job) -> ExchangeSession:
    return ExchangeSession.objects.select_related("connection", "user").get(
        pk=job.params["session"]
    )


@jobs.handler(PULL, label=gettext_lazy("1C OData: pull"))
def run_pull(job: Job, progress: jobs.Progress) -> None:
    session = _session(job)
    if session.status in (SessionStatus.DONE, SessionStatus.FAILED):
        return  # a re-delivered job: the pull already ran
    with translation.override(getattr(session.user, "language", "") or None):
        pull_session(session=session)
    session.refresh_from_db()
    job.result = {"session": str(session.pk), "status": session.status}
    for name in ("created", "updated", "unchanged", "rejected"):
        progress.count(name, (session.counts or {}).get(name, 0))
    if session.status == SessionStatus.FAILED:
        raise ValidationError(session.message)


@jobs.handler(PUSH, label=gettext_lazy("1C OData: invoice to 1C"))
def run_push(job: Job, progress: jobs.Progress) -> None:
    session = _session(job)
    if session.status in (SessionStatus.DONE, SessionStatus.FAILED):
        return
    invoice = Invoice.objects.get(pk=job.params["invoice"])
    with translation.override(getattr(session.user, "language", "") or None):
        push_session(session=session, invoice=invoice)
    session.refresh_from_db()
    job.result = {"session": str(session.pk), "status": session.status}
    if session.status == SessionStatus.FAILED:
        raise ValidationError(session.message)


def _start(connection: Connection, actor: User | None, channel: str, kind: str, **params):
    actor = actor or connection.run_as
    session = session_open(connection=connection, channel=channel, user=actor)
    try:
        _check(connection, actor)
    except (ValidationError, PermissionDenied) as exc:
        return session_finish(session=session, ok=False, message=readable(exc))
    job = jobs.job_start(
        actor=actor,
        kind=kind,
        params={"session": str(session.pk), **params},
        title=f"{connection.name}: {channel}",
    )
    ExchangeSession.objects.filter(pk=session.pk).update(job=job)
    session.job = job
    return session


def run_connection(connection: Connection, actor: User | None = None) -> ExchangeSession:
    """Start a pull of ``connection`` in the background; answers its session (the
    scheduler calls this with the connection alone: the connection's user acts)."""
    return _start(connection, actor, "pull", PULL)


def start_push(*, connection: Connection, actor: User, invoice: Invoice) -> ExchangeSession:
    """Queue the creation of ``invoice`` in 1C; answers the session."""
    return _start(connection, actor, "push", PUSH, invoice=str(invoice.pk))
