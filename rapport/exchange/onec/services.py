"""Writes of the 1C exchange settings: connections, field ownership, conflict resolution.

Only users with the exchange permission (``User.may_exchange``: administrators and users
granted ``can_exchange``) may change them; every change is written to the audit log.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import access
from rapport.core.models import AuditEvent, User
from rapport.core.services import audit_record
from rapport.exchange.models import (
    Conflict,
    ConflictStatus,
    Connection,
    ConnectionKind,
    FieldOwnership,
    Owner,
)

from . import selectors
from .targets.parties import ensure_client_properties

AUDIT_SETTINGS = AuditEvent.EXCHANGE_SETTINGS
AUDIT_CONFLICT = AuditEvent.EXCHANGE_CONFLICT
# Kinds a schedule makes sense for: CommerceML is started by 1C itself.
SCHEDULED_KINDS = (ConnectionKind.ODATA, ConnectionKind.ENTERPRISEDATA)


def require_exchange(actor: User | None) -> None:
    if actor is None or not getattr(actor, "may_exchange", False):
        raise PermissionDenied(_("Only users with the exchange permission may do this."))


# --- connections --------------------------------------------------------------------------


def _validate_connection(
    *,
    connection: Connection | None,
    kind: str,
    code: str,
    name: str,
    run_as: User | None,
    default_manager: User | None,
    schedule_minutes: int | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in ConnectionKind.values:
        errors["kind"] = [_("Choose a channel.")]
    if not code:
        errors["code"] = [_("Give the connection a code.")]
    else:
        taken = Connection.objects.filter(code=code)
        if connection is not None:
            taken = taken.exclude(pk=connection.pk)
        if taken.exists():
            errors["code"] = [
                _("Another connection already has the code “%(code)s”.") % {"code": code}
            ]
    if not name.strip():
        errors["name"] = [_("Give the connection a name.")]
    if run_as is not None and not run_as.may_exchange:
        errors["run_as"] = [
            _("“%(user)s” has no exchange permission; choose a user who has it.") % {"user": run_as}
        ]
    if default_manager is not None and (
        not default_manager.is_active or not default_manager.can_write
    ):
        errors["default_manager"] = [
            _("“%(user)s” cannot be given clients (inactive or read-only).")
            % {"user": default_manager}
        ]
    if schedule_minutes is not None:
        if kind not in SCHEDULED_KINDS:
            errors["schedule_minutes"] = [
                _("CommerceML exchanges are started by 1C; leave the schedule empty.")
            ]
        elif schedule_minutes < 1:
            errors["schedule_minutes"] = [_("At least one minute.")]
        elif run_as is None:
            # A scheduled run has nobody logged in: it acts as this user.
            errors["run_as"] = [_("A scheduled exchange needs the user it acts as.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def connection_create(
    *,
    actor: User,
    kind: str,
    code: str,
    name: str,
    is_active: bool = True,
    run_as: User | None = None,
    default_manager: User | None = None,
    options: dict[str, Any] | None = None,
    secret: str | None = None,
    schedule_minutes: int | None = None,
) -> Connection:
    require_exchange(actor)
    code = (code or "").strip()
    _validate_connection(
        connection=None,
        kind=kind,
        code=code,
        name=name or "",
        run_as=run_as,
        default_manager=default_manager,
        schedule_minutes=schedule_minutes,
    )
    # The client properties the exchange fills (KPP, contracts) appear with the first
    # connection, so that they can be shown and edited before anything arrives.
    ensure_client_properties()
    connection = Connection.objects.create(
        kind=kind,
        code=code,
        name=name.strip(),
        is_active=is_active,
        run_as=run_as,
        default_manager=default_manager,
        options=options or {},
        secret=secret or "",
        schedule_minutes=schedule_minutes,
    )
    audit_record(
        event=AUDIT_SETTINGS,
        actor=actor,
        action="connection_created",
        connection=connection.code,
        kind=kind,
        run_as=run_as.get_username() if run_as else "",
    )
    return connection


_UNSET: Any = object()


@transaction.atomic
def connection_update(
    *,
    actor: User,
    connection: Connection,
    code: str = _UNSET,
    name: str = _UNSET,
    is_active: bool = _UNSET,
    run_as: User | None = _UNSET,
    default_manager: User | None = _UNSET,
    options: dict[str, Any] = _UNSET,
    secret: str | None = None,
    schedule_minutes: int | None = _UNSET,
) -> Connection:
    """Change a connection; ``secret=None`` keeps the stored password (it is write-only)."""
    require_exchange(actor)
    values: dict[str, Any] = {
        "code": code.strip() if code is not _UNSET else connection.code,
        "name": name if name is not _UNSET else connection.name,
        "is_active": is_active if is_active is not _UNSET else connection.is_active,
        "run_as": run_as if run_as is not _UNSET else connection.run_as,
        "default_manager": (
            default_manager if default_manager is not _UNSET else connection.default_manager
        ),
        "options": options if options is not _UNSET else connection.options,
        "schedule_minutes": (
            schedule_minutes if schedule_minutes is not _UNSET else connection.schedule_minutes
        ),
    }
    _validate_connection(
        connection=connection,
        kind=connection.kind,
        code=values["code"],
        name=values["name"] or "",
        run_as=values["run_as"],
        default_manager=values["default_manager"],
        schedule_minutes=values["schedule_minutes"],
    )
    changed = [field for field, value in values.items() if getattr(connection, field) != value]
    for field, value in values.items():
        setattr(connection, field, value.strip() if field == "name" else value)
    if secret is not None and secret != connection.secret:
        connection.secret = secret
        changed.append("secret")
    if changed:
        connection.save()
        audit_record(
            event=AUDIT_SETTINGS,
            actor=actor,
            action="connection_updated",
            connection=connection.code,
            fields=sorted(changed),
            run_as=connection.run_as.get_username() if connection.run_as else "",
        )
    return connection


@transaction.atomic
def connection_delete(*, actor: User, connection: Connection) -> None:
    """Delete a connection with its log, conflicts and outbox; the 1C ids stay (a new
    connection with the same code finds the same records again)."""
    require_exchange(actor)
    code, kind = connection.code, connection.kind
    connection.delete()
    audit_record(
        event=AUDIT_SETTINGS, actor=actor, action="connection_deleted", connection=code, kind=kind
    )


# --- field ownership ----------------------------------------------------------------------


def _validate_owner(target: str, field: str, owner: str) -> None:
    if (target, field) not in selectors.ownership_fields():
        raise ValidationError(
            _("The exchange knows no field “%(field)s” of “%(target)s”.")
            % {"field": field, "target": target}
        )
    if owner not in Owner.values:
        raise ValidationError(_("“%(owner)s” is not a master.") % {"owner": owner})


def _set_owner(connection: Connection, target: str, field: str, owner: str) -> str | None:
    """Store one field's master; answers its previous master when it changed."""
    before = (
        FieldOwnership.objects.filter(connection=connection, target=target, field=field)
        .values_list("owner", flat=True)
        .first()
    )
    default = selectors._default_owner(target, field)
    previous = before or default
    if previous == owner:
        return None
    if owner == default:
        # Back to the default: no row, so a later change of the defaults applies here too.
        FieldOwnership.objects.filter(connection=connection, target=target, field=field).delete()
    else:
        FieldOwnership.objects.update_or_create(
            connection=connection, target=target, field=field, defaults={"owner": owner}
        )
    return previous


