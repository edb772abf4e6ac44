"""Writes and business rules of core: users, audit, attachments, trash, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import secrets
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access, selectors
from .history import delete_as, mark_actor
from .models import (
    ApiToken,
    Attachment,
    AttachmentVersion,
    AuditEvent,
    AuditLog,
    Department,
    Job,
    Organisation,
    PropertyDefinition,
    PropertyTarget,
    PropertyType,
    ReadScope,
    Role,
    User,
)

# --- audit ----------------------------------------------------------------------------


def audit_record(
    *,
    event: str,
    actor: User | None = None,
    username: str = "",
    ip_address: str | None = None,
    **details: Any,
) -> AuditLog:
    return AuditLog.objects.create(
        event=event,
        actor=actor if actor and actor.pk else None,
        username=username or (actor.get_username() if actor else ""),
        ip_address=ip_address or None,
        details=details,
    )


# --- users ----------------------------------------------------------------------------

_PERMISSION_FIELDS = (
    "role",
    "department_id",
    "read_scope",
    "sees_confidential",
    "can_exchange",
    "is_active",
    "is_superuser",
    "is_staff",
)


def _require_admin(actor: User) -> None:
    if not actor.is_administrator:
        raise PermissionDenied(_("Only an administrator may manage users."))


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    role: str = Role.MANAGER,
    department: Department | None = None,
    read_scope: str = ReadScope.ALL,
    sees_confidential: bool = False,
    can_exchange: bool = False,
    language: str = "en",
    time_zone: str = "UTC",
    position: str = "",
    phone: str = "",
) -> User:
    _require_admin(actor)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [_("A user with that username already exists.")]})
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        role=role,
        department=department,
        read_scope=read_scope,
        sees_confidential=sees_confidential,
        can_exchange=can_exchange,
        language=language,
        time_zone=time_zone,
        position=position,
        phone=phone,
        is_staff=role == Role.ADMINISTRATOR,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        event=AuditEvent.PERMISSION_CHANGE,
        actor=actor,
        user=str(user.pk),
        username_changed=user.username,
        change={"created": {"role": role}},
    )
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, **fields: Any) -> User:
    """Administrator edits of another user; permission changes go to the audit log."""
    _require_admin(actor)
    before = {f: getattr(user, f) for f in _PERMISSION_FIELDS}
    password = fields.pop("password", None)
    for name, value in fields.items():
        setattr(user, name, value)
    if "role" in fields:
        user.is_staff = user.role == Role.ADMINISTRATOR
    if password:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    after = {f: getattr(user, f) for f in _PERMISSION_FIELDS}
    changed = {
        f: [str(before[f]), str(after[f])] for f in _PERMISSION_FIELDS if before[f] != after[f]
    }
    if changed:
        audit_record(
            event=AuditEvent.PERMISSION_CHANGE,
            actor=actor,
            user=str(user.pk),
            username_changed=user.username,
            change=changed,
        )
    return user


def profile_update(
    *,
    actor: User,
    first_name: str,
    last_name: str,
    email: str,
    language: str,
    time_zone: str,
    phone: str = "",
    position: str = "",
) -> User:
    """A user's own profile: name, contact details, language and time zone."""
    import zoneinfo

    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Unknown language.")]})
    if time_zone not in zoneinfo.available_timezones():
        raise ValidationError({"time_zone": [_("Unknown time zone.")]})
    actor.first_name, actor.last_name, actor.email = first_name, last_name, email
    actor.language, actor.time_zone = language, time_zone
    actor.phone, actor.position = phone, position
    actor.full_clean(exclude=["password"])
    actor.save()
    return actor


def department_create(
    *,
    actor: User,
    name: str,
    parent: Department | None = None,
    organisation: Organisation | None = None,
) -> Department:
    _require_admin(actor)
    return Department.objects.create(name=name, parent=parent, organisation=organisation)


# --- API tokens -----------------------------------------------------------------------


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(*, user: User, name: str = "api", ttl_days: int | None = None) -> str:
    """Create a token and answer its secret (shown once; only the hash is stored)."""
    key = secrets.token_urlsafe(32)
    days = settings.API_TOKEN_TTL_DAYS if ttl_days is None else ttl_days
    ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=_hash_key(key),
        prefix=key[:8],
        expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
    )
    audit_record(event=AuditEvent.TOKEN_ISSUED, actor=user, token_name=name)
    return key


