"""Validation of user-defined property values against their definitions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import PropertyDefinition, PropertyType, User


def definitions_for(target: str) -> list[PropertyDefinition]:
    return list(PropertyDefinition.objects.filter(target=target, is_active=True))


def clean_property_values(
    *,
    target: str,
    values: dict[str, Any] | None,
    existing: dict[str, Any] | None = None,
    definitions: list[PropertyDefinition] | None = None,
) -> dict[str, Any]:
    """Merge ``values`` into ``existing`` and validate each against its definition.

    Raises ValidationError keyed ``properties.<code>`` so that forms and the API can name
    the field. ``None`` or "" removes a value.
    """
    if values is None:
        return dict(existing or {})
    if not isinstance(values, dict):
        raise ValidationError({"properties": [_("Properties must be an object.")]})
    defs = {
        d.code: d for d in (definitions if definitions is not None else definitions_for(target))
    }
    result = dict(existing or {})
    errors: dict[str, list[str]] = {}
    for code, raw in values.items():
        definition = defs.get(code)
        if definition is None:
            errors[f"properties.{code}"] = [_("Unknown property “%(code)s”.") % {"code": code}]
            continue
        if raw is None or raw == "" or raw == []:
            result.pop(code, None)
            continue
        try:
            result[code] = _clean_one(definition, raw)
        except ValidationError as exc:
            errors[f"properties.{code}"] = exc.messages
    for definition in defs.values():
        if definition.is_required and result.get(definition.code) in (None, "", []):
            errors.setdefault(f"properties.{definition.code}", [_("This property is required.")])
    if errors:
        raise ValidationError(errors)
    return result


def _clean_one(definition: PropertyDefinition, raw: Any) -> Any:
    kind = definition.type
    if kind == PropertyType.TEXT:
        text = str(raw).strip()
        if len(text) > 2000:
            raise ValidationError(_("At most 2000 characters."))
        return text
    if kind == PropertyType.NUMBER:
        if isinstance(raw, bool):
            raise ValidationError(_("Enter a number."))
        try:
            number = Decimal(str(raw).replace(",", ".").replace(" ", ""))
        except InvalidOperation as exc:
            raise ValidationError(_("Enter a number.")) from exc
        if not number.is_finite():
            raise ValidationError(_("Enter a number."))
        # JSON has no decimal type: store an exact string-free number where it is integral.
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == PropertyType.DATE:
        if isinstance(raw, dt.date):
            return raw.isoformat()
        try:
            return dt.date.fromisoformat(str(raw)).isoformat()
        except ValueError as exc:
            raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from exc
    if kind == PropertyType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"true", "1", "yes", "on"}:
            return True
        if text in {"false", "0", "no", "off"}:
            return False
        raise ValidationError(_("Enter yes or no."))
    if kind == PropertyType.CHOICE:
        if str(raw) not in definition.choices:
            raise ValidationError(_("“%(value)s” is not one of the choices.") % {"value": raw})
        return str(raw)
    if kind == PropertyType.MULTI_CHOICE:
        items = raw if isinstance(raw, list) else [v for v in str(raw).split(",") if v.strip()]
        items = [str(v).strip() for v in items]
        bad = [v for v in items if v not in definition.choices]
        if bad:
            raise ValidationError(
                _("“%(value)s” is not one of the choices.") % {"value": ", ".join(bad)}
            )
        return sorted(set(items), key=definition.choices.index)
    if kind == PropertyType.USER:
        user_id = str(raw)
        try:
            exists = User.objects.filter(pk=user_id, is_active=True).exists()
        except (ValueError, ValidationError):
            exists = False
        if not exists:
            raise ValidationError(_("No such user."))
        return user_id
    raise ValidationError(_("Unknown property type."))


def format_property_value(definition: PropertyDefinition, value: Any) -> str:
    """A property value as text for cards and exports."""
    if value in (None, "", []):
        return ""
    if definition.type == PropertyType.BOOLEAN:
        return _("Yes") if value else _("No")
    if definition.type == PropertyType.MULTI_CHOICE:
        return ", ".join(value)
    if definition.type == PropertyType.USER:
        user = User.objects.filter(pk=value).first()
        return str(user) if user else ""
    return str(value)
