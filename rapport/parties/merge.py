"""Merging duplicate clients (or contact persons) into one, and undoing a merge.

Every link moves to the survivor: explicitly the contact details (union unless dropped),
files and external ids (generic relations), and generically every foreign key that points
at the model (``_meta.related_objects``), so that records of later apps (interactions,
deals, requests) follow without this module knowing them. A link that cannot move (it
would duplicate a unique row or relate the survivor to itself) stays with the merged
record, which goes to the trash. Its id keeps resolving through ``core.RecordAlias``.
The ``Merge`` row keeps what moved and the survivor's old values, which is what undo needs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalChanges

from rapport.core import access
from rapport.core.history import save_as
from rapport.core.models import Attachment, ExternalId, RecordAlias, User

from . import normalize
from .models import (
    Address,
    Client,
    ContactPerson,
    ContactPoint,
    DuplicatePair,
    DuplicateStatus,
    DuplicateTarget,
    Merge,
)

MAX_RECORDS = 5
CLIENT_FIELDS = (
    "kind",
    "name",
    "legal_name",
    "tax_id",
    "legal_form",
    "source",
    "status",
    "manager",
    "department",
    "is_confidential",
    "notes",
    "properties",
)
CONTACT_FIELDS = (
    "last_name",
    "first_name",
    "middle_name",
    "birthday",
    "preferred_channel",
    "notes",
    "properties",
)
MODELS = {DuplicateTarget.CLIENT: Client, DuplicateTarget.CONTACT: ContactPerson}
FIELDS = {DuplicateTarget.CLIENT: CLIENT_FIELDS, DuplicateTarget.CONTACT: CONTACT_FIELDS}


def target_of(model: type[Model]) -> str:
    return DuplicateTarget.CLIENT if model is Client else DuplicateTarget.CONTACT


# --- values ---------------------------------------------------------------------------


def _json(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _empty(value: Any) -> bool:
    return value in (None, "", {}, [])


def default_sources(records: Sequence[Model], target: str) -> dict[str, Any]:
    """Which record each field is taken from unless the user picks: the survivor (the
    first record), or the first other record that has a value where the survivor has none;
    "confidential" is kept if any record is confidential."""
    survivor = records[0]
    picks = {}
    for name in FIELDS[target]:
        attname = survivor._meta.get_field(name).attname
        source = survivor
        if name == "is_confidential":
            source = next((r for r in records if r.is_confidential), survivor)
        elif _empty(getattr(survivor, attname)):
            source = next((r for r in records if not _empty(getattr(r, attname))), survivor)
        picks[name] = source.pk
    return picks


# --- moving links ---------------------------------------------------------------------


def link_fields(model: type[Model]) -> list[tuple[type[Model], str]]:
    """(model, field name) of every concrete foreign key to ``model`` (history excluded)."""
    found: list[tuple[type[Model], str]] = []
    for rel in model._meta.related_objects:
        related = rel.related_model
        if isinstance(related, str) or issubclass(related, HistoricalChanges):
            continue
        if rel.many_to_many:
            through = rel.through
            if isinstance(through, str) or not through._meta.auto_created:
                continue  # an explicit through model has its own reverse foreign key
            for f in through._meta.fields:
                if f.is_relation and f.related_model is model:
                    found.append((through, f.name))
        elif rel.field.concrete:
            found.append((related, rel.field.name))
    return list(dict.fromkeys(found))


def _move(model: type[Model], field: str, old: Any, new: Any, *, exclude: Sequence[Any] = ()):
    """Point ``field`` of the rows that hold ``old`` at ``new``; rows that would break a
    constraint stay. Answers the primary keys moved."""
    manager = model._default_manager
    pks = list(
        manager.filter(**{field: old}).exclude(pk__in=list(exclude)).values_list("pk", flat=True)
    )
    if not pks:
        return []
    try:
        with transaction.atomic():
            manager.filter(pk__in=pks).update(**{field: new})
        return [_json(pk) for pk in pks]
    except IntegrityError:
        moved = []
        for pk in pks:
            try:
                with transaction.atomic():
                    manager.filter(pk=pk).update(**{field: new})
                moved.append(_json(pk))
            except IntegrityError:
                continue
        return moved


def _unwanted_details(survivor: Model, other: Model, drop: set[str]) -> list[Any]:
    """Contact points and addresses of ``other`` that stay with it: dropped by the user or
    already at the survivor (same channel and normalised value, same address)."""
    fk = "client" if isinstance(survivor, Client) else "contact"
    have_points = set(
        ContactPoint.objects.filter(**{fk: survivor}).values_list("channel", "normalized")
    )
    keep_out = [
        p.pk
        for p in ContactPoint.objects.filter(**{fk: other})
        if str(p.pk) in drop or (p.channel, p.normalized) in have_points
    ]
    have_addresses = {str(a).casefold() for a in Address.objects.filter(**{fk: survivor})}
    keep_out += [
        a.pk
        for a in Address.objects.filter(**{fk: other})
        if str(a.pk) in drop or str(a).casefold() in have_addresses
    ]
    return keep_out


# --- merge ----------------------------------------------------------------------------


def _check(actor: User, records: Sequence[Model]) -> None:
    if not actor.can_write:
        raise PermissionDenied(_("You may not merge records."))
    for record in records:
        if record.deleted_at is not None or not access.can_edit(actor, record):
            raise PermissionDenied(_("You may not change “%(name)s”.") % {"name": record})


def _apply_fields(
    actor: User, survivor: Model, records: Sequence[Model], target: str, picks: dict[str, Any]
) -> dict[str, Any]:
    """Take each field from its chosen record; answers the survivor's old values."""
    from .services import can_assign_manager

    by_id = {str(r.pk): r for r in records}
    defaults = default_sources(records, target)
    unknown = set(picks) - set(FIELDS[target])
    if unknown:
        raise ValidationError({f: [_("Unknown field.")] for f in sorted(unknown)})
    before: dict[str, Any] = {}
    for name in FIELDS[target]:
        source = by_id.get(str(picks.get(name, defaults[name])))
        if source is None:
            raise ValidationError({name: [_("Pick one of the records being merged.")]})
        field = survivor._meta.get_field(name)
        before[field.attname] = _json(getattr(survivor, field.attname))
        value = getattr(source, field.attname)
        if name == "properties" and name not in picks:
            value = {}
            for record in reversed(records):  # the survivor's own values win
                value.update({k: v for k, v in (record.properties or {}).items() if v})
        setattr(survivor, field.attname, value)
    if target == DuplicateTarget.CLIENT and not can_assign_manager(actor):
        for attname in ("manager_id", "department_id"):
            if str(getattr(survivor, attname)) != str(before[attname]):
                raise ValidationError(
                    {attname[:-3]: [_("You may not assign clients to other managers.")]}
                )
    if target == DuplicateTarget.CLIENT:
        survivor.search_name = normalize.normalize_name(survivor.name)
        survivor.name_key = normalize.name_key(survivor.name)
    else:
        survivor.search_name = normalize.normalize_name(survivor.full_name)
        survivor.name_key = normalize.name_key(survivor.full_name)
    return before


