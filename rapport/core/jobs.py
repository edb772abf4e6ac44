"""Background jobs: long work (imports, exports, batch changes, scans) run by Celery.

An app registers a handler per job kind::

    @jobs.handler("export", label=_("Export"))
    def run_export(job: Job, progress: jobs.Progress) -> None: ...

``job_start`` stores a ``Job`` and queues it once the transaction commits; the worker calls
the handler with a ``Progress`` that writes the counters at most twice a second. A handler
must be resumable: a worker killed mid-job is started again (Celery re-delivers the late
acknowledged message, and ``resume_stale_jobs`` re-queues jobs whose heartbeat stopped), and
the handler continues from ``job.state``, its own checkpoint.

Records a job creates or changes are noted with ``Progress.note_created`` /
``note_updated`` (their values before the change), which is what ``job_undo`` restores.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Field, Model
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Job, JobChange, JobChangeAction, JobError, JobStatus, User

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=3)
MAX_ATTEMPTS = 5
# Errors kept per job; the counters still count every one.
MAX_ERRORS = 100_000


class JobCancelled(Exception):
    """Raised inside a handler when the job was undone or removed while running."""


Handler = Callable[[Job, "Progress"], None]
UndoHook = Callable[[Job, User], None]


@dataclass(frozen=True)
class JobKind:
    kind: str
    label: str | Promise
    run: Handler
    undo: UndoHook | None = None
    undoable: bool = False


_kinds: dict[str, JobKind] = {}


def handler(
    kind: str, *, label: str | Promise, undoable: bool = False, undo: UndoHook | None = None
) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind``.

    ``undoable`` jobs can be undone from their notes (``Progress.note_*``); ``undo`` is an
    extra hook for what the notes cannot restore (called first, inside the undo job).
    """

    def register(fn: Handler) -> Handler:
        _kinds[kind] = JobKind(kind=kind, label=label, run=fn, undo=undo, undoable=undoable)
        return fn

    return register


def kind_label(kind: str) -> str:
    entry = _kinds.get(kind)
    return str(entry.label) if entry else kind


def job_start(
    *,
    actor: User,
    kind: str,
    params: dict[str, Any] | None = None,
    title: str = "",
    total: int | None = None,
    input_file: Any = None,
    input_name: str = "",
) -> Job:
    """Store a job and queue it for a worker once the current transaction commits."""
    if kind not in _kinds:
        raise ValueError(f"No handler registered for job kind {kind!r}")
    job = Job(
        kind=kind,
        title=title or kind_label(kind),
        params=params or {},
        total=total,
        created_by=actor,
        input_name=input_name,
    )
    if input_file is not None:
        job.input_file.save(input_name or "input", input_file, save=False)
    job.save()
    queue(job)
    return job


def queue(job: Job) -> None:
    job_id = str(job.pk)
    transaction.on_commit(lambda: run_job.delay(job_id))


