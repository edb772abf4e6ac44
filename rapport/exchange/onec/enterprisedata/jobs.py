"""Background work of EnterpriseData connections (registered with core.jobs).

- ``onec_ed_import``: apply a message a person uploaded (params ``session``: the import
  session, whose incoming file is the message). A message is applied in one
  transaction, so a worker lost half-way leaves nothing and the job simply runs again.
- ``onec_ed_export``: write the next message for 1C (params ``session``).
- ``run_connection(connection, actor)``: what the scheduler calls every
  ``schedule_minutes`` for a connection with a folder: take 1C's messages, then write ours.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core import jobs
from rapport.core.models import Job, User
from rapport.exchange.models import Connection, ExchangeSession, FileDirection, SessionStatus

from . import services

IMPORT = "onec_ed_import"
EXPORT = "onec_ed_export"


def _session(job: Job) -> ExchangeSession:
    session = ExchangeSession.objects.select_related("connection", "user").get(
        pk=job.params["session"]
    )
    if session.user is None or not session.user.may_exchange:
        raise PermissionDenied(_("Only users with the exchange permission exchange with 1C."))
    return session


@jobs.handler(IMPORT, label=gettext_lazy("1C EnterpriseData: import of a message"))
def run_import(job: Job, progress: jobs.Progress) -> None:
    session = _session(job)
    incoming = session.files.filter(direction=FileDirection.IN).order_by("-created_at").first()
    if incoming is None:
        raise PermissionDenied(_("The session has no message to import."))
    language = getattr(session.user, "language", "") or None
    with translation.override(language), tempfile.TemporaryDirectory(prefix="ed-job-") as tmp:
        path = Path(tmp) / "upload"
        with incoming.file.open("rb") as source, open(path, "wb") as out:
            for chunk in source.chunks():
                out.write(chunk)
        services.session_import(session=session, path=path, name=incoming.name)
    session.refresh_from_db()
    job.result = {"session": str(session.pk), "status": session.status}
    progress.count("created", session.counts.get("created", 0))
    progress.count("updated", session.counts.get("updated", 0))
    progress.count("rejected", session.counts.get("rejected", 0))


@jobs.handler(EXPORT, label=gettext_lazy("1C EnterpriseData: next message"))
def run_export(job: Job, progress: jobs.Progress) -> None:
    session = _session(job)
    if session.status in (SessionStatus.DONE, SessionStatus.FAILED):
        return  # already written (a re-delivered job)
    with translation.override(getattr(session.user, "language", "") or None):
        services.session_export(session=session)
    job.result = {"session": str(session.pk)}


def run_connection(connection: Connection, actor: User) -> ExchangeSession:
    """The scheduler's entry: import what 1C left in the folder, then export what changed
    since our last message 1C confirmed. Answers the last session written."""
    return services.run_folder(connection=connection, actor=actor)