def api_token_user(key: str) -> User | None:
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash_key(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at and token.expires_at < now:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- attachments ----------------------------------------------------------------------


def _check_upload(upload: UploadedFile) -> None:
    if upload.size is None or upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": [
                    _("The file is larger than %(limit)s MB.")
                    % {"limit": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
                ]
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})


def _require_edit(actor: User, record: models.Model | None) -> None:
    if record is None or not access.can_edit(actor, record):
        raise PermissionDenied(_("You may not change this record."))


def _add_version(*, actor: User, attachment: Attachment, upload: UploadedFile) -> AttachmentVersion:
    number = (attachment.versions.aggregate(n=models.Max("number"))["n"] or 0) + 1
    name = (upload.name or "file").replace("/", "_").replace("\\", "_")[-200:]
    version = AttachmentVersion(
        attachment=attachment,
        number=number,
        original_name=name,
        size=upload.size or 0,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        uploaded_by=actor,
    )
    version.file.save(name, upload, save=False)
    version.save()
    return version


@transaction.atomic
def attachment_add(*, actor: User, record: models.Model, upload: UploadedFile) -> Attachment:
    _require_edit(actor, record)
    _check_upload(upload)
    attachment = Attachment.objects.create(
        content_type=ContentType.objects.get_for_model(record),
        object_id=str(record.pk),
        name=(upload.name or "file")[-255:],
        created_by=actor,
    )
    _add_version(actor=actor, attachment=attachment, upload=upload)
    return attachment


@transaction.atomic
def attachment_add_version(
    *, actor: User, attachment: Attachment, upload: UploadedFile
) -> AttachmentVersion:
    _require_edit(actor, attachment.record)
    _check_upload(upload)
    version = _add_version(actor=actor, attachment=attachment, upload=upload)
    attachment.name = version.original_name
    attachment.save(update_fields=["name"])
    return version


@transaction.atomic
def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    _require_edit(actor, attachment.record)
    attachment.deleted_at = timezone.now()
    attachment.save(update_fields=["deleted_at"])


# --- trash ----------------------------------------------------------------------------


def record_trash(*, actor: User, record: Any) -> None:
    """Move a business record to the trash (restorable)."""
    _require_edit(actor, record)
    record.deleted_at = timezone.now()
    record.deleted_by = actor
    record.updated_at = record.deleted_at
    mark_actor(record, actor)
    record._change_reason = "trash"
    record.save(update_fields=["deleted_at", "deleted_by", "updated_at"])


def record_restore(*, actor: User, record: Any) -> None:
    if (
        not actor.can_write
        or not access.visible_to(actor, type(record), include_trashed=True)
        .filter(pk=record.pk)
        .exists()
    ):
        raise PermissionDenied(_("You may not restore this record."))
    record.deleted_at = None
    record.deleted_by = None
    record.updated_at = timezone.now()
    mark_actor(record, actor)
    record._change_reason = "restore"
    record.save(update_fields=["deleted_at", "deleted_by", "updated_at"])


@transaction.atomic
def record_purge(*, actor: User, record: Any) -> None:
    """Delete a trashed record for good: administrators only."""
    if not access.can_purge(actor):
        raise PermissionDenied(_("Only an administrator may purge the trash."))
    if record.deleted_at is None:
        raise ValidationError(_("Only records in the trash can be purged."))
    audit_record(
        event=AuditEvent.PURGE,
        actor=actor,
        model=record._meta.label,
        record=str(record.pk),
        name=str(record),
    )
    attachments = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=str(record.pk)
    )
    files = list(
        AttachmentVersion.objects.filter(attachment__in=attachments).values_list("file", flat=True)
    )
    attachments.delete()
    transaction.on_commit(lambda: _delete_stored_files(files))
    delete_as(actor, record)


def _delete_stored_files(names: list[str]) -> None:
    """Remove purged files from storage (after commit: a rollback keeps them)."""
    from django.core.files.storage import default_storage

    for name in names:
        if name:
            default_storage.delete(name)


# --- user-defined properties ----------------------------------------------------------

_CHOICE_TYPES = (PropertyType.CHOICE, PropertyType.MULTI_CHOICE)


def _require_property_admin(actor: User) -> None:
    if not actor.is_administrator:
        raise PermissionDenied(_("Only an administrator may manage properties."))


