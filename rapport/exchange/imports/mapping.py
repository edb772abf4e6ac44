"""Column mapping: which field of a client or contact person each file column fills.

Guessed from the headers by comparing them (after ``header_key`` folding) with the
catalogue's keys, labels in English, Russian and Polish, aliases and the labels and codes
of user-defined properties.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from rapport.core.models import PropertyDefinition, PropertyTarget

from ..fields import PROPERTY_PREFIX, TARGET_COLUMNS, Column, header_key, property_column_key

LANGUAGES = ("en", "ru", "pl")
_PROPERTY_TARGET = {"clients": PropertyTarget.CLIENT, "contacts": PropertyTarget.CONTACT}


def columns(target: str) -> tuple[Column, ...]:
    if target not in TARGET_COLUMNS:
        raise ValidationError({"target": [_("Import into “clients” or “contacts”.")]})
    return TARGET_COLUMNS[target]


def property_definitions(target: str) -> list[PropertyDefinition]:
    return list(PropertyDefinition.objects.filter(target=_PROPERTY_TARGET[target], is_active=True))


def field_choices(target: str) -> list[tuple[str, str]]:
    """(key, label) of every field a column may fill, in the catalogue's order."""
    choices = [(c.key, str(c.label)) for c in columns(target)]
    choices += [(property_column_key(d.code), d.label) for d in property_definitions(target)]
    return choices


def _names(target: str) -> dict[str, str]:
    """Folded header -> field key; earlier entries (keys, labels) win over aliases."""
    names: dict[str, str] = {}

    def add(text: str, key: str) -> None:
        folded = header_key(text)
        if folded:
            names.setdefault(folded, key)

    cols = columns(target)
    for column in cols:
        add(column.key, column.key)
    for language in LANGUAGES:
        with translation.override(language):
            for column in cols:
                add(str(column.label), column.key)
    for column in cols:
        for alias in column.aliases:
            add(alias, column.key)
    for definition in property_definitions(target):
        key = property_column_key(definition.code)
        add(definition.label, key)
        add(definition.code, key)
        add(key, key)
    return names


def guess_mapping(headers: list[str], target: str) -> dict[str, str]:
    """{header: field key or ""}; each field is filled from the first column naming it."""
    names = _names(target)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        key = names.get(header_key(header), "")
        if key in taken:
            key = ""
        if key:
            taken.add(key)
        mapping[header] = key
    return mapping


def clean_mapping(mapping: object, *, headers: list[str], target: str) -> dict[str, str]:
    """Check a mapping given by a user (header -> field key); raise ValidationError."""
    if not isinstance(mapping, dict):
        raise ValidationError({"mapping": [_("The mapping is an object: header -> field.")]})
    known = {key for key, _label in field_choices(target)}
    by_folded = {header_key(h): h for h in headers}
    cleaned: dict[str, str] = dict.fromkeys(headers, "")
    errors: list[str] = []
    used: dict[str, str] = {}
    for header, key in mapping.items():
        key = str(key or "").strip()
        real = header if header in cleaned else by_folded.get(header_key(str(header)))
        if real is None:
            errors.append(_("No column “%(h)s” in the file.") % {"h": header})
            continue
        if not key:
            cleaned[real] = ""
            continue
        if key not in known:
            errors.append(_("Column “%(h)s”: unknown field “%(k)s”.") % {"h": header, "k": key})
            continue
        if key in used:
            errors.append(
                _("Columns “%(a)s” and “%(b)s” both fill “%(k)s”.")
                % {"a": used[key], "b": real, "k": key}
            )
            continue
        used[key] = real
        cleaned[real] = key
    if errors:
        raise ValidationError({"mapping": errors})
    return cleaned


def required_fields(target: str) -> tuple[str, ...]:
    return ("name",) if target == "clients" else ("last_name",)


def check_required(mapping: dict[str, str], target: str) -> None:
    present = set(mapping.values())
    if target == "contacts" and ("last_name" in present or "first_name" in present):
        return
    missing = [key for key in required_fields(target) if key not in present]
    if missing:
        labels = dict(field_choices(target))
        raise ValidationError(
            {
                "mapping": [
                    _("No column fills “%(f)s”.") % {"f": labels.get(key, key)} for key in missing
                ]
            }
        )


def template_mapping(mapping: dict[str, str]) -> dict[str, str]:
    """A mapping as stored in a template: folded headers."""
    return {header_key(h): k for h, k in mapping.items()}


def apply_template(template: dict[str, str], headers: list[str]) -> dict[str, str]:
    return {h: template.get(header_key(h), "") for h in headers}


def is_property(key: str) -> bool:
    return key.startswith(PROPERTY_PREFIX)
