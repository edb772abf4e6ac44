"""Browser pages of core: login, profile, users and departments, properties, audit log,
trash and the attachments fragment any record page can embed."""

from __future__ import annotations

import re
import unicodedata
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import access, selectors, services
from .forms import (
    AuditFilterForm,
    DepartmentForm,
    PasswordChangeForm,
    ProfileForm,
    PropertyForm,
    UploadForm,
    UserForm,
)
from .models import PropertyTarget, Role


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


# --- helpers --------------------------------------------------------------------------


def admin_required(view):
    """Administrators only; everyone else gets the same 404 as for a missing page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_administrator:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def apply_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form, by field where the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- profile --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.profile_update(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                # The message is read on the next page, in the language just chosen.
                translation.activate(user.language)
                messages.success(request, _("Your profile was saved."))
                return redirect("core:profile")
    else:
        form = ProfileForm(
            initial={
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "phone": user.phone,
                "position": user.position,
                "language": user.language,
                "time_zone": user.time_zone,
            }
        )
    return render(request, "core/profile.html", {"form": form}, status=422 if form.errors else 200)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("core:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


# --- users and departments ------------------------------------------------------------


@admin_required
@require_GET
def users(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/users.html",
        {
            "users": selectors.users_for_admin(actor=request.user),
            "readonly_role": Role.READ_ONLY,
        },
    )


def _user_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    if not fields.get("password"):
        fields.pop("password", None)
    return fields


@admin_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = _user_fields(form.cleaned_data)
        is_active = fields.pop("is_active")
        try:
            user = services.user_create(actor=request.user, **fields)
            if not is_active:
                services.user_update(actor=request.user, user=user, is_active=False)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("User “%(user)s” was created.") % {"user": user})
            return redirect("core:users")
    return render(
        request,
        "core/user_form.html",
        {"form": form, "edited": None},
        status=422 if form.errors else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    edited = get_object_or_404(selectors.users_for_admin(actor=request.user), pk=pk)
    if request.method == "POST":
        form = UserForm(request.POST, user=edited)
        if form.is_valid():
            try:
                services.user_update(
                    actor=request.user, user=edited, **_user_fields(form.cleaned_data)
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("User “%(user)s” was saved.") % {"user": edited})
                return redirect("core:users")
    else:
        form = UserForm(initial=UserForm.initial_for(edited), user=edited)
    return render(
        request,
        "core/user_form.html",
        {"form": form, "edited": edited},
        status=422 if form.errors else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def departments(request: HttpRequest) -> HttpResponse:
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("Department “%(name)s” was created.") % {"name": department}
            )
            return redirect("core:departments")
    tree = selectors.department_tree(actor=request.user)
    return render(
        request,
        "core/departments.html",
        {
            "form": form,
            "tree": [{"depth": d, "department": dep, "indent": range(d)} for d, dep in tree],
        },
        status=422 if form.errors else 200,
    )


# --- properties -----------------------------------------------------------------------


@admin_required
@require_GET
def properties(request: HttpRequest) -> HttpResponse:
    definitions = list(selectors.property_definitions_admin(actor=request.user))
    groups = [
        {
            "target": value,
            "label": label,
            "definitions": [d for d in definitions if d.target == value],
        }
        for value, label in PropertyTarget.choices
    ]
    return render(request, "core/properties.html", {"groups": groups})


@admin_required
@require_http_methods(["GET", "POST"])
def property_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PropertyForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("is_active", None)
            try:
                definition = services.property_create(actor=request.user, **data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, _("Property “%(label)s” was created.") % {"label": definition.label}
                )
                return redirect("core:properties")
    else:
        target = request.GET.get("target")
        form = PropertyForm(
            initial={"target": target if target in PropertyTarget.values else PropertyTarget.CLIENT}
        )
    return render(
        request,
        "core/property_form.html",
        {"form": form, "definition": None},
        status=422 if form.errors else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def property_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    definition = get_object_or_404(selectors.property_definitions_admin(actor=request.user), pk=pk)
    initial = PropertyForm.initial_for(definition)
    if request.method == "POST":
        form = PropertyForm(request.POST, initial=initial, definition=definition)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("target", None)
            try:
                services.property_update(actor=request.user, definition=definition, **data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, _("Property “%(label)s” was saved.") % {"label": data["label"]}
                )
                return redirect("core:properties")
    else:
        form = PropertyForm(initial=initial, definition=definition)
    in_use = selectors.property_in_use(target=definition.target, code=definition.code)
    return render(
        request,
        "core/property_form.html",
        {
            "form": form,
            "definition": definition,
            "in_use": in_use,
        },
        status=422 if form.errors else 200,
    )


@admin_required
@require_POST
def property_toggle(request: HttpRequest, pk: Any) -> HttpResponse:
    """Deactivate (or activate again) a property: its values stay on the records."""
    definition = get_object_or_404(selectors.property_definitions_admin(actor=request.user), pk=pk)
    services.property_update(
        actor=request.user, definition=definition, is_active=not definition.is_active
    )
    return redirect("core:properties")


# --- audit log ------------------------------------------------------------------------


@admin_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    event, before = "", None
    if form.is_valid():
        event, before = form.cleaned_data["event"], form.cleaned_data["before"]
    rows, next_before = selectors.audit_log_page(actor=request.user, event=event, before=before)
    return render(
        request,
        "core/audit.html",
        {
            "form": form,
            "rows": rows,
            "event": event,
            "next_before": next_before,
            "is_first_page": before is None,
        },
    )


# --- trash ----------------------------------------------------------------------------


@login_required
@require_GET
def trash(request: HttpRequest) -> HttpResponse:
    rows = selectors.trash_items(actor=request.user)
    for row in rows:
        get_url = getattr(row["record"], "get_absolute_url", None)
        row["url"] = get_url() if callable(get_url) else ""
    return render(
        request,
        "core/trash.html",
        {
            "rows": rows,
            "can_restore": request.user.can_write,
            "can_purge": access.can_purge(request.user),
        },
    )


@login_required
@require_POST
def trash_restore(request: HttpRequest, content_type_id: int, object_id: str) -> HttpResponse:
    record = selectors.trash_record_get(
        actor=request.user, content_type_id=content_type_id, object_id=object_id
    )
    services.record_restore(actor=request.user, record=record)
    messages.success(request, _("“%(name)s” was restored.") % {"name": record})
    return redirect("core:trash")


@login_required
@require_POST
def trash_purge(request: HttpRequest, content_type_id: int, object_id: str) -> HttpResponse:
    record = selectors.trash_record_get(
        actor=request.user, content_type_id=content_type_id, object_id=object_id
    )
    name = str(record)
    try:
        services.record_purge(actor=request.user, record=record)
    except ProtectedError:
        messages.error(
            request,
            _("“%(name)s” cannot be purged: other records still refer to it.") % {"name": name},
        )
    else:
        messages.success(request, _("“%(name)s” was purged.") % {"name": name})
    return redirect("core:trash")


# --- attachments ----------------------------------------------------------------------


def _attachments_response(
    request: HttpRequest,
    record: Any,
    *,
    upload_form: UploadForm | None = None,
    version_errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(record)
    items = selectors.attachments_for(actor=request.user, record=record)
    context = {
        "record": record,
        "content_type_id": content_type.pk,
        "object_id": str(record.pk),
        "attachments": [
            {
                "attachment": a,
                "current": a.version_list[0] if a.version_list else None,
                "older": a.version_list[1:],
                "errors": (version_errors or {}).get(str(a.pk), []),
            }
            for a in items
        ],
        "can_edit": access.can_edit(request.user, record),
        "upload_form": upload_form or UploadForm(),
        "max_bytes": settings.ATTACHMENT_MAX_BYTES,
        "max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "self_url": reverse("core:attachments", args=[content_type.pk, record.pk]),
    }
    template = "core/attachments.html#attachments" if request.htmx else "core/attachments.html"
    return render(request, template, context, status=status)


def _after_attachment_post(request: HttpRequest, record: Any, **kwargs: Any) -> HttpResponse:
    status = kwargs.get("status", 200)
    if not request.htmx and status == 200:
        from django.contrib.contenttypes.models import ContentType

        ct = ContentType.objects.get_for_model(record)
        return redirect("core:attachments", content_type_id=ct.pk, object_id=str(record.pk))
    return _attachments_response(request, record, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def attachments(request: HttpRequest, content_type_id: int, object_id: str) -> HttpResponse:
    """The files of any record: list, versions, upload (HTMX fragment or a plain page)."""
    record = selectors.record_for_attachments(
        actor=request.user, content_type_id=content_type_id, object_id=object_id
    )
    if request.method == "GET":
        return _attachments_response(request, record)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                actor=request.user, record=record, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _after_attachment_post(request, record)
    return _after_attachment_post(request, record, upload_form=form, status=422)


def _attachment_and_record(request: HttpRequest, attachment_id: Any) -> tuple[Any, Any]:
    attachment = selectors.attachment_get(actor=request.user, pk=attachment_id)
    record = selectors.record_for_attachments(
        actor=request.user,
        content_type_id=attachment.content_type_id,
        object_id=attachment.object_id,
    )
    return attachment, record


@login_required
@require_POST
def attachment_version_add(request: HttpRequest, attachment_id: Any) -> HttpResponse:
    attachment, record = _attachment_and_record(request, attachment_id)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add_version(
                actor=request.user, attachment=attachment, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _after_attachment_post(request, record)
    errors = [str(e) for errs in form.errors.values() for e in errs]
    return _after_attachment_post(
        request, record, status=422, version_errors={str(attachment.pk): errors}
    )


@login_required
@require_POST
def attachment_delete(request: HttpRequest, attachment_id: Any) -> HttpResponse:
    attachment, record = _attachment_and_record(request, attachment_id)
    services.attachment_delete(actor=request.user, attachment=attachment)
    return _after_attachment_post(request, record)


_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def safe_filename(name: str) -> str:
    """A file name fit for Content-Disposition: no path, quotes or control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = _UNSAFE_FILENAME.sub("_", name).strip(" .")
    return name[-200:] or "file"


@login_required
@require_GET
def attachment_download(request: HttpRequest, attachment_id: Any, version_id: Any) -> FileResponse:
    version = selectors.attachment_version_get(
        actor=request.user, attachment_pk=attachment_id, version_pk=version_id
    )
    try:
        handle = version.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(_("The file is missing from storage.")) from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=safe_filename(version.original_name),
        content_type=version.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response