@transaction.atomic
def merge_records(
    *,
    actor: User,
    survivor: Model,
    merged: Sequence[Model],
    fields: dict[str, Any] | None = None,
    drop_details: Sequence[Any] = (),
) -> Merge:
    """Merge ``merged`` clients (or contact persons) into ``survivor``.

    ``fields``: field name → id of the record whose value survives (default: the
    survivor's, or another record's where the survivor's is empty). ``drop_details``: ids of
    contact points and addresses not to keep (default: the union of all records').
    """
    model = type(survivor)
    target = target_of(model)
    merged = [m for m in merged if m.pk != survivor.pk]
    if not merged:
        raise ValidationError({"merged": [_("Choose at least one other record to merge.")]})
    if len(merged) + 1 > MAX_RECORDS or any(type(m) is not model for m in merged):
        raise ValidationError({"merged": [_("Merge up to 5 records of one kind at a time.")]})
    records = [survivor, *merged]
    _check(actor, records)
    before = _apply_fields(actor, survivor, records, target, dict(fields or {}))
    survivor.updated_at = timezone.now()
    survivor._change_reason = "merge"
    save_as(actor, survivor)
    old_tags = []
    if target == DuplicateTarget.CLIENT:
        old_tags = [str(pk) for pk in survivor.tags.values_list("pk", flat=True)]
        survivor.tags.add(*{t for m in merged for t in m.tags.all()})

    ct = ContentType.objects.get_for_model(model)
    drop = {str(pk) for pk in drop_details}
    moves: list[dict[str, Any]] = []

    def note(model_: type[Model], field: str, old: Any, new: Any, pks: list[Any]) -> None:
        if pks:
            moves.append(
                {
                    "model": model_._meta.label,
                    "field": field,
                    "from": str(old),
                    "to": str(new),
                    "pks": pks,
                }
            )

    fk = "client" if target == DuplicateTarget.CLIENT else "contact"
    own = [
        *ContactPoint.objects.filter(**{fk: survivor}).values_list("pk", flat=True),
        *Address.objects.filter(**{fk: survivor}).values_list("pk", flat=True),
    ]
    for detail_model in (ContactPoint, Address):  # the survivor's dropped details leave it
        note(
            detail_model,
            fk,
            survivor.pk,
            merged[0].pk,
            _move(
                detail_model,
                fk,
                survivor.pk,
                merged[0].pk,
                exclude=[p for p in own if str(p) not in drop],
            ),
        )
    links = link_fields(model)
    for other in merged:
        keep_out = _unwanted_details(survivor, other, drop)
        for link_model, field in links:
            exclude = keep_out if link_model in (ContactPoint, Address) else ()
            note(
                link_model,
                field,
                other.pk,
                survivor.pk,
                _move(link_model, field, other.pk, survivor.pk, exclude=exclude),
            )
        for generic in (Attachment, ExternalId):
            pks = [
                _json(pk)
                for pk in generic.objects.filter(
                    content_type=ct, object_id=str(other.pk)
                ).values_list("pk", flat=True)
            ]
            generic.objects.filter(pk__in=pks).update(object_id=str(survivor.pk))
            note(generic, "object_id", other.pk, survivor.pk, pks)
        other.deleted_at, other.deleted_by, other.updated_at = timezone.now(), actor, timezone.now()
        other._change_reason = "merge"
        save_as(actor, other, update_fields=["deleted_at", "deleted_by", "updated_at"])

    merged_ids = [str(m.pk) for m in merged]
    repointed = list(
        RecordAlias.objects.filter(content_type=ct, new_id__in=merged_ids).values_list(
            "pk", "new_id"
        )
    )
    RecordAlias.objects.filter(content_type=ct, new_id__in=merged_ids).update(
        new_id=str(survivor.pk)
    )
    for old_id in merged_ids:
        RecordAlias.objects.update_or_create(
            content_type=ct, old_id=old_id, defaults={"new_id": str(survivor.pk)}
        )
    ids = [str(survivor.pk), *merged_ids]
    pairs = DuplicatePair.objects.filter(target=target, first_id__in=ids, second_id__in=ids)
    pair_status = [(str(p.pk), p.status) for p in pairs]
    pairs.update(status=DuplicateStatus.MERGED, decided_by=actor, decided_at=timezone.now())
    return Merge.objects.create(
        target=target,
        survivor_id=survivor.pk,
        merged_ids=merged_ids,
        created_by=actor,
        snapshot={
            "fields": before,
            "tags": old_tags,
            "moves": moves,
            "aliases": [[pk, new_id] for pk, new_id in repointed],
            "pairs": pair_status,
        },
    )


