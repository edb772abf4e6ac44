"""Reads of core: user directory, audit log, trash, attachments."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.http import Http404

from . import access
from .models import (
    Attachment,
    AttachmentVersion,
    AuditLog,
    Department,
    Job,
    JobError,
    PropertyDefinition,
    User,
)


def user_directory(*, actor: User) -> QuerySet[User]:
    """Every authenticated user may read the staff directory."""
    return User.objects.filter(is_active=True).select_related("department")


def users_for_admin(*, actor: User) -> QuerySet[User]:
    if not actor.is_administrator:
        return User.objects.none()
    return User.objects.select_related("department").order_by("username")


def users_matching(qs: QuerySet[User], text: str) -> QuerySet[User]:
    """Users whose login, name or e-mail contains ``text`` (an exact login first)."""
    text = (text or "").strip()[:100]
    if not text:
        return qs
    return qs.filter(
        Q(username__icontains=text)
        | Q(first_name__icontains=text)
        | Q(last_name__icontains=text)
        | Q(email__icontains=text)
    )


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
            pk=pk, deleted_at__isnull=True
        )
    except (Attachment.DoesNotExist, ValueError, Exception) as exc:
        raise Http404 from exc
    model = attachment.content_type.model_class()
    if model is None or not access.has_rule(model):
        raise Http404
    access.get_visible_or_404(actor, model, attachment.object_id)
    return attachment


def attachment_version_get(
    *,
    actor: User,
    attachment_pk: Any,
    version_pk: Any,
) -> AttachmentVersion:
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
        qs = (
            access.visible_to(actor, model, include_trashed=True)
            .filter(deleted_at__isnull=False)
            .select_related("deleted_by")
            .order_by("-deleted_at")[:200]
        )
        ct = ContentType.objects.get_for_model(model)
        rows += [{"record": r, "model": model._meta.verbose_name, "ct": ct.pk} for r in qs]
    rows.sort(key=lambda r: r["record"].deleted_at, reverse=True)
    return rows


# --- pages of core --------------------------------------------------------------------


def _model_for_content_type(content_type_id: int) -> type[Any]:
    """The model behind a content type id, if the access layer knows it; 404 otherwise."""
    try:
        content_type = ContentType.objects.get_for_id(content_type_id)
    except ContentType.DoesNotExist as exc:
        raise Http404 from exc
    model = content_type.model_class()
    if model is None or not access.has_rule(model):
        raise Http404
    return model


def record_for_attachments(*, actor: User, content_type_id: int, object_id: str) -> Any:
    """The record (of any registered model) whose files ``actor`` wants; 404 if out of scope."""
    model = _model_for_content_type(content_type_id)
    return access.get_visible_or_404(actor, model, object_id)


def attachments_for(*, actor: User, record: Any) -> list[Attachment]:
    """Live files of a record the actor can see, each with ``version_list`` (newest first)."""
    from django.db.models import Prefetch

    access.get_visible_or_404(actor, type(record), record.pk)
    return list(
        Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(record),
            object_id=str(record.pk),
            deleted_at__isnull=True,
        )
        .select_related("created_by")
        .prefetch_related(
            Prefetch(
                "versions",
                to_attr="version_list",
                queryset=AttachmentVersion.objects.select_related("uploaded_by").order_by(
                    "-number"
                ),
            )
        )
        .order_by("name", "id")
    )


def trash_record_get(*, actor: User, content_type_id: int, object_id: str) -> Any:
    """A record in the trash that ``actor`` can see; 404 otherwise."""
    model = _model_for_content_type(content_type_id)
    if not any(f.name == "deleted_at" for f in model._meta.concrete_fields):
        raise Http404
    record = access.get_visible_or_404(actor, model, object_id, include_trashed=True)
    if record.deleted_at is None:
        raise Http404
    return record


def audit_log_page(
    *,
    actor: User,
    event: str = "",
    before: int | None = None,
    size: int = 50,
) -> tuple[list[AuditLog], int | None]:
    """One page of the audit log, newest first, by keyset on id; answers (rows, next key)."""
    qs = audit_log(actor=actor, event=event).order_by("-id")
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].id if more and rows else None)


def department_tree(*, actor: User) -> list[tuple[int, Department]]:
    """Every department as (depth, department), parents before their children."""
    children: dict[Any, list[Department]] = {}
    for dep in Department.objects.select_related("parent", "organisation").order_by("name"):
        children.setdefault(dep.parent_id, []).append(dep)
    result: list[tuple[int, Department]] = []
    seen: set[Any] = set()

    def walk(parent_id: Any, depth: int) -> None:
        for dep in children.get(parent_id, ()):
            if dep.pk in seen:
                continue
            seen.add(dep.pk)
            result.append((depth, dep))
            walk(dep.pk, depth + 1)

    walk(None, 0)
    return result


def property_definitions_admin(*, actor: User) -> QuerySet[PropertyDefinition]:
    """Every property definition (active or not), for administrators."""
    if not actor.is_administrator:
        return PropertyDefinition.objects.none()
    return PropertyDefinition.objects.order_by("target", "-is_active", "position", "label")


# Models that hold property values in their ``properties`` JSON, by target. Named by label
# so that core does not import the apps above it.
PROPERTY_HOLDERS: dict[str, tuple[str, ...]] = {
    "client": ("parties.Client",),
    "contact": ("parties.ContactPerson",),
}


def property_in_use(*, target: str, code: str) -> bool:
    """Whether any record (trashed ones included) holds a value for ``code``."""
    from django.apps import apps

    for label in PROPERTY_HOLDERS.get(target, ()):
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if model._base_manager.filter(properties__has_key=code).exists():
            return True
    return False


def property_definition_list(
    *,
    actor: User,
    target: str = "",
    is_active: bool | None = None,
) -> QuerySet[PropertyDefinition]:
    """Property definitions for the API: every signed-in user reads them (the forms and
    filters need them); inactive ones are included unless ``is_active`` says otherwise."""
    qs = PropertyDefinition.objects.all()
    if target:
        qs = qs.filter(target=target)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    return qs


# --- background jobs -------------------------------------------------------------------


def jobs_for(*, actor: User, kind: str = "") -> QuerySet[Job]:
    """The actor's jobs (an administrator's: everybody's), newest first."""
    qs = access.visible_to(actor, Job).select_related("created_by")
    return qs.filter(kind=kind) if kind else qs


def job_get(*, actor: User, pk: Any, kind: str = "") -> Job:
    return access.get_visible_or_404(actor, Job, pk, queryset=jobs_for(actor=actor, kind=kind))


def job_errors(*, job: Job) -> QuerySet[JobError]:
    return JobError.objects.filter(job=job).order_by("row", "id")