def _clean_choices(type_: str, choices: list[str] | None) -> list[str]:
    if type_ not in _CHOICE_TYPES:
        return []
    cleaned: list[str] = []
    for item in choices or []:
        text = str(item).strip()
        if text and text not in cleaned:
            cleaned.append(text)
    if not cleaned:
        raise ValidationError({"choices": [_("List at least one choice for this type.")]})
    if any(len(c) > 200 for c in cleaned):
        raise ValidationError({"choices": [_("A choice may have at most 200 characters.")]})
    return cleaned


def _check_code(*, target: str, code: str, exclude_pk: Any = None) -> None:
    from django.core.validators import validate_slug

    try:
        validate_slug(code)
    except ValidationError as exc:
        raise ValidationError(
            {"code": [_("Use only letters, digits, hyphens and underscores in the code.")]}
        ) from exc
    others = PropertyDefinition.objects.filter(target=target, code=code)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise ValidationError(
            {"code": [_("A property with the code “%(code)s” already exists.") % {"code": code}]}
        )


@transaction.atomic
def property_create(
    *,
    actor: User,
    target: str,
    code: str,
    label: str,
    type: str,
    choices: list[str] | None = None,
    is_required: bool = False,
    is_sensitive: bool = False,
    position: int = 0,
) -> PropertyDefinition:
    """A new user-defined property of clients or contact persons (administrators only)."""
    _require_property_admin(actor)
    if target not in PropertyTarget.values:
        raise ValidationError({"target": [_("Unknown target.")]})
    if type not in PropertyType.values:
        raise ValidationError({"type": [_("Unknown property type.")]})
    code = (code or "").strip()
    _check_code(target=target, code=code)
    definition = PropertyDefinition(
        target=target,
        code=code,
        label=(label or "").strip(),
        type=type,
        choices=_clean_choices(type, choices),
        is_required=is_required,
        is_sensitive=is_sensitive,
        position=position,
    )
    definition.full_clean()
    definition.save()
    return definition


_PROPERTY_FIELDS = (
    "code",
    "label",
    "type",
    "choices",
    "is_required",
    "is_sensitive",
    "position",
    "is_active",
)


@transaction.atomic
def property_update(
    *, actor: User, definition: PropertyDefinition, **fields: Any
) -> PropertyDefinition:
    """Change a property definition; its type and code stay fixed while values exist."""
    _require_property_admin(actor)
    unknown = set(fields) - set(_PROPERTY_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    definition = PropertyDefinition.objects.select_for_update().get(pk=definition.pk)
    new_type = fields.get("type", definition.type)
    new_code = (fields.get("code", definition.code) or "").strip()
    if new_type not in PropertyType.values:
        raise ValidationError({"type": [_("Unknown property type.")]})
    type_changed, code_changed = new_type != definition.type, new_code != definition.code
    if (type_changed or code_changed) and selectors.property_in_use(
        target=definition.target, code=definition.code
    ):
        field = "type" if type_changed else "code"
        raise ValidationError(
            {
                field: [
                    _(
                        "This property already has values on records; its type and code "
                        "cannot change. Create a new property instead."
                    )
                ]
            }
        )
    if code_changed:
        _check_code(target=definition.target, code=new_code, exclude_pk=definition.pk)
    definition.code, definition.type = new_code, new_type
    definition.choices = _clean_choices(new_type, fields.get("choices", definition.choices))
    for name in ("label", "is_required", "is_sensitive", "position", "is_active"):
        if name in fields:
            setattr(definition, name, fields[name])
    definition.label = (definition.label or "").strip()
    definition.full_clean()
    definition.save()
    return definition


# --- background jobs -------------------------------------------------------------------


def job_undo(*, actor: User, job: Job) -> Job:
    """Start undoing a finished job (its author or an administrator); answers the undo job."""
    from . import jobs

    if not access.can_edit(actor, job):
        raise PermissionDenied(_("Only the author of a job or an administrator can undo it."))
    if not jobs.is_undoable(job):
        raise ValidationError(
            _("This job cannot be undone (it is not finished or already undone).")
        )
    if Job.objects.filter(kind="undo", params__job=str(job.pk)).exclude(status="failed").exists():
        raise ValidationError(_("This job is already being undone."))
    return jobs.job_start(
        actor=actor,
        kind="undo",
        params={"job": str(job.pk)},
        title=_("Undo: %(title)s") % {"title": job.title},
    )