@transaction.atomic
def ownership_set(
    *, actor: User, connection: Connection, target: str, field: str, owner: str
) -> bool:
    """Make ``owner`` the master of one field; answers whether anything changed."""
    return (
        ownership_set_many(actor=actor, connection=connection, values={(target, field): owner}) > 0
    )


@transaction.atomic
def ownership_set_many(
    *, actor: User, connection: Connection, values: dict[tuple[str, str], str]
) -> int:
    """Store several fields' masters at once (the ownership table); answers how many
    changed. Nothing is written if any value is invalid."""
    require_exchange(actor)
    for (target, field), owner in values.items():
        _validate_owner(target, field, owner)
    changes = []
    for (target, field), owner in values.items():
        previous = _set_owner(connection, target, field, owner)
        if previous is not None:
            changes.append(f"{target}.{field}: {previous} -> {owner}")
    if changes:
        audit_record(
            event=AUDIT_SETTINGS,
            actor=actor,
            action="ownership_changed",
            connection=connection.code,
            changes=changes,
        )
    return len(changes)


# --- conflicts ----------------------------------------------------------------------------


def _conflict_record(actor: User, conflict: Conflict) -> Any:
    """The conflict's record if the actor may see it."""
    model = conflict.content_type.model_class()
    if model is None:
        raise ValidationError(_("The record of this conflict no longer exists."))
    record = access.visible_to(actor, model).filter(pk=conflict.object_id).first()
    if record is None:
        if model._default_manager.filter(pk=conflict.object_id).exists():
            raise PermissionDenied(_("The record of this conflict is outside your access."))
        raise ValidationError(_("The record of this conflict no longer exists."))
    if selectors.details_hidden(actor, record, conflict.field):
        raise PermissionDenied(
            _("The contact details of this confidential client are hidden from you.")
        )
    return record


@transaction.atomic
def conflict_resolve(*, actor: User, conflict: Conflict, choice: str) -> Conflict:
    """Settle a conflict: ``"crm"`` keeps the CRM value, ``"external"`` writes 1C's value
    through the target's update function (so validation, history and access apply)."""
    require_exchange(actor)
    if choice not in ("crm", "external"):
        raise ValidationError(_("Choose the CRM value or the 1C value."))
    conflict = (
        Conflict.objects.select_for_update().select_related("content_type").get(pk=conflict.pk)
    )
    if conflict.status != ConflictStatus.OPEN:
        raise ValidationError(_("This conflict has already been resolved."))
    _conflict_record(actor, conflict)
    if choice == "external":
        from rapport.exchange.onec import sync

        if conflict.target not in sync.TARGETS:
            raise ValidationError(
                _("The exchange cannot write “%(target)s” records.") % {"target": conflict.target}
            )
        written = sync.write_external_value(
            connection=conflict.connection, actor=actor, conflict=conflict
        )
        if written is None:
            raise ValidationError(_("The record of this conflict no longer exists."))
        conflict.status = ConflictStatus.TOOK_EXTERNAL
    else:
        conflict.status = ConflictStatus.KEPT_CRM
    conflict.resolved_by = actor
    conflict.resolved_at = timezone.now()
    conflict.save(update_fields=["status", "resolved_by", "resolved_at"])
    audit_record(
        event=AUDIT_CONFLICT,
        actor=actor,
        action=conflict.status,
        connection=conflict.connection.code,
        target=conflict.target,
        field=conflict.field,
        object_id=conflict.object_id,
    )
    return conflict
