"""Reads of core: user directory, audit log, trash, attachments."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import Http404

from . import access
from .models import Attachment, AttachmentVersion, AuditLog, Department, User


def user_directory(*, actor: User) -> QuerySet[User]:
    """Every authenticated user may read the staff directory."""
    return User.objects.filter(is_active=True).select_related("department")


def users_for_admin(*, actor: User) -> QuerySet[User]:
    if not actor.is_administrator:
        return User.objects.none()
    return User.objects.select_related("department").order_by("username")


def departments() -> QuerySet[Department]:
    return Department.objects.select_related("parent")


def audit_log(*, actor: User, event: str = "") -> QuerySet[AuditLog]:
    if not actor.is_administrator:
        return AuditLog.objects.none()
    qs = AuditLog.objects.select_related("actor")
    return qs.filter(event=event) if event else qs


def attachment_get(*, actor: User, pk: Any) -> Attachment:
    """An attachment whose record ``actor`` can see; 404 otherwise."""
    try:
        attachment = Attachment.objects.select_related("content_type").get(
            pk=pk, deleted_at__isnull=True)
    except (Attachment.DoesNotExist, ValueError, Exception) as exc:
        raise Http404 from exc
    model = attachment.content_type.model_class()
    if model is None:
        raise Http404
    access.get_visible_or_404(actor, model, attachment.object_id)
    return attachment


def attachment_version_get(*, actor: User, attachment_pk: Any, version_pk: Any) -> AttachmentVersion:
    attachment = attachment_get(actor=actor, pk=attachment_pk)
    try:
        return attachment.versions.get(pk=version_pk)
    except (AttachmentVersion.DoesNotExist, ValueError, Exception) as exc:
        raise Http404 from exc


def trash_items(*, actor: User) -> list[dict[str, Any]]:
    """Records in the trash the actor can see, across every registered model."""
    rows: list[dict[str, Any]] = []
    for model in access.registered_models():
        if not any(f.name == "deleted_at" for f in model._meta.concrete_fields):
            continue
        qs = access.visible_to(actor, model, include_trashed=True).filter(
            deleted_at__isnull=False).select_related("deleted_by").order_by("-deleted_at")[:200]
        ct = ContentType.objects.get_for_model(model)
        rows += [{"record": r, "model": model._meta.verbose_name, "ct": ct.pk} for r in qs]
    rows.sort(key=lambda r: r["record"].deleted_at, reverse=True)
    return rows
