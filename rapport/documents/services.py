"""Writes of documents: templates (upload, new version, deactivate), generating a document
for a record, its PDF and sending it by e-mail.

PDF is made synchronously, with a timeout, when first asked for (then kept on the
document): a one- to three-page offer takes LibreOffice two to five seconds, the user is
waiting for that very file (download or e-mail attachment), and a background job would
only add a polling round trip. Every call runs LibreOffice with its own profile, so
several web processes or workers convert in parallel safely.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import access
from rapport.core.history import save_as
from rapport.core.models import AuditEvent, User
from rapport.core.services import audit_record

from . import registry, rendering
from .models import (
    DocumentKind,
    DocumentLanguage,
    DocumentTemplate,
    DocumentTemplateVersion,
    GeneratedDocument,
)

TEMPLATE_MAX_BYTES = int(getattr(settings, "DOCUMENT_TEMPLATE_MAX_BYTES", 10 * 1024 * 1024))
MAX_RECIPIENTS = 20

AUDIT_DOCUMENT_SENT = AuditEvent.DOCUMENT_SENT


# --- templates ------------------------------------------------------------------------------


def _require_admin(actor: User) -> None:
    if not (actor and actor.is_authenticated and actor.is_administrator):
        raise PermissionDenied(_("Only an administrator may manage document templates."))


def _read_upload(upload: UploadedFile | Any, *, field: str = "file") -> tuple[bytes, str]:
    name = getattr(upload, "name", "") or "template.docx"
    size = getattr(upload, "size", None)
    if size is not None and size > TEMPLATE_MAX_BYTES:
        raise ValidationError(
            {field: [_("The file is larger than %(n)s MB.") % {"n": TEMPLATE_MAX_BYTES >> 20}]}
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read()
    if len(data) > TEMPLATE_MAX_BYTES:
        raise ValidationError(
            {field: [_("The file is larger than %(n)s MB.") % {"n": TEMPLATE_MAX_BYTES >> 20}]}
        )
    if not data:
        raise ValidationError({field: [_("The file is empty.")]})
    return data, name.rsplit("/", 1)[-1]


def template_check(*, data: bytes, target: str, language: str, name: str = "") -> None:
    """Raise a ValidationError on ``file`` unless the template is a DOCX that renders with
    the target's sample context (an unknown placeholder counts as an error)."""
    label = name or _("the template")
    try:
        spec = registry.get_target(target)
    except registry.UnknownTarget as exc:
        raise ValidationError({"target": [_("Unknown record type “%s”.") % target]}) from exc
    try:
        rendering.render_docx(data, spec.sample_context(), language=language, strict=True)
    except rendering.NotADocx as exc:
        raise ValidationError({"file": [f"{label}: {exc}"]}) from exc
    except rendering.RenderError as exc:
        raise ValidationError({"file": [f"{label}: {exc}"]}) from exc


def _validate_fields(*, name: str, kind: str, target: str, language: str) -> None:
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("Give the template a name.")]
    if kind not in DocumentKind.values:
        errors["kind"] = [_("Unknown kind “%s”.") % kind]
    if language not in DocumentLanguage.values:
        errors["language"] = [_("Unknown language “%s”.") % language]
    try:
        registry.get_target(target)
    except registry.UnknownTarget:
        errors["target"] = [_("Unknown record type “%s”.") % target]
    if errors:
        raise ValidationError(errors)


def _store_version(
    *, actor: User | None, template: DocumentTemplate, data: bytes, filename: str
) -> DocumentTemplateVersion:
    number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = DocumentTemplateVersion(
        template=template,
        number=number,
        original_name=filename,
        size=len(data),
        uploaded_by=actor,
    )
    version.file.save(filename, ContentFile(data), save=False)
    version.save()
    template.file.name = version.file.name
    template.original_name = filename
    template.version = number
    template.updated_at = timezone.now()
    return version


