"""Writes of the interaction settings: types, templates and the interest catalogue
(administrators only)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from rapport.core.history import mark_actor
from rapport.core.models import User

from .models import REQUIRABLE_FIELDS, InteractionTemplate, InteractionType, Interest

# --- settings (administrators) --------------------------------------------------------


def _require_admin(actor: User) -> None:
    if not actor.is_administrator:
        raise PermissionDenied(_("Only an administrator may change this."))


def _save_setting(actor: User, record: Any, fields: dict[str, Any]) -> Any:
    for name, value in fields.items():
        setattr(record, name, value)
    try:
        record.full_clean()
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    mark_actor(record, actor)
    record.save()
    return record


def interaction_type_save(
    *, actor: User, instance: InteractionType | None = None, **fields: Any
) -> InteractionType:
    """Create (``instance=None``) or change an interaction type."""
    _require_admin(actor)
    required = fields.get("required_fields")
    if required is not None:
        bad = [name for name in required if name not in REQUIRABLE_FIELDS]
        if bad:
            raise ValidationError({"required_fields": [_("Unknown field: %s.") % ", ".join(bad)]})
        fields["required_fields"] = sorted(set(required))
    icon = fields.get("icon")
    if icon is not None and not all(ch.isalnum() or ch == "-" for ch in icon):
        raise ValidationError({"icon": [_("Use a bootstrap-icons name, e.g. “telephone”.")]})
    return _save_setting(actor, instance or InteractionType(), fields)


def interaction_template_save(
    *, actor: User, instance: InteractionTemplate | None = None, **fields: Any
) -> InteractionTemplate:
    _require_admin(actor)
    return _save_setting(actor, instance or InteractionTemplate(), fields)


def interest_save(*, actor: User, instance: Interest | None = None, **fields: Any) -> Interest:
    _require_admin(actor)
    parent = fields.get("parent")
    if parent is not None and (parent.parent_id is not None or (instance and parent == instance)):
        raise ValidationError({"parent": [_("Choose a top-level group.")]})
    return _save_setting(actor, instance or Interest(), fields)
