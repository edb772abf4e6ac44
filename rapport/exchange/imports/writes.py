"""What one chunk of an import writes, collected as rows and written in bulk.

New records, their history, contact points, addresses, roles and status changes are
built straight into ``fastinsert.Rows`` (plain lists, no model instances) and go in with
one ``COPY`` (or ``executemany``) per table and chunk. The job's change notes
(``core.JobChange``, what undo restores) are one per model and chunk for new records (their
ids in one list) and one per updated record (its previous values). Updated records are
model instances (they come from the matching query) and go through simple-history's
``bulk_update_with_history``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from simple_history.utils import bulk_update_with_history

from rapport.core.ids import canonical, new_id, new_id_hex
from rapport.core.models import ExternalId, JobChange, JobChangeAction
from rapport.parties.models import Address, Client, ContactPoint, ContactRole, StatusChange

from .fastinsert import Rows
from .rows import Parsed

if TYPE_CHECKING:
    from .apply import Importer

CHANNEL = {"phones": "phone", "emails": "email", "websites": "website"}
FK = ("status", "manager", "department", "source")
ADDRESS_PARTS = ("country", "postal_code", "region", "city", "street")


class Built:
    """The rows of one new record (``fastinsert.Rows.build`` pairs: row, history row)."""

    __slots__ = ("address", "pk", "points", "record", "status_change")

    def __init__(self, pk: Any, record: Any) -> None:
        self.pk = pk
        self.record = record
        self.status_change: Any = None
        self.address: Any = None
        self.points: list[Any] = []


def _ct(model: type[Model]) -> int:
    return ContentType.objects.get_for_model(model).pk


class ChunkWrites:
    def __init__(self, importer: Importer) -> None:
        self.importer = importer
        self.model = importer.model
        self.owner = importer.owner
        self.owner_id = f"{importer.owner}_id"
        actor = importer.actor
        self.actor = actor
        self.records = Rows(self.model, history_user=actor)
        self.points = Rows(ContactPoint, history_user=actor)
        self.addresses = Rows(Address, history_user=actor)
        self.roles = Rows(ContactRole, history_user=actor)
        self.status_changes = Rows(StatusChange)
        self.notes = Rows(JobChange)
        # Ids of the new records per model, noted for undo in one note per model.
        self.created: dict[type[Model], list[str]] = {}
        self.updated: dict[Any, tuple[Model, dict[str, Any], int]] = {}
        self.address_updates: list[tuple[Address, dict[str, Any], int]] = []
        self.tag_links: list[Any] = []
        self.external_ids: list[tuple[ExternalId, int]] = []
        job = importer.job
        self.job_id = job.pk if job is not None else None

    # -- notes ----------------------------------------------------------------------------
    def note_created(self, model: type[Model], pk: Any) -> None:
        key = str(pk)
        self.created.setdefault(model, []).append(canonical(key) if len(key) == 32 else key)

    # -- new records ----------------------------------------------------------------------
    def build_new(self, row: Parsed) -> Built:
        """The rows a new record of ``row`` brings, ready to write; needs no database,
        so the parsing thread builds them ahead for every row that may be created."""
        fields = dict(row.fields)
        fields.pop("_client", None)
        actor = self.actor
        now = self.records.now
        pk = new_id_hex()
        values: dict[str, Any] = {
            "id": pk,
            "properties": row.properties,
            "created_by_id": actor.pk,
            "created_at": now,
            "updated_at": now,
        }
        if self.model is Client:
            manager = fields.pop("manager", None)
            if manager is None and actor.role in ("manager", "head"):
                manager = actor
            department = fields.pop("department", None)
            values["manager_id"] = manager.pk if manager else None
            if department is not None:
                values["department_id"] = department.pk
            else:
                values["department_id"] = (manager or actor).department_id
        for name, value in fields.items():
            if name in FK:
                values[f"{name}_id"] = value.pk if value is not None else None
            else:
                values[name] = value
        values["search_name"], values["name_key"] = row.names or ("", "")
        built = Built(canonical(pk), self.records.build(values))
        if self.model is Client:
            status = fields.get("status")
            if status is not None:
                built.status_change = self.status_changes.build(
                    {
                        "id": new_id_hex(),
                        "client_id": pk,
                        "new_status_id": status.pk,
                        "changed_by_id": actor.pk,
                    }
                )
            if row.address:
                built.address = self.addresses.build(
                    {"id": new_id_hex(), "client_id": pk, "street": row.address}
                )
        built.points = self._point_rows(pk, row, {})
        return built

    def create(self, row: Parsed) -> None:
        built = row.built if row.built is not None else self.build_new(row)
        pk = built.pk
        self.records.append(built.record)
        if built.status_change is not None:
            self.status_changes.append(built.status_change)
        if row.tags and self.model is Client:
            through = Client.tags.through
            self.tag_links += [through(client_id=pk, tag_id=t.pk) for t in row.tags]
        if built.address is not None:
            self.addresses.append(built.address)
        client_id = row.fields.get("_client")
        if client_id and self.model is not Client:
            self.new_role(pk, client_id, row.position[:200])
        self.note_created(self.model, pk)
        # Their contact points stay with the new record when undo trashes it.
        for _pk, point in built.points:
            self.points.append(point)
        if row.external_id:
            ext = self.importer.external_id(pk, row.external_id)
            self.external_ids.append((ext, row.number))

    def new_status_change(self, client_pk: Any, old: Any, new: Any) -> Any:
        pk = new_id()
        self.status_changes.add(
            {
                "id": pk,
                "client_id": client_pk,
                "old_status_id": old,
                "new_status_id": new,
                "changed_by_id": self.actor.pk,
            }
        )
        return pk

    def new_address(self, owner_pk: Any, street: str) -> Any:
        pk = new_id()
        self.addresses.add({"id": pk, self.owner_id: owner_pk, "street": street})
        return pk

    def new_role(self, contact_pk: Any, client_pk: Any, position: str) -> Any:
        pk = new_id()
        self.roles.add(
            {"id": pk, "contact_id": contact_pk, "client_id": client_pk, "position": position}
        )
        return pk

    def _point_rows(
        self, owner_pk: Any, row: Parsed, existing: dict[str, set[str]]
    ) -> list[tuple[Any, Any]]:
        """(pk, built row) of each contact point of ``row`` missing from ``existing``."""
        built = []
        owner_id = self.owner_id
        for key, items in row.points.items():
            channel = CHANNEL[key]
            have = existing.get(channel, set())
            position = len(have)
            for value, normalized in items:
                if normalized in have:
                    continue
                pk = new_id_hex()
                values = {
                    "id": pk,
                    owner_id: owner_pk,
                    "channel": channel,
                    "value": value,
                    "normalized": normalized,
                    "position": position,
                }
                built.append((pk, self.points.build(values)))
                position += 1
        return built

    def new_points(self, owner_pk: Any, row: Parsed, existing: dict[str, set[str]]) -> bool:
        """Contact points of ``row`` that the record has not got yet (noted for undo)."""
        built = self._point_rows(owner_pk, row, existing)
        for pk, point in built:
            self.points.append(point)
            self.note_created(ContactPoint, pk)
        return bool(built)

    # -- writing --------------------------------------------------------------------------
    def write(self) -> None:
        actor = self.actor
        self.records.flush()
        if self.updated:
            records = [r for r, _b, _n in self.updated.values()]
            names = {n for _r, b, _n in self.updated.values() for n in b if n != "tags"}
            bulk_update_with_history(
                records, self.model, sorted(names) or ["updated_at"], default_user=actor
            )
        self.points.flush()
        self.addresses.flush()
        self.roles.flush()
        if self.address_updates:
            bulk_update_with_history(
                [a for a, _b, _n in self.address_updates],
                Address,
                list(ADDRESS_PARTS),
                default_user=actor,
            )
        if self.tag_links:
            Client.tags.through.objects.bulk_create(self.tag_links, ignore_conflicts=True)
        self.status_changes.flush()
        if self.external_ids:
            ExternalId.objects.bulk_create([e for e, _n in self.external_ids])
            for ext, _number in self.external_ids:
                self.note_created(ExternalId, ext.pk)
        if self.job_id is not None:
            self._notes()

    def _notes(self) -> None:
        add = self.notes.add
        for model, ids in self.created.items():
            add(
                {
                    "job_id": self.job_id,
                    "content_type_id": _ct(model),
                    "object_id": "",
                    "action": JobChangeAction.CREATED_MANY,
                    "before": {"ids": ids},
                }
            )
        for record, before, number in [*self.updated.values(), *self.address_updates]:
            add(
                {
                    "job_id": self.job_id,
                    "content_type_id": _ct(type(record)),
                    "object_id": str(record.pk),
                    "action": JobChangeAction.UPDATED,
                    "before": before,
                    "row": number,
                }
            )
        self.notes.flush()
