"""Reads of documents, every one scoped through rapport.core.access."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.http import Http404

from rapport.core import access
from rapport.core.models import User

from . import registry
from .models import DocumentTemplate, GeneratedDocument


def template_list(
    *, actor: User, target: str = "", active_only: bool = False
) -> QuerySet[DocumentTemplate]:
    qs = access.visible_to(actor, DocumentTemplate).select_related("created_by")
    if target:
        qs = qs.filter(target=target)
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


def template_get(*, actor: User, pk: Any) -> DocumentTemplate:
    return access.get_visible_or_404(actor, DocumentTemplate, pk)


def template_versions(*, template: DocumentTemplate) -> QuerySet[Any]:
    return template.versions.select_related("uploaded_by").order_by("-number")


def target_get(key: str) -> registry.Target:
    """The registered target, or a 404 for an unknown key (as for a missing record)."""
    try:
        return registry.get_target(key)
    except registry.UnknownTarget as exc:
        raise Http404("Unknown record type") from exc


def record_get(*, actor: User, target: str, object_id: Any) -> Any:
    """The record of a target the actor may see; 404 for missing and forbidden alike."""
    return access.get_visible_or_404(actor, target_get(target).model, object_id)


def document_list(
    *, actor: User, target: str = "", object_id: str = ""
) -> QuerySet[GeneratedDocument]:
    qs = access.visible_to(actor, GeneratedDocument).select_related("template", "created_by")
    if target:
        qs = qs.filter(target=target)
    if object_id:
        qs = qs.filter(object_id=str(object_id))
    return qs.order_by("-created_at", "-id")


def documents_for(*, actor: User, target: str, record: Any) -> QuerySet[GeneratedDocument]:
    """Documents of one record the caller already holds (and so may see)."""
    return (
        GeneratedDocument.objects.alive()
        .filter(target=target, object_id=str(record.pk))
        .select_related("template", "created_by")
        .order_by("-created_at", "-id")
    )


def document_get(*, actor: User, pk: Any) -> GeneratedDocument:
    document = access.get_visible_or_404(
        actor,
        GeneratedDocument,
        pk,
        queryset=GeneratedDocument.objects.select_related("template", "created_by"),
    )
    return document


def document_record(*, actor: User, document: GeneratedDocument) -> Any:
    return record_get(actor=actor, target=document.target, object_id=document.object_id)


def document_default_recipients(*, actor: User, document: GeneratedDocument) -> list[str]:
    """The e-mail of the record's contact person, as the target's context gives it (a
    masked e-mail of a confidential client gives none)."""
    target = target_get(document.target)
    record = document_record(actor=actor, document=document)
    context = target.build_context(actor, record)
    email = str((context.get("contact") or {}).get("email") or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        return []
    return [email]


def generation_templates(*, actor: User, target: str) -> QuerySet[DocumentTemplate]:
    return template_list(actor=actor, target=target, active_only=True)