@transaction.atomic
def template_upload(
    *,
    actor: User,
    name: str,
    kind: str,
    target: str,
    language: str,
    upload: UploadedFile | Any,
) -> DocumentTemplate:
    """A new template; the file must be a DOCX that renders with the target's sample."""
    _require_admin(actor)
    _validate_fields(name=name, kind=kind, target=target, language=language)
    data, filename = _read_upload(upload)
    template_check(data=data, target=target, language=language, name=filename)
    template = DocumentTemplate(
        name=name.strip(),
        kind=kind,
        target=target,
        language=language,
        created_by=actor,
    )
    template.save()
    _store_version(actor=actor, template=template, data=data, filename=filename)
    save_as(actor, template)
    return template


@transaction.atomic
def template_replace_file(
    *, actor: User, template: DocumentTemplate, upload: UploadedFile | Any
) -> DocumentTemplate:
    """A new version of the template's file (the old ones are kept)."""
    _require_admin(actor)
    data, filename = _read_upload(upload)
    template_check(data=data, target=template.target, language=template.language, name=filename)
    template = DocumentTemplate.objects.select_for_update().get(pk=template.pk)
    _store_version(actor=actor, template=template, data=data, filename=filename)
    save_as(actor, template)
    return template


@transaction.atomic
def template_set_active(
    *, actor: User, template: DocumentTemplate, is_active: bool
) -> DocumentTemplate:
    _require_admin(actor)
    template.is_active = is_active
    template.updated_at = timezone.now()
    save_as(actor, template)
    return template


def template_sample_render(*, actor: User, template: DocumentTemplate) -> bytes:
    """The template rendered with its target's sample context ("try it")."""
    spec = registry.get_target(template.target)
    with template.file.open("rb") as handle:
        source = handle.read()
    try:
        return rendering.render_docx(source, spec.sample_context(), language=template.language)
    except rendering.RenderError as exc:
        raise ValidationError({"file": [f"{template.name}: {exc}"]}) from exc


# --- generated documents ---------------------------------------------------------------------


def _require_edit(actor: User, record: Model) -> None:
    if not access.can_edit(actor, record):
        raise PermissionDenied(_("You may not add documents to this record."))


def _next_version(*, template: DocumentTemplate, target: str, object_id: str) -> int:
    last = GeneratedDocument.objects.filter(
        template=template, target=target, object_id=object_id
    ).aggregate(n=Max("version"))["n"]
    return (last or 0) + 1


