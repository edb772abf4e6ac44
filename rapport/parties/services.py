"""Every write of the client base: clients, contact persons, their contact details,
relations, sharing, status changes and batch actions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import access
from rapport.core import services as core_services
from rapport.core.access import require_writer as _require_writer
from rapport.core.history import delete_as, mark_actor, save_as
from rapport.core.models import PropertyDefinition, PropertyTarget, User
from rapport.core.properties import clean_property_values

from . import normalize
from .access import can_see_contact_details, can_see_details
from .models import (
    Address,
    ChannelKind,
    Client,
    ClientKind,
    ClientRelation,
    ClientShare,
    ContactPerson,
    ContactPoint,
    ContactRole,
    RelationshipStatus,
    RelationType,
    SavedFilter,
    Source,
    StatusChange,
    Tag,
)
from .selectors import assignable_managers

ContactItems = Sequence[dict[str, Any]] | None

_CHANNEL_FIELDS = {
    "phones": ChannelKind.PHONE,
    "emails": ChannelKind.EMAIL,
    "websites": ChannelKind.WEBSITE,
    "messengers": ChannelKind.MESSENGER,
}
_CLIENT_FIELDS = (
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
)
_CONTACT_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "birthday",
    "preferred_channel",
    "notes",
)
_ADDRESS_FIELDS = ("type", "country", "postal_code", "region", "city", "street")


def _normalize_channel(channel: str, value: str) -> str:
    if channel == ChannelKind.PHONE:
        return normalize.normalize_phone(value)
    if channel == ChannelKind.EMAIL:
        return normalize.normalize_email(value)
    if channel == ChannelKind.WEBSITE:
        return normalize.normalize_website(value)
    return value.strip().lower()


def clean_contact_points(data: dict[str, ContactItems]) -> dict[str, list[dict[str, str]]]:
    """Validate phones/e-mails/web sites/messengers given as lists of {value, type}.

    Errors name the field and the position: ``{"emails": ["#2: “x” is not ..."]}``.
    """
    cleaned: dict[str, list[dict[str, str]]] = {}
    errors: dict[str, list[str]] = {}
    for field, channel in _CHANNEL_FIELDS.items():
        items = data.get(field)
        if items is None:
            continue
        rows: list[dict[str, str]] = []
        seen: set[str] = set()
        for index, item in enumerate(items, start=1):
            value = str((item or {}).get("value", "")).strip()
            if not value:
                continue
            if len(value) > 300:
                errors.setdefault(field, []).append(
                    _("#%(n)s: at most 300 characters.") % {"n": index}
                )
                continue
            try:
                key = _normalize_channel(channel, value)
            except ValidationError as exc:
                errors.setdefault(field, []).append(f"#{index}: {exc.messages[0]}")
                continue
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                {"value": value, "type": str(item.get("type") or "")[:32], "normalized": key}
            )
        cleaned[field] = rows
    if errors:
        raise ValidationError(errors)
    return cleaned


def _sync_contact_points(
    *, owner: Client | ContactPerson, cleaned: dict[str, list[dict[str, str]]], actor: User
) -> None:
    owner_field = "client" if isinstance(owner, Client) else "contact"
    for field, rows in cleaned.items():
        channel = _CHANNEL_FIELDS[field]
        existing = {
            p.normalized: p
            for p in ContactPoint.objects.filter(**{owner_field: owner}, channel=channel)
        }
        keep: set[str] = set()
        for position, row in enumerate(rows):
            point = existing.get(row["normalized"])
            keep.add(row["normalized"])
            if point is None:
                point = ContactPoint(
                    **{owner_field: owner}, channel=channel, normalized=row["normalized"]
                )
            elif (point.value, point.type, point.position) == (row["value"], row["type"], position):
                continue
            point.value, point.type, point.position = row["value"], row["type"], position
            save_as(actor, point)
        for key, point in existing.items():
            if key not in keep:
                delete_as(actor, point)


def clean_addresses(items: ContactItems) -> list[dict[str, str]] | None:
    if items is None:
        return None
    rows, errors = [], []
    for index, item in enumerate(items, start=1):
        row = {f: str((item or {}).get(f) or "").strip() for f in _ADDRESS_FIELDS}
        if not any(row[f] for f in _ADDRESS_FIELDS if f != "type"):
            continue
        row["type"] = row["type"] or "actual"
        row["country"] = row["country"].upper()
        if row["country"] and len(row["country"]) != 2:
            errors.append(_("#%(n)s: country is a two-letter code.") % {"n": index})
        rows.append(row)
    if errors:
        raise ValidationError({"addresses": errors})
    return rows


def _sync_addresses(
    *, owner: Client | ContactPerson, rows: list[dict[str, str]] | None, actor: User
) -> None:
    if rows is None:
        return
    owner_field = "client" if isinstance(owner, Client) else "contact"
    existing = list(Address.objects.filter(**{owner_field: owner}))
    for index, row in enumerate(rows):
        address = existing[index] if index < len(existing) else Address(**{owner_field: owner})
        if address.pk and all(getattr(address, f) == row[f] for f in _ADDRESS_FIELDS):
            continue
        for f in _ADDRESS_FIELDS:
            setattr(address, f, row[f])
        save_as(actor, address)
    for address in existing[len(rows) :]:
        delete_as(actor, address)


def _clean_client_fields(fields: dict[str, Any], *, instance: Client | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if "name" in fields:
        fields["name"] = str(fields["name"] or "").strip()
        if not fields["name"]:
            errors["name"] = [_("A client needs a name.")]
        elif len(fields["name"]) > 300:
            errors["name"] = [_("At most 300 characters.")]
    if "kind" in fields and fields["kind"] not in ClientKind.values:
        errors["kind"] = [_("Kind is “company” or “person”.")]
    if "tax_id" in fields:
        try:
            fields["tax_id"] = normalize.validate_tax_id(str(fields["tax_id"] or ""))
        except ValidationError as exc:
            errors["tax_id"] = exc.messages
    for text_field, limit in (("legal_name", 500), ("legal_form", 64)):
        if text_field in fields:
            fields[text_field] = str(fields[text_field] or "").strip()
            if len(fields[text_field]) > limit:
                errors[text_field] = [_("At most %(n)s characters.") % {"n": limit}]
    if errors:
        raise ValidationError(errors)
    return fields


def _record_status_change(
    *, client: Client, old: RelationshipStatus | None, new: RelationshipStatus | None, actor: User
) -> None:
    if (old.pk if old else None) != (new.pk if new else None):
        StatusChange.objects.create(client=client, old_status=old, new_status=new, changed_by=actor)


_DETAIL_CHANGES = ("phones", "emails", "websites", "messengers", "addresses")


def _without_hidden_details(
    changes: dict[str, Any], *, details_visible: bool, target: str
) -> dict[str, Any]:
    """A user who may not see a confidential record's contact details and sensitive
    properties may not overwrite them either: those parts of a change are dropped."""
    if details_visible:
        return changes
    kept = {k: v for k, v in changes.items() if k not in _DETAIL_CHANGES}
    if isinstance(kept.get("properties"), dict):
        sensitive = set(
            PropertyDefinition.objects.filter(target=target, is_sensitive=True).values_list(
                "code", flat=True
            )
        )
        kept["properties"] = {k: v for k, v in kept["properties"].items() if k not in sensitive}
    return kept


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)


def _check_assignment(
    actor: User, *, manager: Any, department: Any, current_manager: Any, current_department: Any
) -> None:
    """Only those who may assign managers hand a client to someone else or move it to
    another department; a manager's own clients stay theirs."""
    if can_assign_manager(actor):
        return
    errors: dict[str, list[str]] = {}
    if manager is not None and str(_pk(manager)) != str(current_manager):
        errors["manager"] = [_("You may not assign clients to other managers.")]
    if department is not None and str(_pk(department)) != str(current_department):
        errors["department"] = [_("You may not move clients to another department.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def client_create(
    *,
    actor: User,
    name: str,
    kind: str = ClientKind.COMPANY,
    legal_name: str = "",
    tax_id: str = "",
    legal_form: str = "",
    tags: Iterable[Tag] = (),
    source: Source | None = None,
    status: RelationshipStatus | None = None,
    manager: User | None = None,
    department: Any = None,
    is_confidential: bool = False,
    notes: str = "",
    properties: dict[str, Any] | None = None,
    phones: ContactItems = None,
    emails: ContactItems = None,
    websites: ContactItems = None,
    messengers: ContactItems = None,
    addresses: ContactItems = None,
) -> Client:
    _require_writer(actor)
    fields = _clean_client_fields(
        {
            "kind": kind,
            "name": name,
            "legal_name": legal_name,
            "tax_id": tax_id,
            "legal_form": legal_form,
        },
        instance=None,
    )
    cleaned_points = clean_contact_points(
        {
            "phones": phones or [],
            "emails": emails or [],
            "websites": websites or [],
            "messengers": messengers or [],
        }
    )
    address_rows = clean_addresses(addresses or [])
    props = clean_property_values(target=PropertyTarget.CLIENT, values=properties or {})
    _check_assignment(
        actor,
        manager=manager,
        department=department,
        current_manager=actor.pk,
        current_department=actor.department_id,
    )
    if manager is None and actor.role in ("manager", "head"):
        manager = actor
    if department is None:
        department = manager.department if manager else actor.department
    client = Client(
        **fields,
        source=source,
        status=status,
        manager=manager,
        department=department,
        is_confidential=is_confidential,
        notes=notes or "",
        properties=props,
        created_by=actor,
        search_name=normalize.normalize_name(fields["name"]),
        name_key=normalize.name_key(fields["name"]),
    )
    save_as(actor, client)
    if tags:
        client.tags.set(tags)
    _sync_contact_points(owner=client, cleaned=cleaned_points, actor=actor)
    _sync_addresses(owner=client, rows=address_rows, actor=actor)
    _record_status_change(client=client, old=None, new=status, actor=actor)
    return client


@transaction.atomic
def client_update(*, actor: User, client: Client, **changes: Any) -> Client:
    """Change a client; only the given fields change. Contact lists given replace the
    existing ones; properties given are merged (None removes one)."""
    _require_writer(actor)
    if not access.can_edit(actor, client):
        raise PermissionDenied(_("You may not change this client."))
    unknown = (
        set(changes)
        - set(_CLIENT_FIELDS)
        - set(_CHANNEL_FIELDS)
        - {"tags", "properties", "addresses"}
    )
    if unknown:
        raise ValidationError({f: [_("Unknown field.")] for f in unknown})
    changes = _without_hidden_details(
        changes, details_visible=can_see_details(actor, client), target=PropertyTarget.CLIENT
    )
    _check_assignment(
        actor,
        manager=changes.get("manager"),
        department=changes.get("department"),
        current_manager=client.manager_id,
        current_department=client.department_id,
    )
    fields = _clean_client_fields(
        {k: v for k, v in changes.items() if k in _CLIENT_FIELDS}, instance=client
    )
    cleaned_points = clean_contact_points(
        {k: v for k, v in changes.items() if k in _CHANNEL_FIELDS}
    )
    address_rows = clean_addresses(changes.get("addresses"))
    if "properties" in changes:
        client.properties = clean_property_values(
            target=PropertyTarget.CLIENT, values=changes["properties"], existing=client.properties
        )
    old_status = client.status
    for name, value in fields.items():
        setattr(client, name, value)
    client.search_name = normalize.normalize_name(client.name)
    client.name_key = normalize.name_key(client.name)
    client.updated_at = timezone.now()
    save_as(actor, client)
    if "tags" in changes:
        client.tags.set(changes["tags"] or [])
    _sync_contact_points(owner=client, cleaned=cleaned_points, actor=actor)
    _sync_addresses(owner=client, rows=address_rows, actor=actor)
    if "status" in fields:
        _record_status_change(client=client, old=old_status, new=client.status, actor=actor)
    return client


def client_trash(*, actor: User, client: Client) -> None:
    mark_actor(client, actor)
    core_services.record_trash(actor=actor, record=client)


def client_restore(*, actor: User, client: Client) -> None:
    mark_actor(client, actor)
    core_services.record_restore(actor=actor, record=client)


def client_purge(*, actor: User, client: Client) -> None:
    core_services.record_purge(actor=actor, record=client)


@transaction.atomic
def client_share(*, actor: User, client: Client, user: User) -> ClientShare:
    if not access.can_edit(actor, client):
        raise PermissionDenied(_("You may not share this client."))
    share, _created = ClientShare.objects.get_or_create(client=client, user=user)
    core_services.audit_record(
        event="permission_change", actor=actor, client=str(client.pk), shared_with=str(user.pk)
    )
    return share


@transaction.atomic
def client_unshare(*, actor: User, client: Client, user: User) -> None:
    if not access.can_edit(actor, client):
        raise PermissionDenied(_("You may not change this client."))
    ClientShare.objects.filter(client=client, user=user).delete()
    core_services.audit_record(
        event="permission_change", actor=actor, client=str(client.pk), unshared_with=str(user.pk)
    )


class BatchAction:
    """What a batch change does; the value each needs is in brackets."""

    ASSIGN_MANAGER = "assign_manager"  # a manager, or None to clear
    SET_STATUS = "set_status"  # a status, or None to clear
    ADD_TAG = "add_tag"  # a category
    REMOVE_TAG = "remove_tag"  # a category
    SET_PROPERTY = "set_property"  # {"code", "value"}
    CLEAR_PROPERTY = "clear_property"  # {"code"}
    TRASH = "trash"
    choices = (
        ASSIGN_MANAGER,
        SET_STATUS,
        ADD_TAG,
        REMOVE_TAG,
        SET_PROPERTY,
        CLEAR_PROPERTY,
        TRASH,
    )


def batch_value(*, actor: User, action: str, value: Any) -> Any:
    """A batch action's value (ids as they come from a form, the API or a job's params)
    resolved to objects and validated, before any client is touched."""
    if action not in BatchAction.choices:
        raise ValidationError({"action": [_("Unknown batch action.")]})
    if action == BatchAction.ASSIGN_MANAGER:
        if not can_assign_manager(actor):
            raise PermissionDenied(_("You may not assign managers."))
        if not value:
            return None
        manager = assignable_managers(actor=actor).filter(pk=_pk_of(value)).first()
        if manager is None:
            raise ValidationError({"value": [_("Choose a manager.")]})
        return manager
    if action == BatchAction.SET_STATUS:
        if not value:
            return None
        status = RelationshipStatus.objects.filter(pk=_pk_of(value)).first()
        if status is None:
            raise ValidationError({"value": [_("Choose a status.")]})
        return status
    if action in (BatchAction.ADD_TAG, BatchAction.REMOVE_TAG):
        tag = Tag.objects.filter(pk=_pk_of(value)).first() if value else None
        if tag is None:
            raise ValidationError({"value": [_("Choose a category.")]})
        return tag
    if action in (BatchAction.SET_PROPERTY, BatchAction.CLEAR_PROPERTY):
        code = value.get("code", "") if isinstance(value, dict) else ""
        if not code:
            raise ValidationError({"value": [_("Choose a property.")]})
        given = value.get("value") if action == BatchAction.SET_PROPERTY else None
        if action == BatchAction.SET_PROPERTY and given in (None, "", []):
            raise ValidationError({"value": [_("Enter the value to set.")]})
        # Checks the code and the value against the property's definition.
        cleaned = clean_property_values(target=PropertyTarget.CLIENT, values={code: given})
        return {"code": code, "value": cleaned.get(code)}
    return None


def _pk_of(value: Any) -> Any:
    return getattr(value, "pk", value)


def client_batch_apply(*, actor: User, client: Client, action: str, value: Any) -> dict | None:
    """One batch action on one client (``value`` from ``batch_value``). Answers the values
    it replaced (what an undo restores), or None when the client already was so."""
    before: dict[str, Any]
    if action == BatchAction.ASSIGN_MANAGER:
        if client.manager_id == (value.pk if value else None):
            return None
        before = {
            "manager": _str_pk(client.manager_id),
            "department": _str_pk(client.department_id),
        }
        client_update(
            actor=actor,
            client=client,
            manager=value,
            department=value.department if value else client.department,
        )
    elif action == BatchAction.SET_STATUS:
        if client.status_id == (value.pk if value else None):
            return None
        before = {"status": _str_pk(client.status_id)}
        client_update(actor=actor, client=client, status=value)
    elif action in (BatchAction.ADD_TAG, BatchAction.REMOVE_TAG):
        tag_ids = [str(pk) for pk in client.tags.values_list("pk", flat=True)]
        if (str(value.pk) in tag_ids) == (action == BatchAction.ADD_TAG):
            return None
        before = {"tags": tag_ids}
        if action == BatchAction.ADD_TAG:
            client.tags.add(value)
        else:
            client.tags.remove(value)
        Client.objects.filter(pk=client.pk).update(updated_at=timezone.now())
    elif action in (BatchAction.SET_PROPERTY, BatchAction.CLEAR_PROPERTY):
        new = value["value"] if action == BatchAction.SET_PROPERTY else None
        if client.properties.get(value["code"]) == new:
            return None
        before = {"properties": dict(client.properties)}
        client_update(actor=actor, client=client, properties={value["code"]: new})
    elif action == BatchAction.TRASH:
        if client.deleted_at is not None:
            return None
        before = {"deleted_at": None, "deleted_by": None}
        client_trash(actor=actor, client=client)
    else:
        raise ValidationError({"action": [_("Unknown batch action.")]})
    return before


def _str_pk(value: Any) -> str | None:
    return str(value) if value else None


@transaction.atomic
def clients_batch(*, actor: User, client_ids: Iterable[Any], action: str, value: Any = None) -> int:
    """Apply one action to the selected clients that ``actor`` may change; answers how
    many were changed. Ids outside the scope are ignored, never revealed. (Every client
    matching a filter: ``parties.batch.clients_batch_start``, in the background.)"""
    _require_writer(actor)
    value = batch_value(actor=actor, action=action, value=value)
    clients = list(
        access.visible_to(actor, Client).filter(pk__in=list(client_ids)).select_related("status")
    )
    for client in clients:
        client_batch_apply(actor=actor, client=client, action=action, value=value)
    return len(clients)


# --- relations ------------------------------------------------------------------------


@transaction.atomic
def relation_add(
    *, actor: User, from_client: Client, to_client: Client, type: RelationType, note: str = ""
) -> ClientRelation:
    if not access.can_edit(actor, from_client):
        raise PermissionDenied(_("You may not change this client."))
    access.get_visible_or_404(actor, Client, to_client.pk)
    if from_client.pk == to_client.pk:
        raise ValidationError({"to_client": [_("A client cannot be related to itself.")]})
    relation, _created = ClientRelation.objects.get_or_create(
        from_client=from_client, to_client=to_client, type=type, defaults={"note": note}
    )
    return relation


def relation_remove(*, actor: User, relation: ClientRelation) -> None:
    if not access.can_edit(actor, relation.from_client):
        raise PermissionDenied(_("You may not change this client."))
    relation.delete()


# --- contact persons ------------------------------------------------------------------


def _clean_contact_fields(fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    for name in ("first_name", "middle_name", "last_name"):
        if name in fields:
            fields[name] = str(fields[name] or "").strip()
            if len(fields[name]) > 100:
                errors[name] = [_("At most 100 characters.")]
    if "last_name" in fields and not fields["last_name"] and not fields.get("first_name"):
        errors["last_name"] = [_("A contact person needs a name.")]
    if errors:
        raise ValidationError(errors)
    return fields


def _contact_search_name(contact: ContactPerson) -> str:
    return normalize.normalize_name(contact.full_name)


def _sync_roles(
    *, actor: User, contact: ContactPerson, roles: Sequence[dict[str, Any]] | None
) -> None:
    """Roles are [{client, position, role, is_primary}]; only visible clients count and
    links to clients the actor cannot see are kept untouched."""
    if roles is None:
        return
    visible = access.visible_to(actor, Client)
    wanted: dict[Any, dict[str, Any]] = {}
    for index, item in enumerate(roles, start=1):
        client = item.get("client")
        client_id: Any = getattr(client, "pk", client)
        if client_id is None or not visible.filter(pk=client_id).exists():
            raise ValidationError({"clients": [_("#%(n)s: no such client.") % {"n": index}]})
        wanted[client_id] = item
    for role in ContactRole.objects.filter(contact=contact):
        if role.client_id in wanted:
            item = wanted.pop(role.client_id)
            role.position = str(item.get("position") or "")[:200]
            role.role = str(item.get("role") or "")[:200]
            role.is_primary = bool(item.get("is_primary"))
            save_as(actor, role)
        elif visible.filter(pk=role.client_id).exists():
            delete_as(actor, role)
    for client_id, item in wanted.items():
        role = ContactRole(
            contact=contact,
            client_id=client_id,
            position=str(item.get("position") or "")[:200],
            role=str(item.get("role") or "")[:200],
            is_primary=bool(item.get("is_primary")),
        )
        save_as(actor, role)


@transaction.atomic
def contact_create(
    *,
    actor: User,
    last_name: str,
    first_name: str = "",
    middle_name: str = "",
    birthday: Any = None,
    preferred_channel: str = "",
    notes: str = "",
    properties: dict[str, Any] | None = None,
    roles: Sequence[dict[str, Any]] = (),
    phones: ContactItems = None,
    emails: ContactItems = None,
    messengers: ContactItems = None,
    addresses: ContactItems = None,
) -> ContactPerson:
    _require_writer(actor)
    fields = _clean_contact_fields(
        {"first_name": first_name, "middle_name": middle_name, "last_name": last_name}
    )
    cleaned_points = clean_contact_points(
        {"phones": phones or [], "emails": emails or [], "messengers": messengers or []}
    )
    address_rows = clean_addresses(addresses or [])
    props = clean_property_values(target=PropertyTarget.CONTACT, values=properties or {})
    contact = ContactPerson(
        **fields,
        birthday=birthday,
        preferred_channel=preferred_channel,
        notes=notes or "",
        properties=props,
        created_by=actor,
    )
    contact.search_name = _contact_search_name(contact)
    contact.name_key = normalize.name_key(contact.full_name)
    save_as(actor, contact)
    _sync_roles(actor=actor, contact=contact, roles=list(roles))
    _sync_contact_points(owner=contact, cleaned=cleaned_points, actor=actor)
    _sync_addresses(owner=contact, rows=address_rows, actor=actor)
    return contact


@transaction.atomic
def contact_update(*, actor: User, contact: ContactPerson, **changes: Any) -> ContactPerson:
    _require_writer(actor)
    if not access.can_edit(actor, contact):
        raise PermissionDenied(_("You may not change this contact person."))
    unknown = (
        set(changes)
        - set(_CONTACT_FIELDS)
        - {"phones", "emails", "messengers", "properties", "roles", "addresses"}
    )
    if unknown:
        raise ValidationError({f: [_("Unknown field.")] for f in unknown})
    changes = _without_hidden_details(
        changes,
        details_visible=can_see_contact_details(actor, contact),
        target=PropertyTarget.CONTACT,
    )
    fields = _clean_contact_fields({k: v for k, v in changes.items() if k in _CONTACT_FIELDS})
    cleaned_points = clean_contact_points(
        {k: v for k, v in changes.items() if k in ("phones", "emails", "messengers")}
    )
    address_rows = clean_addresses(changes.get("addresses"))
    if "properties" in changes:
        contact.properties = clean_property_values(
            target=PropertyTarget.CONTACT, values=changes["properties"], existing=contact.properties
        )
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.search_name = _contact_search_name(contact)
    contact.name_key = normalize.name_key(contact.full_name)
    contact.updated_at = timezone.now()
    save_as(actor, contact)
    _sync_roles(actor=actor, contact=contact, roles=changes.get("roles"))
    _sync_contact_points(owner=contact, cleaned=cleaned_points, actor=actor)
    _sync_addresses(owner=contact, rows=address_rows, actor=actor)
    return contact


def contact_trash(*, actor: User, contact: ContactPerson) -> None:
    mark_actor(contact, actor)
    core_services.record_trash(actor=actor, record=contact)


def contact_restore(*, actor: User, contact: ContactPerson) -> None:
    mark_actor(contact, actor)
    core_services.record_restore(actor=actor, record=contact)


# --- saved filters --------------------------------------------------------------------


def saved_filter_save(
    *, actor: User, name: str, query: str, list_name: str = "clients"
) -> SavedFilter:
    name = name.strip()[:100]
    if not name:
        raise ValidationError({"name": [_("Give the filter a name.")]})
    saved, _created = SavedFilter.objects.update_or_create(
        user=actor, list_name=list_name, name=name, defaults={"query": query[:2000]}
    )
    return saved


def saved_filter_delete(*, actor: User, saved_filter_id: Any) -> None:
    SavedFilter.objects.filter(user=actor, pk=saved_filter_id).delete()


def can_assign_manager(actor: User) -> bool:
    """Who may choose a client's manager and department: administrators, directors and
    heads of department (a manager's own new clients are assigned to that manager)."""
    from rapport.core.models import Role

    return bool(actor.can_write and (actor.sees_everything or actor.role == Role.HEAD))
