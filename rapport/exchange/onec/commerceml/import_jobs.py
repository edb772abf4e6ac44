"""The background import jobs of a CommerceML session: which job imports the copy of a file
the session holds now, starting it once, and the ``progress`` / ``success`` / ``failure``
answer it gives while it runs and after."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from rapport.core import jobs as core_jobs
from rapport.core.models import Job, JobStatus
from rapport.exchange.models import ExchangeSession, SessionStatus
from rapport.exchange.onec import sessions

from . import jobs, uploads
from .answers import failure, progress, success

RUNNING = (JobStatus.PENDING, JobStatus.RUNNING)
FAILED = (JobStatus.FAILED, JobStatus.UNDONE)


def session_jobs(session: ExchangeSession) -> Any:
    return Job.objects.filter(kind=jobs.KIND, params__session=str(session.pk))


def current_job(session: ExchangeSession, name: str) -> Job | None:
    """The import job of the copy of ``name`` the session holds now, if one started."""
    job = session_jobs(session).filter(params__file=name).order_by("-created_at").first()
    if job is None:
        return None
    path = uploads.path_in(uploads.session_dir(session), name)
    try:
        received = path.stat().st_mtime
    except OSError:
        return job
    return job if job.created_at.timestamp() >= received else None


def start_import(session: ExchangeSession, name: str) -> Job | None:
    """The import job of ``name``, started unless it already runs or ran for this copy;
    None when the file is not one the CRM imports."""
    job = current_job(session, name)
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


def job_answer(job: Job, name: str) -> HttpResponse:
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


def latest_jobs(session: ExchangeSession) -> dict[str, Job]:
    latest: dict[str, Job] = {}
    for job in session_jobs(session).order_by("created_at"):
        latest[str(job.params.get("file", ""))] = job
    return latest
