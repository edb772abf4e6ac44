"""One chunk of an import: parse the rows, match them, then create and update in bulk.

``Importer.process`` answers what each row does (create, update, unchanged, reject) and,
when asked to write, writes the chunk with a handful of bulk statements: records and
their history rows (simple-history's bulk helpers, so the history names the importing
user), contact details, categories, external ids, and the job's change notes that undo
restores. The caller wraps a chunk in one transaction with its checkpoint.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from rapport.core import access
from rapport.core.ids import new_id
from rapport.core.models import ExternalId, Job, JobChange, JobChangeAction, User
from rapport.parties import normalize
from rapport.parties.models import (
    Address,
    Client,
    ContactPerson,
    ContactPoint,
    ContactRole,
    StatusChange,
)

from . import fastinsert
from .matching import decide, match_chunk, target_model
from .readers import SourceRow
from .rows import Parsed, RowParser

_CHANNEL = {"phones": "phone", "emails": "email", "websites": "website"}
_FK = ("status", "manager", "department", "source")


@dataclass
class ImportOptions:
    target: str = "clients"
    mapping: dict[str, str] = field(default_factory=dict)
    match_on: str = "none"
    external_system: str = "import"
    on_error: str = "skip"
    dry_run: bool = False
    encoding: str = ""
    delimiter: str = ""

    def to_params(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ImportOptions:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in params.items() if k in known})


@dataclass
class Outcome:
    parsed: Parsed
    action: str = "create"  # create | update | unchanged | reject
    record_id: Any = None


@dataclass
class ChunkResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def counts(self) -> Counter:
        names = {
            "create": "created",
            "update": "updated",
            "unchanged": "unchanged",
            "reject": "rejected",
        }
        return Counter(names[o.action] for o in self.outcomes)

    def errors(self) -> list[tuple[int, str, str]]:
        return [
            (o.parsed.number, header, message)
            for o in self.outcomes
            for header, message in o.parsed.problems
        ]


def _json(value: Any) -> Any:
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class _Writes:
    def __init__(self) -> None:
        self.records: list[tuple[Model, int]] = []
        self.updated: dict[Any, tuple[Model, dict[str, Any], int]] = {}
        self.created: list[tuple[Model, int]] = []  # other rows a change adds (undo deletes)
        self.points: list[ContactPoint] = []
        self.addresses: list[Address] = []
        self.tag_links: list[Any] = []
        self.status_changes: list[StatusChange] = []
        self.external_ids: list[ExternalId] = []
        self.roles: list[ContactRole] = []
        self.address_updates: list[tuple[Address, dict[str, Any], int]] = []


class Importer:
    def __init__(
        self, *, actor: User, options: ImportOptions, headers: list[str], job: Job | None = None
    ) -> None:
        self.actor = actor
        self.options = options
        self.target = options.target
        self.model = target_model(options.target)
        self.owner = "client" if self.model is Client else "contact"
        self.job = job
        self.parser = RowParser(
            actor=actor, target=options.target, headers=headers, mapping=options.mapping
        )
        self.keys = set(self.parser.key_headers)
        self.content_type = ContentType.objects.get_for_model(self.model)
        self.sensitive = {c for c, d in self.parser.definitions.items() if d.is_sensitive}

    # -- deciding ----------------------------------------------------------------------------
    def process(self, rows: list[SourceRow], *, write: bool) -> ChunkResult:
        parsed = [self.parser.parse(row) for row in rows]
        matches = match_chunk(
            [p for p in parsed if p.ok],
            actor=self.actor,
            target=self.target,
            match_on=self.options.match_on,
            system=self.options.external_system,
        )
        links = self._client_links(parsed) if self.model is ContactPerson else {}
        result = ChunkResult()
        seen_records: dict[Any, int] = {}
        seen_keys: dict[str, int] = {}
        updates: list[Outcome] = []
        for row in parsed:
            outcome = Outcome(parsed=row)
            result.outcomes.append(outcome)
            if row.ok:
                outcome.record_id = decide(row, matches)
            if row.ok and outcome.record_id is not None:
                first = seen_records.setdefault(outcome.record_id, row.number)
                if first != row.number:
                    row.problem("", _("Row %(n)s already changes this record.") % {"n": first})
            if row.ok and outcome.record_id is None:
                self.parser.missing_required(row)
                for key in self._create_keys(row):
                    first = seen_keys.setdefault(key, row.number)
                    if first != row.number:
                        row.problem("", _("Repeats row %(n)s of this file.") % {"n": first})
                        break
            if row.ok and row.external_id:
                owner = matches.external_owner.get(row.external_id)
                if owner is not None and owner != outcome.record_id:
                    row.problem("external_id", _("This external id belongs to another record."))
            if row.ok and self.model is ContactPerson and (row.client_ref or row.client_tax_id):
                link = links.get((row.client_tax_id, row.client_ref))
                if isinstance(link, str):
                    row.problem("client_tax_id" if row.client_tax_id else "client", link)
                else:
                    row.fields["_client"] = link
            if not row.ok:
                outcome.action = "reject"
            elif outcome.record_id is not None:
                outcome.action = "update"
                updates.append(outcome)
        writes = _Writes()
        for outcome in result.outcomes:
            if outcome.action == "create":
                self._create(outcome.parsed, writes)
        if updates:
            self._update(updates, matches, writes)
        if write:
            self._write(writes)
        return result

    def _create_keys(self, row: Parsed) -> list[str]:
        rule = self.options.match_on
        if rule == "tax_id" and row.fields.get("tax_id"):
            return [f"t:{row.fields['tax_id']}"]
        if rule == "external_id" and row.external_id:
            return [f"x:{row.external_id}"]
        if rule in ("email", "phone"):
            return [f"p:{n}" for _v, n in row.points.get(f"{rule}s", [])]
        return [f"x:{row.external_id}"] if row.external_id else []

    def _client_links(self, rows: list[Parsed]) -> dict[tuple[str, str], Any]:
        """(client tax id, client name) -> a visible client's pk or a problem message."""
        wanted = {(p.client_tax_id, p.client_ref) for p in rows if p.ok}
        wanted.discard(("", ""))
        if not wanted:
            return {}
        visible = access.visible_to(self.actor, Client)
        taxes = {t for t, _n in wanted if t}
        names = {normalize.normalize_name(n) for t, n in wanted if n and not t}
        by_key: dict[str, set[Any]] = defaultdict(set)
        for tax_id, pk in visible.filter(tax_id__in=taxes).values_list("tax_id", "pk"):
            by_key[f"t:{tax_id}"].add(pk)
        for name, pk in visible.filter(search_name__in=names).values_list("search_name", "pk"):
            by_key[f"n:{name}"].add(pk)
        links: dict[tuple[str, str], Any] = {}
        for tax_id, name in wanted:
            key = f"t:{tax_id}" if tax_id else f"n:{normalize.normalize_name(name)}"
            found = by_key.get(key, set())
            if len(found) == 1:
                links[(tax_id, name)] = next(iter(found))
            elif found:
                links[(tax_id, name)] = _("Several clients match “%(v)s”; give the tax id.") % {
                    "v": name or tax_id
                }
            else:
                links[(tax_id, name)] = _("No client “%(v)s” among those you can see.") % {
                    "v": tax_id or name
                }
        return links

    # -- building the rows -------------------------------------------------------------------
    def _create(self, row: Parsed, writes: _Writes) -> None:
        fields = dict(row.fields)
        client_id = fields.pop("_client", None)
        now = timezone.now()
        record: Any
        if self.model is Client:
            manager = fields.pop("manager", None)
            if manager is None and self.actor.role in ("manager", "head"):
                manager = self.actor
            department = fields.pop("department", None)
            if department is None:
                department = manager.department if manager else self.actor.department
            record = Client(
                id=new_id(),
                **fields,
                manager=manager,
                department=department,
                properties=row.properties,
                created_by=self.actor,
                created_at=now,
                updated_at=now,
                search_name=normalize.normalize_name(fields["name"]),
                name_key=normalize.name_key(fields["name"]),
            )
            if record.status_id:
                writes.status_changes.append(
                    StatusChange(
                        client=record, new_status_id=record.status_id, changed_by=self.actor
                    )
                )
            if row.tags:
                through = Client.tags.through
                writes.tag_links += [through(client_id=record.pk, tag_id=t.pk) for t in row.tags]
            if row.address:
                writes.addresses.append(Address(client=record, street=row.address))
        else:
            record = ContactPerson(
                id=new_id(),
                **fields,
                properties=row.properties,
                created_by=self.actor,
                created_at=now,
                updated_at=now,
            )
            record.search_name = normalize.normalize_name(record.full_name)
            record.name_key = normalize.name_key(record.full_name)
            if client_id:
                writes.roles.append(
                    ContactRole(contact=record, client_id=client_id, position=row.position[:200])
                )
        writes.records.append((record, row.number))
        self._new_points(record, row, {}, writes)
        if row.external_id:
            ext = self._external_id(record, row.external_id)
            writes.external_ids.append(ext)
            writes.created.append((ext, row.number))

    def _new_points(
        self,
        record: Model,
        row: Parsed,
        existing: dict[str, set[str]],
        writes: _Writes,
        *,
        note: bool = False,
    ) -> bool:
        added = False
        for key, items in row.points.items():
            channel = _CHANNEL[key]
            have = existing.get(channel, set())
            position = len(have)
            for value, normalized in items:
                if normalized in have:
                    continue
                point = ContactPoint(
                    **{self.owner: record},
                    channel=channel,
                    value=value,
                    normalized=normalized,
                    position=position,
                )
                position += 1
                writes.points.append(point)
                if note:
                    writes.created.append((point, row.number))
                added = True
        return added

    def _external_id(self, record: Model, value: str) -> ExternalId:
        return ExternalId(
            content_type=self.content_type,
            object_id=str(record.pk),
            system=self.options.external_system,
            value=value,
        )

    def _update(self, outcomes: list[Outcome], matches: Any, writes: _Writes) -> None:
        pks = [uuid.UUID(o.record_id) for o in outcomes]
        owner_filter = {f"{self.owner}_id__in": pks}
        points: dict[Any, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        if self.keys & set(_CHANNEL):
            for pk, channel, normalized in ContactPoint.objects.filter(**owner_filter).values_list(
                f"{self.owner}_id", "channel", "normalized"
            ):
                points[str(pk)][channel].add(normalized)
        tags: dict[str, set[Any]] = defaultdict(set)
        if "tags" in self.keys:
            for pk, tag_id in Client.tags.through.objects.filter(client_id__in=pks).values_list(
                "client_id", "tag_id"
            ):
                tags[str(pk)].add(tag_id)
        addresses: dict[str, Address] = {}
        if "address" in self.keys:
            for address in Address.objects.filter(**owner_filter).order_by("-id"):
                addresses[str(getattr(address, f"{self.owner}_id"))] = address
        externals: dict[str, set[str]] = defaultdict(set)
        if "external_id" in self.keys:
            for object_id, value in ExternalId.objects.filter(
                content_type=self.content_type,
                system=self.options.external_system,
                object_id__in=[str(pk) for pk in pks],
            ).values_list("object_id", "value"):
                externals[object_id].add(value)
        roles: dict[tuple[str, Any], ContactRole] = {}
        if self.model is ContactPerson and self.keys & {"client", "client_tax_id"}:
            for role in ContactRole.objects.filter(contact_id__in=pks):
                roles[(str(role.contact_id), role.client_id)] = role
        for outcome in outcomes:
            pk, row = outcome.record_id, outcome.parsed
            record = matches.records[pk]
            hidden = pk in matches.details_hidden
            before = self._changed_fields(record, row, hidden)
            changed = bool(before)
            if not hidden:
                changed |= self._new_points(record, row, points[pk], writes, note=True)
                if row.address:
                    changed |= self._address(record, row, addresses.get(pk), writes)
            if row.tags is not None:
                missing = [t for t in row.tags if t.pk not in tags[pk]]
                if missing:
                    before["tags"] = [str(t) for t in tags[pk]]
                    through = Client.tags.through
                    writes.tag_links += [through(client_id=record.pk, tag_id=t.pk) for t in missing]
                    changed = True
            if row.external_id and row.external_id not in externals[pk]:
                ext = self._external_id(record, row.external_id)
                writes.external_ids.append(ext)
                writes.created.append((ext, row.number))
                changed = True
            client_id = row.fields.get("_client")
            if client_id and (pk, client_id) not in roles:
                role = ContactRole(contact=record, client_id=client_id, position=row.position)
                writes.roles.append(role)
                writes.created.append((role, row.number))
                changed = True
            if "status" in before:
                change = StatusChange(
                    client=record,
                    old_status_id=before["status"],
                    new_status_id=record.status_id,
                    changed_by=self.actor,
                )
                writes.status_changes.append(change)
                writes.created.append((change, row.number))
            if changed:
                writes.updated[pk] = (record, before, row.number)
            else:
                outcome.action = "unchanged"

    def _changed_fields(self, record: Any, row: Parsed, hidden: bool) -> dict[str, Any]:
        before: dict[str, Any] = {}
        for name, value in row.fields.items():
            if name.startswith("_"):
                continue
            if name in _FK:
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
                given = {k: v for k, v in given.items() if k not in self.sensitive}
            merged = {**record.properties, **given}
            if merged != record.properties:
                before["properties"] = record.properties
                record.properties = merged
        if before:
            full = record.name if self.model is Client else record.full_name
            if record.search_name != normalize.normalize_name(full):
                before["search_name"] = record.search_name
                before["name_key"] = record.name_key
                record.search_name = normalize.normalize_name(full)
                record.name_key = normalize.name_key(full)
            before["updated_at"] = record.updated_at.isoformat()
            record.updated_at = timezone.now()
        return before

    def _address(self, record: Model, row: Parsed, current: Address | None, writes: _Writes):
        if current is None:
            address = Address(**{self.owner: record}, street=row.address)
            writes.addresses.append(address)
            writes.created.append((address, row.number))
            return True
        if str(current) == row.address:
            return False
        parts = ("country", "postal_code", "region", "city", "street")
        before = {f: getattr(current, f) for f in parts}
        for f in parts:
            setattr(current, f, "")
        current.street = row.address
        writes.address_updates.append((current, before, row.number))
        return True

    # -- writing -----------------------------------------------------------------------------
    def _write(self, writes: _Writes) -> None:
        actor = self.actor
        if writes.records:
            fastinsert.insert_with_history(self.model, [r for r, _n in writes.records], user=actor)
        if writes.updated:
            records = [r for r, _b, _n in writes.updated.values()]
            names = {n for _r, b, _n in writes.updated.values() for n in b if n != "tags"}
            bulk_update_with_history(
                records, self.model, sorted(names) or ["updated_at"], default_user=actor
            )
        for rows, model in (
            (writes.points, ContactPoint),
            (writes.addresses, Address),
            (writes.roles, ContactRole),
        ):
            fastinsert.insert_with_history(model, rows, user=actor)
        if writes.address_updates:
            bulk_update_with_history(
                [a for a, _b, _n in writes.address_updates],
                Address,
                ["country", "postal_code", "region", "city", "street"],
                default_user=actor,
            )
        if writes.tag_links:
            Client.tags.through.objects.bulk_create(writes.tag_links, ignore_conflicts=True)
        fastinsert.insert(StatusChange, writes.status_changes)
        if writes.external_ids:
            ExternalId.objects.bulk_create(writes.external_ids)
        if self.job is not None:
            self._notes(writes)

    def _notes(self, writes: _Writes) -> None:
        types: dict[type[Model], ContentType] = {}

        def ct(model: type[Model]) -> ContentType:
            if model not in types:
                types[model] = ContentType.objects.get_for_model(model)
            return types[model]

        notes = [
            JobChange(
                job=self.job,
                content_type=ct(type(r)),
                object_id=str(r.pk),
                action=JobChangeAction.CREATED,
                row=n,
            )
            for r, n in [*writes.records, *writes.created]
        ]
        notes += [
            JobChange(
                job=self.job,
                content_type=ct(type(r)),
                object_id=str(r.pk),
                action=JobChangeAction.UPDATED,
                before=b,
                row=n,
            )
            for r, b, n in [*writes.updated.values(), *writes.address_updates]
        ]
        fastinsert.insert(JobChange, notes)
