"""Background jobs of the client base: the duplicate scan (job kind ``duplicate_scan``)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy

from rapport.core import jobs
from rapport.core.models import Job

from . import duplicate_scan
from .models import DuplicatePair, DuplicateStatus, DuplicateTarget

SCAN_KIND = "duplicate_scan"


@jobs.handler(SCAN_KIND, label=gettext_lazy("Duplicate scan"))
def run_duplicate_scan(job: Job, progress: jobs.Progress) -> None:
    """Scan clients and contact persons for likely duplicates.

    Resumable: the checkpoint is the next step; a step run twice upserts the same pairs.
    """
    targets = job.params.get("targets") or [DuplicateTarget.CLIENT, DuplicateTarget.CONTACT]
    state = dict(job.state or {})
    if "stages" not in state:
        state = {
            "stages": duplicate_scan.stages(targets),
            "next": 0,
            "started": duplicate_scan.now().isoformat(),
        }
        progress.set_total(len(state["stages"]))
        progress.advance(0, state=state)
    started = datetime.fromisoformat(state["started"])
    steps = state["stages"]
    for index in range(state["next"], len(steps)):
        stored = duplicate_scan.run_stage(steps[index], seen_at=started)
        progress.count("found", stored)
        state = {**state, "next": index + 1}
        progress.advance(1, state=state)
        progress.flush(force=True)
    progress.count("forgotten", duplicate_scan.forget_stale(targets, started=started))
    job.result = {
        target: DuplicatePair.objects.filter(target=target, status=DuplicateStatus.OPEN).count()
        for target in targets
    }
