"""Rows that update an existing record: what changes, and what undo needs to restore.

For one chunk's updates this reads, with one query each, the records' contact points,
categories, addresses, external ids and roles, then compares each row with its record.
A record whose contact details the actor may not see (VIP) gets no new details.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.utils import timezone

from rapport.core.models import ExternalId
from rapport.parties import normalize
from rapport.parties.models import (
    Address,
    Client,
    ContactPerson,
    ContactPoint,
    ContactRole,
    StatusChange,
)

from .rows import Parsed
from .writes import ADDRESS_PARTS, CHANNEL, FK, ChunkWrites

if TYPE_CHECKING:
    from .apply import Importer, Outcome


def _json(value: Any) -> Any:
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def plan_updates(
    importer: Importer, outcomes: list[Outcome], matches: Any, writes: ChunkWrites
) -> None:
    """Fill ``writes`` with the changes of ``outcomes``; unchanged rows are marked so."""
    owner, keys, model = importer.owner, importer.keys, importer.model
    pks = [uuid.UUID(o.record_id) for o in outcomes]
    owner_filter = {f"{owner}_id__in": pks}
    points: dict[Any, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    if keys & set(CHANNEL):
        for pk, channel, normalized in ContactPoint.objects.filter(**owner_filter).values_list(
            f"{owner}_id", "channel", "normalized"
        ):
            points[str(pk)][channel].add(normalized)
    tags: dict[str, set[Any]] = defaultdict(set)
    if "tags" in keys:
        for pk, tag_id in Client.tags.through.objects.filter(client_id__in=pks).values_list(
            "client_id", "tag_id"
        ):
            tags[str(pk)].add(tag_id)
    addresses: dict[str, Address] = {}
    if "address" in keys:
        for address in Address.objects.filter(**owner_filter).order_by("-id"):
            addresses[str(getattr(address, f"{owner}_id"))] = address
    externals: dict[str, set[str]] = defaultdict(set)
    if "external_id" in keys:
        for object_id, value in ExternalId.objects.filter(
            content_type=importer.content_type,
            system=importer.options.external_system,
            object_id__in=[str(pk) for pk in pks],
        ).values_list("object_id", "value"):
            externals[object_id].add(value)
    roles: set[tuple[str, Any]] = set()
    if model is ContactPerson and keys & {"client", "client_tax_id"}:
        for contact_id, client_id in ContactRole.objects.filter(contact_id__in=pks).values_list(
            "contact_id", "client_id"
        ):
            roles.add((str(contact_id), client_id))
    for outcome in outcomes:
        pk, row = outcome.record_id, outcome.parsed
        record = matches.records[pk]
        hidden = pk in matches.details_hidden
        before = _changed_fields(importer, record, row, hidden)
        changed = bool(before)
        if not hidden:
            changed |= writes.new_points(record.pk, row, points[pk])
            if row.address:
                changed |= _address(importer, record, row, addresses.get(pk), writes)
        if row.tags is not None:
            missing = [t for t in row.tags if t.pk not in tags[pk]]
            if missing:
                before["tags"] = [str(t) for t in tags[pk]]
                through = Client.tags.through
                writes.tag_links += [through(client_id=record.pk, tag_id=t.pk) for t in missing]
                changed = True
        if row.external_id and row.external_id not in externals[pk]:
            ext = importer.external_id(record.pk, row.external_id)
            writes.external_ids.append((ext, row.number))
            changed = True
        client_id = row.fields.get("_client")
        if client_id and (pk, client_id) not in roles:
            role_pk = writes.new_role(record.pk, client_id, row.position)
            writes.note_created(ContactRole, role_pk)
            changed = True
        if "status" in before:
            change_pk = writes.new_status_change(record.pk, before["status"], record.status_id)
            writes.note_created(StatusChange, change_pk)
        if changed:
            writes.updated[pk] = (record, before, row.number)
        else:
            outcome.action = "unchanged"


def _changed_fields(importer: Importer, record: Any, row: Parsed, hidden: bool) -> dict[str, Any]:
    before: dict[str, Any] = {}
    for name, value in row.fields.items():
        if name.startswith("_"):
            continue
        if name in FK:
            old = getattr(record, f"{name}_id")
            if old != value.pk:
                before[name] = _json(old)
                setattr(record, name, value)
        elif getattr(record, name) != value:
            before[name] = _json(getattr(record, name))
            setattr(record, name, value)
    if row.properties:
        given = row.properties
        if hidden:
            given = {k: v for k, v in given.items() if k not in importer.sensitive}
        merged = {**record.properties, **given}
        if merged != record.properties:
            before["properties"] = record.properties
            record.properties = merged
    if before:
        full = record.name if importer.model is Client else record.full_name
        if record.search_name != normalize.normalize_name(full):
            before["search_name"] = record.search_name
            before["name_key"] = record.name_key
            record.search_name = normalize.normalize_name(full)
            record.name_key = normalize.name_key(full)
        before["updated_at"] = record.updated_at.isoformat()
        record.updated_at = timezone.now()
    return before


def _address(
    importer: Importer, record: Model, row: Parsed, current: Address | None, writes: ChunkWrites
) -> bool:
    if current is None:
        pk = writes.new_address(record.pk, row.address)
        writes.note_created(Address, pk)
        return True
    if str(current) == row.address:
        return False
    before = {f: getattr(current, f) for f in ADDRESS_PARTS}
    for f in ADDRESS_PARTS:
        setattr(current, f, "")
    current.street = row.address
    writes.address_updates.append((current, before, row.number))
    return True
