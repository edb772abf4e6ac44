"""Job handlers of imports (registered with core.jobs).

An import reads its file in chunks. Each chunk is written in ONE transaction together
with the job's checkpoint (``{"phase", "row"}``), its counters and its problems, so a
worker killed mid-import loses at most the chunk it was writing and, started again,
skips every row up to the checkpoint: nothing is imported twice.

``on_error="stop"`` first checks the whole file without writing (phase "check") and
writes only if no row has a problem; ``"skip"`` writes the valid rows and lists the
others. A dry run is the check phase alone, counting what would happen.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core import jobs
from rapport.core.models import Job

from . import access as _access  # noqa: F401  (registers the templates' rule)
from .apply import ChunkResult, Importer, ImportOptions
from .readers import SourceRow, TableReader, count_rows
from .rows import Parsed
from .writes import ChunkWrites

CHUNK_ROWS = 5000
COUNTS = ("created", "updated", "unchanged", "rejected")
# Called after each chunk is written (the command prints its progress line).
listeners: list[Callable[[Job], None]] = []


class _Stopped(Exception):
    def __init__(self, result: ChunkResult) -> None:
        self.result = result


def _chunks(rows: Iterator[SourceRow], after: int) -> Iterator[list[SourceRow]]:
    chunk: list[SourceRow] = []
    for row in rows:
        if row.number <= after:
            continue
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Prefetch:
    """Reads and parses the next chunks in a helper thread while this one writes.

    Parsing (CSV, phone and e-mail checks, name keys) and building the rows of the
    records a chunk may create are pure Python and need no database
    (``parse(properties=False)``, ``ChunkWrites.build_new``), so they run while this
    thread waits for the database to take the previous chunk. At most ``AHEAD`` chunks
    wait in the queue, so memory stays flat. The thread speaks the job's language.
    """

    AHEAD = 2

    def __init__(
        self, rows: Iterator[SourceRow], importer: Importer, after: int, *, build: bool
    ) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=self.AHEAD)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(rows, importer, after, build, translation.get_language()),
            name="import-parse",
            daemon=True,
        )
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _run(
        self, rows: Iterator[SourceRow], importer: Importer, after: int, build: bool, lang: Any
    ) -> None:
        if lang:
            translation.activate(lang)
        parse = importer.parser.parse
        try:
            for chunk in _chunks(rows, after):
                parsed = [parse(row, properties=False) for row in chunk]
                if build:
                    writes = ChunkWrites(importer)
                    for row in parsed:
                        # Property values are checked later, against the database: a row
                        # with properties is built after that, by the writing thread.
                        if row.ok and not row.properties:
                            row.built = writes.build_new(row)
                if not self._put((chunk, parsed)):
                    return
        except BaseException as exc:  # handed to the writing thread, raised there
            self._put(exc)
            return
        self._put(None)

    def __iter__(self) -> Iterator[tuple[list[SourceRow], list[Parsed]]]:
        while (item := self._queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def checkpoint_reached(job: Job, phase: str, row: int) -> None:
    """Called inside each chunk's transaction once its checkpoint is written (tests make
    it fail to simulate a worker killed mid-chunk)."""


def _open(job: Job, options: ImportOptions) -> TableReader:
    job.input_file.open("rb")
    return TableReader(
        job.input_file,
        name=job.input_name or job.params.get("name", ""),
        target=options.target,
        encoding=options.encoding,
        delimiter=options.delimiter,
    )


@jobs.handler("import", label=gettext_lazy("Import"), undoable=True)
def run_import(job: Job, progress: jobs.Progress) -> None:
    options = ImportOptions.from_params(job.params)
    actor = job.created_by
    if actor is None or not actor.is_active or not actor.can_write:
        raise PermissionDenied(_("The author of this import may no longer write."))
    if options.dry_run:
        phases = ["check"]
    elif options.on_error == "stop":
        phases = ["check", "write"]
    else:
        phases = ["write"]
    state: dict[str, Any] = dict(job.state or {})
    if job.total is None:
        with _open(job, options) as table:
            rows = table.row_hint or count_rows(table.stream, table.info.format)
        progress.set_total((rows or 0) * len(phases) or None)
    for phase in phases[phases.index(state.get("phase", phases[0])) :]:
        after = state.get("row", 0) if state.get("phase") == phase else 0
        _run_phase(job, progress, options, phase=phase, after=after)
        state = {"phase": phase, "row": 0}
        if phase == "check" and not options.dry_run and job.counts.get("rejected"):
            raise ValidationError(
                _(
                    "Nothing was imported: %(n)s rows have problems (listed below). "
                    "Correct them, or choose to skip rows with problems."
                )
                % {"n": job.counts["rejected"]}
            )
    counts = {name: job.counts.get(name, 0) for name in COUNTS}
    job.result = {"counts": counts, "dry_run": options.dry_run}


def _no_commit_wait() -> None:
    """This chunk's COMMIT does not wait for its WAL flush (PostgreSQL). A database
    crash may then lose the last chunks committed, each together with its checkpoint,
    so the resumed job writes them again: nothing is duplicated or half-written."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _run_phase(
    job: Job, progress: jobs.Progress, options: ImportOptions, *, phase: str, after: int
) -> None:
    with _open(job, options) as table:
        importer = Importer(actor=job.created_by, options=options, headers=table.headers, job=job)
        prefetch = _Prefetch(table.rows(), importer, after, build=phase == "write")
        try:
            _write_chunks(job, progress, options, importer, prefetch, phase=phase, last=after)
        finally:
            prefetch.close()


def _write_chunks(
    job: Job,
    progress: jobs.Progress,
    options: ImportOptions,
    importer: Importer,
    prefetch: _Prefetch,
    *,
    phase: str,
    last: int,
) -> None:
    write = phase == "write"
    # In a stop-mode check only problems count; the write phase counts the rest.
    counting = write or options.dry_run
    postgres = connection.vendor == "postgresql"
    for chunk, parsed in prefetch:
        try:
            with transaction.atomic():
                if write and postgres:
                    _no_commit_wait()
                result = importer.process(chunk, write=write, parsed=parsed)
                counts = result.counts
                if write and options.on_error == "stop" and counts["rejected"]:
                    raise _Stopped(result)
                for name in COUNTS:
                    if counting or name == "rejected":
                        progress.count(name, counts.get(name, 0))
                progress.errors(result.errors())
                end = chunk[-1].number
                progress.advance(end - last, state={"phase": phase, "row": end})
                progress.flush(force=True)
                checkpoint_reached(job, phase, end)
                last = end
        except _Stopped as stop:
            _stop(progress, stop.result, written_to=last)
        for listener in listeners:
            listener(job)


def _stop(progress: jobs.Progress, result: ChunkResult, *, written_to: int) -> None:
    progress.count("rejected", result.counts["rejected"])
    progress.errors(result.errors())
    progress.flush(force=True)
    first = next(o.parsed.number for o in result.outcomes if o.action == "reject")
    counts = progress.job.counts
    raise ValidationError(
        _(
            "Stopped at row %(row)s. Rows up to %(last)s were imported (%(created)s created, "
            "%(updated)s updated); nothing from row %(next)s on was written."
        )
        % {
            "row": first,
            "last": written_to,
            "next": written_to + 1,
            "created": counts.get("created", 0),
            "updated": counts.get("updated", 0),
        }
    )
