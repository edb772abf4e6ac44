"""Reading one file row into the values a client or contact person will get.

``RowParser.parse`` checks every cell the way the services do (lengths, tax id checksum,
phone and e-mail normalisation, dates, reference lists, property definitions) and names
the column of each problem. It reads the reference lists once per import, never per row.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.models import Department, PropertyType, User
from rapport.core.properties import clean_property_values
from rapport.core.reports import unsafe_cell
from rapport.parties import normalize
from rapport.parties.models import ClientKind, RelationshipStatus, Source, Tag
from rapport.parties.services import can_assign_manager

from ..fields import PROPERTY_PREFIX
from .mapping import property_definitions
from .readers import SourceRow

_SPLIT = re.compile(r"\s*(?:;|\n|\r|,(?=\s*\S+@)|,\s*(?=\+))\s*")
_LIST_SPLIT = re.compile(r"\s*[;\n\r]\s*")
_TEXT_LIMITS = {
    "name": 300,
    "legal_name": 500,
    "legal_form": 64,
    "notes": 10000,
    "first_name": 100,
    "middle_name": 100,
    "last_name": 100,
    "position": 200,
    "external_id": 200,
    "client": 300,
    "client_tax_id": 32,
    "address": 300,
    "id": 64,
}
_CHANNELS = {
    "phones": normalize.normalize_phone,
    "emails": normalize.normalize_email,
    "websites": normalize.normalize_website,
}
POINT_CACHE_SIZE = 100_000  # distinct values kept per channel (then it starts again)
_YES = {"yes", "y", "1", "true", "да", "д", "tak", "t", "+", "x"}
_NO = {"no", "n", "0", "false", "нет", "н", "nie", "-", ""}
DATE_FORMATS = (
    "%Y-%m-%d",
    "%d.%m.%Y",
    "%d/%m/%Y",
    "%Y/%m/%d",
    "%d.%m.%y",
    "%Y%m%d",
    "%d-%m-%Y",
    "%Y-%m-%dT%H:%M:%S",
)


def parse_date(text: str) -> dt.date:
    text = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if text.startswith("--") and len(text) in (6, 7):  # vCard birthday without a year
        raise ValidationError(_("“%(value)s”: a date needs a year.") % {"value": text})
    raise ValidationError(
        _("“%(value)s” is a date in an unknown format (use YYYY-MM-DD or DD.MM.YYYY).")
        % {"value": text}
    )


@dataclass
class Parsed:
    """A row as it will be stored; ``problems`` are (column header, message)."""

    number: int
    fields: dict[str, Any] = field(default_factory=dict)
    points: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    tags: list[Tag] | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    address: str = ""
    external_id: str = ""
    record_id: uuid.UUID | None = None
    client_ref: str = ""
    client_tax_id: str = ""
    position: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)
    names: tuple[str, str] | None = None  # (search_name, name_key) of the row's name
    built: Any = None  # writes.Built: the rows of a new record, built ahead
    headers: dict[str, str] = field(default_factory=dict)  # field key -> column header

    def problem(self, key: str, message: str) -> None:
        self.problems.append((self.headers.get(key, key), str(message)))

    @property
    def ok(self) -> bool:
        return not self.problems


class RowParser:
    def __init__(self, *, actor: User, target: str, headers: list[str], mapping: dict[str, str]):
        self.actor = actor
        self.target = target
        self.columns = [(i, h, mapping.get(h, "")) for i, h in enumerate(headers)]
        self.columns = [(i, h, k) for i, h, k in self.columns if k]
        self.key_headers = {k: h for _i, h, k in self.columns}
        self.may_assign = can_assign_manager(actor)
        self.definitions = {d.code: d for d in property_definitions(target)}
        keys = set(self.key_headers)
        self.statuses = self.users = self.departments = self.sources = self.tags = {}
        if "status" in keys:
            self.statuses = {}
            for status in RelationshipStatus.objects.all():
                self.statuses.setdefault(status.code.casefold(), status)
                self.statuses.setdefault(status.name.strip().casefold(), status)
        if "manager" in keys:
            self.users = {}
            for user in User.objects.filter(is_active=True):
                self.users.setdefault(user.username.casefold(), user)
                full = user.get_full_name().strip().casefold()
                if full:
                    self.users.setdefault(full, user)
        if "department" in keys:
            self.departments = {d.name.strip().casefold(): d for d in Department.objects.all()}
        if "source" in keys:
            self.sources = {s.name.strip().casefold(): s for s in Source.objects.all()}
        if "tags" in keys:
            self.tags = {t.name.strip().casefold(): t for t in Tag.objects.all()}
        self._point_cache: dict[str, dict[str, Any]] = {}
        self.kinds: dict[str, str] = {}
        for language in ("en", "ru", "pl"):
            with translation.override(language):
                for value, label in ClientKind.choices:
                    self.kinds[str(label).casefold()] = value
                    self.kinds[value] = value

    def parse(self, row: SourceRow, *, properties: bool = True) -> Parsed:
        """The row as it will be stored. ``properties=False`` leaves the property values
        unchecked (``check_properties`` does it later): everything else needs no
        database, so a helper thread can parse while the previous chunk is written."""
        parsed = Parsed(number=row.number, headers=self.key_headers)
        parsed.problems.extend(row.problems)
        values = row.values
        for index, _header, key in self.columns:
            # An exported file marks formula-like text with an apostrophe: take it off.
            raw = unsafe_cell(values[index]).strip() if index < len(values) else ""
            if not raw:
                continue
            limit = _TEXT_LIMITS.get(key)
            if limit and len(raw) > limit:
                parsed.problem(
                    key,
                    _("At most %(limit)s characters (this value has %(n)s).")
                    % {"limit": limit, "n": len(raw)},
                )
                continue
            try:
                self._cell(parsed, key, raw)
            except ValidationError as exc:
                for message in exc.messages:
                    parsed.problem(key, message)
        fields = parsed.fields
        if self.target == "clients":
            full = fields.get("name", "")
        else:
            parts = (fields.get(n, "") for n in ("last_name", "first_name", "middle_name"))
            full = " ".join(p for p in parts if p)  # ContactPerson.full_name
        if full:
            parsed.names = (normalize.normalize_name(full), normalize.name_key(full))
        if properties:
            self.check_properties(parsed)
        return parsed

    def check_properties(self, parsed: Parsed) -> None:
        if parsed.properties:
            self._properties(parsed)

    def _cell(self, parsed: Parsed, key: str, raw: str) -> None:
        if key in _CHANNELS:
            normalizer = _CHANNELS[key]
            items: list[tuple[str, str]] = []
            seen: set[str] = set()
            for value in _SPLIT.split(raw):
                if not value:
                    continue
                if len(value) > 300:
                    raise ValidationError(_("At most 300 characters."))
                normalized = self._normalized(key, normalizer, value)
                if normalized not in seen:
                    seen.add(normalized)
                    items.append((value, normalized))
            parsed.points[key] = items
        elif key == "id":
            try:
                parsed.record_id = uuid.UUID(raw)
            except ValueError as exc:
                raise ValidationError(
                    _("“%(value)s” is not a Rapport id.") % {"value": raw}
                ) from exc
        elif key == "external_id":
            parsed.external_id = raw
        elif key == "tax_id":
            parsed.fields["tax_id"] = normalize.validate_tax_id(raw)
        elif key == "kind":
            kind = self.kinds.get(raw.casefold())
            if kind is None:
                raise ValidationError(_("Kind is “company” or “person”."))
            parsed.fields["kind"] = kind
        elif key == "status":
            parsed.fields["status"] = self._lookup(
                self.statuses, raw, gettext_lazy("No status “%(v)s”.")
            )
        elif key == "manager":
            user = self._lookup(self.users, raw, gettext_lazy("No user “%(v)s”."))
            if user.pk != self.actor.pk and not self.may_assign:
                raise ValidationError(_("You may not assign clients to other managers."))
            parsed.fields["manager"] = user
        elif key == "department":
            department = self._lookup(self.departments, raw, gettext_lazy("No department “%(v)s”."))
            if not self.may_assign and department.pk != self.actor.department_id:
                raise ValidationError(_("You may not move clients to another department."))
            parsed.fields["department"] = department
        elif key == "source":
            parsed.fields["source"] = self._lookup(
                self.sources, raw, gettext_lazy("No source “%(v)s”.")
            )
        elif key == "tags":
            parsed.tags = [
                self._lookup(self.tags, name, gettext_lazy("No category “%(v)s”."))
                for name in _LIST_SPLIT.split(raw)
                if name
            ]
        elif key == "is_confidential":
            folded = raw.casefold()
            if folded not in _YES and folded not in _NO:
                raise ValidationError(_("Enter yes or no."))
            parsed.fields["is_confidential"] = folded in _YES
        elif key == "birthday":
            parsed.fields["birthday"] = parse_date(raw)
        elif key == "address":
            parsed.address = raw
        elif key == "client":
            parsed.client_ref = raw
        elif key == "client_tax_id":
            parsed.client_tax_id = normalize.normalize_tax_id(raw)
        elif key == "position":
            parsed.position = raw
        elif key.startswith(PROPERTY_PREFIX):
            parsed.properties[key[len(PROPERTY_PREFIX) :]] = raw
        else:
            parsed.fields[key] = raw

    def _normalized(self, key: str, normalizer: Any, value: str) -> str:
        """``normalizer(value)``, computed once per distinct value of the import (files
        repeat the same numbers and addresses; phone parsing is the dearest check)."""
        cache = self._point_cache.setdefault(key, {})
        hit = cache.get(value)
        if hit is None:
            try:
                hit = normalizer(value)
            except ValidationError as exc:
                hit = exc
            if len(cache) >= POINT_CACHE_SIZE:
                cache.clear()
            cache[value] = hit
        if isinstance(hit, ValidationError):
            raise ValidationError(hit.messages)
        return hit

    def _lookup(self, table: dict[str, Any], raw: str, message: Any) -> Any:
        found = table.get(raw.strip().casefold())
        if found is None:  # the message is translated only when it is needed
            raise ValidationError(str(message) % {"v": raw})
        return found

    def _properties(self, parsed: Parsed) -> None:
        values: dict[str, Any] = {}
        for code, raw in parsed.properties.items():
            definition = self.definitions.get(code)
            key = f"{PROPERTY_PREFIX}{code}"
            if definition is None:
                parsed.problem(key, _("Unknown property “%(code)s”.") % {"code": code})
                continue
            if definition.type == PropertyType.DATE:
                try:
                    raw = parse_date(raw).isoformat()
                except ValidationError as exc:
                    parsed.problem(key, exc.messages[0])
                    continue
            elif definition.type == PropertyType.MULTI_CHOICE:
                raw = [v for v in _LIST_SPLIT.split(raw) if v]
            elif definition.type == PropertyType.BOOLEAN:
                folded = raw.casefold()
                raw = folded in _YES if folded in _YES | _NO else raw
            values[code] = raw
        defs = [self.definitions[c] for c in values]
        try:
            parsed.properties = clean_property_values(
                target=defs[0].target if defs else "", values=values, definitions=defs
            )
        except ValidationError as exc:
            parsed.properties = {}
            for name, messages in exc.message_dict.items():
                code = name.split(".", 1)[-1]
                for message in messages:
                    parsed.problem(f"{PROPERTY_PREFIX}{code}", message)

    def missing_required(self, parsed: Parsed) -> None:
        """A new record needs a name and every required property."""
        if self.target == "clients":
            if not parsed.fields.get("name"):
                parsed.problem("name", _("A client needs a name."))
        elif not parsed.fields.get("last_name") and not parsed.fields.get("first_name"):
            parsed.problem("last_name", _("A contact person needs a name."))
        for code, definition in self.definitions.items():
            if definition.is_required and code not in parsed.properties:
                parsed.problem(f"{PROPERTY_PREFIX}{code}", _("This property is required."))
