"""The import wizard: upload -> column mapping -> preview -> run -> report.

The upload and the chosen options live in the session between the steps; every step
calls one service or selector.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import mapping as mapping_mod
from . import selectors, services
from .apply import ImportOptions
from .forms import MappingForm, UploadForm

UPLOAD_KEY = "import_upload"
OPTIONS_KEY = "import_options"
ERRORS_ON_PAGE = 200


def _add_errors(form: Any, exc: ValidationError, *, column_of: dict[str, str] | None = None):
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.message_dict.items():
        target = name if name in form.fields else None
        form.add_error(target, errors)


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            upload = services.import_upload(
                actor=request.user,
                file=form.cleaned_data["file"],
                target=form.cleaned_data["target"],
                encoding=form.cleaned_data["encoding"],
                delimiter=form.cleaned_data["delimiter"],
            )
        except PermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            request.session[UPLOAD_KEY] = upload
            request.session.pop(OPTIONS_KEY, None)
            return redirect("imports:mapping")
    recent = selectors.import_list(actor=request.user)[:20]
    status = 422 if form.errors else 200
    return render(
        request, "exchange/imports/start.html", {"form": form, "recent": recent}, status=status
    )


def _upload(request: HttpRequest) -> dict[str, Any] | None:
    return request.session.get(UPLOAD_KEY)


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request: HttpRequest) -> HttpResponse:
    upload = _upload(request)
    if upload is None:
        return redirect("imports:start")
    headers, target = upload["headers"], upload["target"]
    guessed = upload["mapping"]
    initial: dict[str, Any] = {
        "match_on": services.default_match_on(guessed),
        "on_error": "skip",
        "external_system": "import",
    }
    template = selectors.import_template_get(actor=request.user, pk=request.GET.get("template"))
    if template is not None and template.target == target:
        guessed = mapping_mod.apply_template(template.mapping, headers)
        initial.update(template.options)
    elif OPTIONS_KEY in request.session:
        saved = request.session[OPTIONS_KEY]
        guessed = saved["mapping"]
        initial.update({k: saved[k] for k in ("match_on", "external_system", "on_error")})
    initial.update({f"col-{i}": guessed.get(h, "") for i, h in enumerate(headers)})
    form = MappingForm(
        request.POST or None,
        headers=headers,
        choices=mapping_mod.field_choices(target),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            options = services.import_configure(
                actor=request.user,
                upload=upload,
                mapping=form.mapping(),
                match_on=form.cleaned_data["match_on"],
                external_system=form.cleaned_data["external_system"],
                on_error=form.cleaned_data["on_error"],
                template_name=form.cleaned_data["template_name"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            request.session[OPTIONS_KEY] = options.to_params()
            if form.cleaned_data["template_name"]:
                messages.success(request, _("Template saved."))
            return redirect("imports:preview")
    context = {
        "upload": upload,
        "form": form,
        "templates": selectors.import_templates(actor=request.user, target=target),
    }
    return render(
        request, "exchange/imports/mapping.html", context, status=422 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def preview(request: HttpRequest) -> HttpResponse:
    upload = _upload(request)
    params = request.session.get(OPTIONS_KEY)
    if upload is None or params is None:
        return redirect("imports:start")
    options = ImportOptions.from_params(params)
    if request.method == "POST":
        options.dry_run = request.POST.get("dry_run") == "1"
        try:
            job = services.import_run_upload(actor=request.user, upload=upload, options=options)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("imports:mapping")
        request.session.pop(UPLOAD_KEY, None)
        request.session.pop(OPTIONS_KEY, None)
        return redirect("imports:report", pk=job.pk)
    try:
        rows = services.import_preview(actor=request.user, upload=upload, options=options)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("imports:start")
    columns = [h for h in upload["headers"] if options.mapping.get(h)]
    labels = dict(mapping_mod.field_choices(options.target))
    context = {
        "upload": upload,
        "options": options,
        "rows": rows,
        "columns": [(h, labels.get(options.mapping[h], "")) for h in columns],
        "problem_rows": sum(1 for r in rows if r.action == "reject"),
    }
    return render(request, "exchange/imports/preview.html", context)


@login_required
def report(request: HttpRequest, pk: Any) -> HttpResponse:
    job = selectors.import_get(actor=request.user, pk=pk)
    errors, total = selectors.import_errors(job=job, limit=ERRORS_ON_PAGE)
    context = {"job": job, "errors": errors, "errors_total": total, "shown": len(errors)}
    if request.htmx and request.GET.get("part") == "report":
        return render(request, "exchange/imports/_report.html", context)
    return render(request, "exchange/imports/report.html", context)