class Progress:
    """What a handler reports while it works; writes to the database are throttled."""

    def __init__(self, job: Job, *, interval: float = 0.5) -> None:
        self.job = job
        self.interval = interval
        self._last_flush = 0.0
        self._content_types: dict[type[Model], ContentType] = {}
        self._errors_kept = JobError.objects.filter(job=job).count()

    # -- counters -------------------------------------------------------------------------
    def set_total(self, total: int | None) -> None:
        self.job.total = total
        self.flush(force=True)

    def count(self, name: str, n: int = 1) -> None:
        self.job.counts[name] = self.job.counts.get(name, 0) + n

    def advance(self, n: int = 1, *, state: dict[str, Any] | None = None) -> None:
        """``n`` more units done; ``state`` is the checkpoint to resume from."""
        self.job.processed += n
        if state is not None:
            self.job.state = state
        self.flush()

    def flush(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_flush < self.interval:
            return
        self._last_flush = now
        self.job.heartbeat_at = timezone.now()
        updated = Job.objects.filter(pk=self.job.pk, status=JobStatus.RUNNING).update(
            total=self.job.total,
            processed=self.job.processed,
            counts=self.job.counts,
            state=self.job.state,
            heartbeat_at=self.job.heartbeat_at,
        )
        if not updated:
            raise JobCancelled(str(self.job.pk))

    # -- what happened to records --------------------------------------------------------
    def error(self, message: str, *, row: int | None = None, field: str = "", obj: Any = None):
        self.count("errors")
        if self._errors_kept >= MAX_ERRORS:
            return
        self._errors_kept += 1
        JobError.objects.create(
            job=self.job,
            row=row,
            object_id=str(obj.pk) if obj is not None else "",
            field=field,
            message=str(message)[:2000],
        )

    def errors(self, items: Iterable[tuple[int | None, str, str]]) -> None:
        """Many ``(row, field, message)`` at once (one INSERT)."""
        rows = []
        for row, field, message in items:
            self.count("errors")
            if self._errors_kept < MAX_ERRORS:
                self._errors_kept += 1
                rows.append(
                    JobError(job=self.job, row=row, field=field, message=str(message)[:2000])
                )
        JobError.objects.bulk_create(rows)

    def _content_type(self, model: type[Model]) -> ContentType:
        if model not in self._content_types:
            self._content_types[model] = ContentType.objects.get_for_model(model)
        return self._content_types[model]

    def note_created(self, records: Iterable[Model], *, row: int | None = None) -> None:
        JobChange.objects.bulk_create(
            JobChange(
                job=self.job,
                content_type=self._content_type(type(record)),
                object_id=str(record.pk),
                action=JobChangeAction.CREATED,
                row=row,
            )
            for record in records
        )

    def note_created_many(self, model: type[Model], pks: Iterable[Any]) -> None:
        """One note for many new records of ``model`` (what bulk jobs write per chunk)."""
        ids = [str(pk) for pk in pks]
        if ids:
            JobChange.objects.create(
                job=self.job,
                content_type=self._content_type(model),
                object_id="",
                action=JobChangeAction.CREATED_MANY,
                before={"ids": ids},
            )

    def note_updated(self, record: Model, before: dict[str, Any], *, row: int | None = None):
        """``before``: the field values the job is about to overwrite (JSON-able)."""
        JobChange.objects.create(
            job=self.job,
            content_type=self._content_type(type(record)),
            object_id=str(record.pk),
            action=JobChangeAction.UPDATED,
            before=before,
            row=row,
        )


@shared_task(name="core.run_job", acks_late=True)
def run_job(job_id: str) -> str:
    """Run (or resume) one job; answers its final status."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return job.status if job else "missing"
        if job.attempts >= MAX_ATTEMPTS:
            job.status = JobStatus.FAILED
            job.message = _("Stopped after %(n)s attempts.") % {"n": job.attempts}
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "message", "finished_at"])
            return job.status
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or timezone.now()
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at"])
    kind = _kinds.get(job.kind)
    progress = Progress(job)
    try:
        if kind is None:
            raise ValueError(f"No handler registered for job kind {job.kind!r}")
        kind.run(job, progress)
    except JobCancelled:
        return Job.objects.filter(pk=job_id).values_list("status", flat=True).first() or "missing"
    except (ValidationError, PermissionDenied) as exc:
        _finish(job, JobStatus.FAILED, message=_readable(exc))
    except Exception as exc:
        log.exception("Job %s (%s) failed", job.pk, job.kind)
        _finish(job, JobStatus.FAILED, message=_("Internal error: %(error)s") % {"error": exc})
    else:
        _finish(job, JobStatus.DONE)
    return job.status


def _readable(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc) or _("Not allowed.")


def _finish(job: Job, status: str, *, message: str = "") -> None:
    job.status = status
    job.message = message or job.message
    job.finished_at = timezone.now()
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=status,
        message=job.message,
        finished_at=job.finished_at,
        total=job.total,
        processed=job.processed,
        counts=job.counts,
        state=job.state,
        result=job.result,
        output_file=job.output_file.name if job.output_file else "",
        output_name=job.output_name,
    )


@shared_task(name="core.resume_stale_jobs")
def resume_stale_jobs() -> int:
    """Re-queue jobs whose worker died (no heartbeat) and jobs never picked up."""
    now = timezone.now()
    stale = list(
        Job.objects.filter(
            status__in=[JobStatus.RUNNING, JobStatus.PENDING], heartbeat_at__lt=now - STALE_AFTER
        ).values_list("pk", flat=True)
    ) + list(
        Job.objects.filter(
            status=JobStatus.PENDING, heartbeat_at__isnull=True, created_at__lt=now - STALE_AFTER
        ).values_list("pk", flat=True)
    )
    for job_id in stale:
        Job.objects.filter(pk=job_id).update(status=JobStatus.PENDING, heartbeat_at=now)
        run_job.delay(str(job_id))
    return len(stale)


def is_undoable(job: Job) -> bool:
    entry = _kinds.get(job.kind)
    return bool(entry and entry.undoable) and job.status == JobStatus.DONE


UNDO_CHUNK = 2000


def _undo_created(model: type[Model], ids: list[str], actor: User, now: Any) -> None:
    """Records a job created go to the trash (or away, for those without one)."""
    records = model._default_manager.filter(pk__in=ids)
    if hasattr(model, "deleted_at"):
        records.filter(deleted_at__isnull=True).update(deleted_at=now, deleted_by=actor)
    else:
        records.delete()


@handler("undo", label=gettext_lazy("Undo"))
def run_undo(job: Job, progress: Progress) -> None:
    """Undo another job: records it created go to the trash, fields it changed get their
    old values back (newest change first), then the job is marked undone."""
    from .history import save_as

    target = Job.objects.get(pk=job.params["job"])
    actor = job.created_by
    if actor is None:
        raise PermissionDenied(_("The user who started this undo no longer exists."))
    entry = _kinds.get(target.kind)
    changes = JobChange.objects.filter(job=target).order_by("-id")
    progress.set_total(changes.count())
    if entry and entry.undo and not job.state.get("hook_done"):
        entry.undo(target, actor)
        progress.advance(0, state={**job.state, "hook_done": True})
    last_id = job.state.get("last_id")
    now = timezone.now()
    while True:
        chunk = changes.filter(id__lt=last_id) if last_id else changes
        batch = list(chunk.select_related("content_type")[:UNDO_CHUNK])
        if not batch:
            break
        with transaction.atomic():
            for change in batch:
                model = change.content_type.model_class()
                if model is None:
                    continue
                if change.action in (JobChangeAction.CREATED, JobChangeAction.CREATED_MANY):
                    ids = change.before.get("ids") or [change.object_id]
                    for start in range(0, len(ids), UNDO_CHUNK):
                        _undo_created(model, ids[start : start + UNDO_CHUNK], actor, now)
                    progress.count("trashed", len(ids))
                    continue
                record = model._default_manager.filter(pk=change.object_id).first()
                if record is None:
                    continue
                m2m = {}
                for name, value in change.before.items():
                    field = model._meta.get_field(name)
                    if field.many_to_many:
                        m2m[field.name] = value
                    elif isinstance(field, Field):
                        setattr(record, field.attname, field.to_python(value))
                save_as(actor, record)
                for name, ids in m2m.items():
                    getattr(record, name).set(ids)
                progress.count("restored")
            last_id = batch[-1].id
            progress.advance(len(batch), state={**job.state, "hook_done": True, "last_id": last_id})
    Job.objects.filter(pk=target.pk).update(status=JobStatus.UNDONE)
    job.result = {"job": str(target.pk)}