def document_generate(
    *, actor: User, template: DocumentTemplate, record: Model, number: str = ""
) -> GeneratedDocument:
    """Render ``template`` for ``record`` and keep the DOCX as the next version."""
    spec = registry.get_target(template.target)
    if not isinstance(record, spec.model):
        raise ValidationError(
            {"template": [_("The template “%s” is not for this kind of record.") % template.name]}
        )
    if not template.is_active:
        raise ValidationError({"template": [_("The template “%s” is not active.") % template]})
    # The record must be in the actor's scope (callers fetch it so; make sure anyway).
    if not access.visible_to(actor, spec.model).filter(pk=record.pk).exists():
        raise PermissionDenied(_("You may not add documents to this record."))
    _require_edit(actor, record)
    context = dict(spec.build_context(actor, record))
    now = timezone.now()
    with template.file.open("rb") as handle:
        source = handle.read()
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _generate(
                    actor=actor,
                    template=template,
                    spec=spec,
                    record=record,
                    context=context,
                    source=source,
                    number=number,
                    now=now,
                )
        except IntegrityError:
            # Someone generated the same version at the same moment: take the next one.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _generate(
    *,
    actor: User,
    template: DocumentTemplate,
    spec: registry.Target,
    record: Model,
    context: dict[str, Any],
    source: bytes,
    number: str,
    now: dt.datetime,
) -> GeneratedDocument:
    object_id = str(record.pk)
    version = _next_version(template=template, target=spec.key, object_id=object_id)
    title = template.name
    if spec.record_title is not None:
        title = f"{template.name} — {spec.record_title(record)}"
    context.setdefault(
        "document",
        {"number": number, "version": version, "date": timezone.localdate(now), "title": title},
    )
    try:
        data = rendering.render_docx(source, context, language=template.language)
    except rendering.RenderError as exc:
        raise ValidationError({"template": [f"{template.name}: {exc}"]}) from exc
    document = GeneratedDocument(
        template=template,
        target=spec.key,
        object_id=object_id,
        title=title[:300],
        number=number,
        version=version,
        language=template.language,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    document.docx.save(_filename(title, version, "docx"), ContentFile(data), save=False)
    save_as(actor, document)
    return document


_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def _filename(title: str, version: int, ext: str) -> str:
    """A file name for storage and downloads: no path, quotes or control characters."""
    stem = unicodedata.normalize("NFC", title or "document")
    stem = _UNSAFE_FILENAME.sub("_", stem).strip(" .")[:150] or "document"
    return f"{stem} v{version}.{ext}"


def document_pdf(*, actor: User, document: GeneratedDocument) -> GeneratedDocument:
    """The document's PDF, made by LibreOffice the first time it is asked for."""
    if document.pdf:
        return document
    with document.docx.open("rb") as handle:
        data = handle.read()
    try:
        pdf = rendering.docx_to_pdf(data)
    except rendering.PdfError as exc:
        raise ValidationError({"pdf": [str(exc)]}) from exc
    with transaction.atomic():
        fresh = GeneratedDocument.objects.select_for_update().get(pk=document.pk)
        if not fresh.pdf:
            fresh.pdf.save(
                _filename(fresh.title or fresh.template.name, fresh.version, "pdf"),
                ContentFile(pdf),
                save=False,
            )
            fresh.updated_at = timezone.now()
            save_as(actor, fresh)
    document.refresh_from_db()
    return document


def _clean_recipients(to: list[str] | str) -> list[str]:
    if isinstance(to, str):
        to = [part for chunk in to.split(";") for part in chunk.split(",")]
    cleaned: list[str] = []
    for item in to:
        address = (item or "").strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError(
                {"to": [_("“%s” is not a valid e-mail address.") % address]}
            ) from exc
        if address.lower() not in {a.lower() for a in cleaned}:
            cleaned.append(address)
    if not cleaned:
        raise ValidationError({"to": [_("Give at least one e-mail address.")]})
    if len(cleaned) > MAX_RECIPIENTS:
        raise ValidationError({"to": [_("At most %(n)s recipients.") % {"n": MAX_RECIPIENTS}]})
    return cleaned


def document_send(
    *,
    actor: User,
    document: GeneratedDocument,
    to: list[str] | str,
    subject: str = "",
    message: str = "",
    attach_docx: bool = True,
    attach_pdf: bool = True,
) -> GeneratedDocument:
    """E-mail the document (DOCX and/or PDF attached) once the transaction commits; the
    document remembers when and to whom, and the audit log has an entry."""
    recipients = _clean_recipients(to)
    if not (attach_docx or attach_pdf):
        raise ValidationError({"attach_pdf": [_("Attach the DOCX, the PDF or both.")]})
    spec = registry.get_target(document.target)
    record = access.visible_to(actor, spec.model).filter(pk=document.object_id).first()
    if record is None:
        raise PermissionDenied(_("You may not send this document."))
    _require_edit(actor, record)
    if attach_pdf:
        document = document_pdf(actor=actor, document=document)
    subject = (subject or "").strip() or document.title or document.template.name
    with transaction.atomic():
        fresh = GeneratedDocument.objects.select_for_update().get(pk=document.pk)
        fresh.sent_at = timezone.now()
        fresh.sent_to = recipients
        fresh.updated_at = fresh.sent_at
        save_as(actor, fresh)
        audit_record(
            event=AUDIT_DOCUMENT_SENT,
            actor=actor,
            document=str(fresh.pk),
            target=fresh.target,
            object_id=fresh.object_id,
            to=recipients,
            attachments=[n for n, on in (("docx", attach_docx), ("pdf", attach_pdf)) if on],
        )
        from .tasks import send_document

        params = {
            "document_id": str(fresh.pk),
            "actor_id": str(actor.pk),
            "to": recipients,
            "subject": subject[:300],
            "message": message or "",
            "attach_docx": attach_docx,
            "attach_pdf": attach_pdf,
        }
        transaction.on_commit(lambda: send_document.delay(**params))
    return fresh