@transaction.atomic
def merge_undo(*, actor: User, merge: Merge) -> None:
    """Put the merged records back as they were: out of the trash, their links moved back,
    the survivor's old values restored and their ids no longer aliases."""
    from django.apps import apps

    if merge.undone_at is not None:
        raise ValidationError(_("This merge has already been undone."))
    model = MODELS[merge.target]
    survivor = model._default_manager.filter(pk=merge.survivor_id).first()
    merged = list(model._default_manager.filter(pk__in=merge.merged_ids))
    if survivor is None or len(merged) != len(merge.merged_ids):
        raise ValidationError(
            _("A record of this merge was deleted for good; it cannot be undone.")
        )
    if not actor.can_write or not access.can_edit(actor, survivor):
        raise PermissionDenied(_("You may not undo this merge."))
    snapshot = merge.snapshot
    for move in reversed(snapshot.get("moves", [])):
        link_model = apps.get_model(move["model"])
        link_model._default_manager.filter(
            pk__in=move["pks"], **{move["field"]: move["to"]}
        ).update(**{move["field"]: move["from"]})
    for attname, value in snapshot.get("fields", {}).items():
        field = next(f for f in model._meta.concrete_fields if f.attname == attname)
        setattr(survivor, attname, field.to_python(value) if value is not None else None)
    name = survivor.name if merge.target == DuplicateTarget.CLIENT else survivor.full_name
    survivor.search_name = normalize.normalize_name(name)
    survivor.name_key = normalize.name_key(name)
    survivor.updated_at = timezone.now()
    survivor._change_reason = "undo merge"
    save_as(actor, survivor)
    if merge.target == DuplicateTarget.CLIENT:
        survivor.tags.set(snapshot.get("tags", []))
    for record in merged:
        record.deleted_at, record.deleted_by, record.updated_at = None, None, timezone.now()
        record._change_reason = "undo merge"
        save_as(actor, record, update_fields=["deleted_at", "deleted_by", "updated_at"])
    ct = ContentType.objects.get_for_model(model)
    RecordAlias.objects.filter(content_type=ct, old_id__in=merge.merged_ids).delete()
    for pk, new_id in snapshot.get("aliases", []):
        RecordAlias.objects.filter(pk=pk).update(new_id=new_id)
    for pk, status in snapshot.get("pairs", []):
        DuplicatePair.objects.filter(pk=pk).update(status=status, decided_by=None, decided_at=None)
    merge.undone_at, merge.undone_by = timezone.now(), actor
    merge.save(update_fields=["undone_at", "undone_by"])
