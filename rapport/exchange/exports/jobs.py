"""Job handlers of exports (registered with core.jobs).

An export job writes its file to a temporary file chunk by chunk (memory stays flat), then
stores it as the job's output. It changes no records, so resuming after a killed worker
simply writes the file again from the start; the audit record is written once.
"""

from __future__ import annotations

import tempfile

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.utils import translation
from django.utils.translation import gettext_lazy

from rapport.core import jobs
from rapport.core.models import Job

from .services import ExportSpec, export_audit, export_source_for, export_write


@jobs.handler("export", label=gettext_lazy("Export"), undoable=False)
def run_export(job: Job, progress: jobs.Progress) -> None:
    actor = job.created_by
    if actor is None or not actor.is_active:
        raise PermissionDenied(
            gettext_lazy("The user who started this export is no longer active.")
        )
    spec = ExportSpec.from_params(job.params)
    if job.output_file:  # a file from an earlier, interrupted attempt
        job.output_file.delete(save=False)
    job.processed = 0
    with translation.override(spec.language):
        source = export_source_for(actor=actor, spec=spec)
        progress.set_total(source.queryset.count())
        with tempfile.TemporaryFile() as tmp:
            rows = export_write(
                tmp, actor=actor, spec=spec, source=source, on_rows=progress.advance
            )
            tmp.seek(0)
            name = spec.filename()
            job.output_file.save(name, File(tmp, name=name), save=False)
    job.output_name = name
    job.counts["rows"] = rows
    job.result = {"rows": rows, "format": spec.format, "target": spec.target}
    if not job.state.get("audited"):
        export_audit(actor=actor, spec=spec, rows=rows, job=job)
        job.state = {**job.state, "audited": True}
        progress.flush(force=True)
