"""Pages of background jobs: my jobs, one job's progress and report, its files, undo."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import jobs, selectors, services
from .reports import job_errors_workbook

ERRORS_ON_PAGE = 200


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.jobs_for(actor=request.user)[:100]
    return render(request, "core/jobs/list.html", {"jobs": rows, "kind_label": jobs.kind_label})


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    job = selectors.job_get(actor=request.user, pk=pk)
    context = {
        "job": job,
        "kind_label": jobs.kind_label(job.kind),
        "undoable": jobs.is_undoable(job),
        "errors": selectors.job_errors(job=job)[:ERRORS_ON_PAGE],
        "errors_shown": ERRORS_ON_PAGE,
        "undo_job": selectors.jobs_for(actor=request.user, kind="undo")
        .filter(params__job=str(job.pk))
        .first(),
    }
    if request.htmx and request.GET.get("part") == "progress":
        response = render(request, "core/_job_progress.html", context)
        if job.is_finished:
            # The page around the bar (report, download, undo) changes too: reload it.
            response["HX-Refresh"] = "true"
        return response
    return render(request, "core/jobs/detail.html", context)


@login_required
@require_GET
def job_download(request: HttpRequest, pk: Any) -> FileResponse:
    job = selectors.job_get(actor=request.user, pk=pk)
    if not job.output_file:
        raise Http404(_("This job has no file."))
    return FileResponse(
        job.output_file.open("rb"), as_attachment=True, filename=job.output_name or "export"
    )


@login_required
@require_GET
def job_errors_xlsx(request: HttpRequest, pk: Any) -> HttpResponse:
    job = selectors.job_get(actor=request.user, pk=pk)
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="errors-{job.pk}.xlsx"'
    job_errors_workbook(job, selectors.job_errors(job=job).iterator()).save(response)
    return response


@login_required
@require_POST
def job_undo(request: HttpRequest, pk: Any) -> HttpResponse:
    job = selectors.job_get(actor=request.user, pk=pk)
    try:
        undo = services.job_undo(actor=request.user, job=job)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("core:job_detail", pk=job.pk)
    messages.success(request, _("Undo started."))
    return redirect("core:job_detail", pk=undo.pk)
