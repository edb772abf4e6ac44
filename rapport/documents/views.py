"""Pages of documents: the templates page (administrators upload and manage, everyone
reads), the documents of a record (the panel any record card includes, also as its own
page), generating, downloading (always through an access check) and sending by e-mail."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.core.views import admin_required, apply_errors, safe_filename

from . import registry, selectors, services
from .forms import GenerateForm, SendForm, TemplateFileForm, TemplateUploadForm
from .rendering import DOCX_CONTENT_TYPE


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _errors_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _file_response(field: Any, filename: str, content_type: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise Http404(_("The file is missing from storage.")) from exc
    response = FileResponse(
        handle, as_attachment=True, filename=safe_filename(filename), content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- templates ------------------------------------------------------------------------------


def _templates_page(
    request: HttpRequest, *, form: TemplateUploadForm | None = None, status: int = 200
) -> HttpResponse:
    templates = list(selectors.template_list(actor=request.user))
    context = {
        "templates": templates,
        "targets": registry.targets(),
        "form": form or TemplateUploadForm(),
        "file_form": TemplateFileForm(),
        "is_admin": request.user.is_administrator,
    }
    return render(request, "documents/templates.html", context, status=status)


@login_required
@require_GET
def templates(request: HttpRequest) -> HttpResponse:
    return _templates_page(request)


@admin_required
@require_POST
def template_upload(request: HttpRequest) -> HttpResponse:
    form = TemplateUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            template = services.template_upload(
                actor=request.user,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                target=form.cleaned_data["target"],
                language=form.cleaned_data["language"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Template “%s” uploaded.") % template.name)
            return redirect("documents:templates")
    return _templates_page(request, form=form, status=422)


@admin_required
@require_POST
def template_replace(request: HttpRequest, pk: Any) -> HttpResponse:
    template = selectors.template_get(actor=request.user, pk=pk)
    form = TemplateFileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.template_replace_file(
                actor=request.user, template=template, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            messages.error(request, _errors_text(exc))
        else:
            messages.success(request, _("New version of “%s” uploaded.") % template.name)
    else:
        messages.error(request, _("Choose a DOCX file."))
    return redirect("documents:templates")


@admin_required
@require_POST
def template_active(request: HttpRequest, pk: Any) -> HttpResponse:
    template = selectors.template_get(actor=request.user, pk=pk)
    services.template_set_active(
        actor=request.user, template=template, is_active=request.POST.get("active") == "1"
    )
    return redirect("documents:templates")


@login_required
@require_GET
def template_download(request: HttpRequest, pk: Any, version: int | None = None) -> FileResponse:
    template = selectors.template_get(actor=request.user, pk=pk)
    if version is None:
        return _file_response(template.file, template.original_name, DOCX_CONTENT_TYPE)
    item = selectors.template_versions(template=template).filter(number=version).first()
    if item is None:
        raise Http404
    return _file_response(item.file, item.original_name, DOCX_CONTENT_TYPE)


@login_required
@require_GET
def template_try(request: HttpRequest, pk: Any) -> HttpResponse:
    """The template rendered with made-up data, to check it before use."""
    template = selectors.template_get(actor=request.user, pk=pk)
    try:
        data = services.template_sample_render(actor=request.user, template=template)
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
        return redirect("documents:templates")
    response = HttpResponse(data, content_type=DOCX_CONTENT_TYPE)
    name = safe_filename(f"{template.name} (sample).docx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    response["Cache-Control"] = "private, no-store"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


# --- documents of a record ------------------------------------------------------------------


@login_required
@require_GET
def record_documents(request: HttpRequest, target: str, object_id: str) -> HttpResponse:
    """The documents of one record as a page (the same panel the record's card shows)."""
    record = selectors.record_get(actor=request.user, target=target, object_id=object_id)
    spec = selectors.target_get(target)
    return render(
        request,
        "documents/record.html",
        {"record": record, "target": target, "target_label": spec.label},
    )


@login_required
@require_POST
def generate(request: HttpRequest, target: str, object_id: str) -> HttpResponse:
    record = selectors.record_get(actor=request.user, target=target, object_id=object_id)
    fallback = reverse("documents:record", args=[target, object_id])
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a template."))
        return redirect(_next_url(request, fallback))
    template = selectors.template_get(actor=request.user, pk=form.cleaned_data["template"])
    if template.target != target:
        raise Http404
    try:
        document = services.document_generate(actor=request.user, template=template, record=record)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(
            request,
            _("Document “%(title)s”, version %(n)s, is ready.")
            % {"title": document.title, "n": document.version},
        )
    return redirect(_next_url(request, fallback))


@login_required
@require_GET
def document_docx(request: HttpRequest, pk: Any) -> FileResponse:
    document = selectors.document_get(actor=request.user, pk=pk)
    return _file_response(document.docx, f"{document.base_filename}.docx", DOCX_CONTENT_TYPE)


@login_required
@require_GET
def document_pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    document = selectors.document_get(actor=request.user, pk=pk)
    try:
        document = services.document_pdf(actor=request.user, document=document)
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
        fallback = reverse("documents:record", args=[document.target, document.object_id])
        return redirect(_next_url(request, fallback))
    return _file_response(document.pdf, f"{document.base_filename}.pdf", "application/pdf")


@login_required
@require_http_methods(["GET", "POST"])
def document_send(request: HttpRequest, pk: Any) -> HttpResponse:
    document = selectors.document_get(actor=request.user, pk=pk)
    record = selectors.document_record(actor=request.user, document=document)
    fallback = reverse("documents:record", args=[document.target, document.object_id])
    back = _next_url(request, fallback)
    if request.method == "POST":
        form = SendForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.document_send(
                    actor=request.user,
                    document=document,
                    to=data["to"],
                    subject=data["subject"],
                    message=data["message"],
                    attach_docx=data["attach_docx"],
                    attach_pdf=data["attach_pdf"],
                )
            except PermissionDenied as exc:
                raise Http404 from exc
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The document is being sent."))
                return redirect(back)
        status = 422
    else:
        recipients = selectors.document_default_recipients(actor=request.user, document=document)
        form = SendForm(
            initial={
                "to": ", ".join(recipients),
                "subject": document.title,
                "attach_docx": True,
                "attach_pdf": True,
            }
        )
        status = 200
    return render(
        request,
        "documents/send.html",
        {"document": document, "record": record, "form": form, "back": back},
        status=status,
    )
