"""The rows of an export: the list's records (as filtered and sorted on the list page, within
the actor's scope) turned into text cells in the order of the column catalogue.

Reads only, through the parties selectors; VIP masking: confidential columns and sensitive
properties are blank where ``can_see_details`` says the actor may not see them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import translation

from rapport.core.models import ExternalId, PropertyDefinition, PropertyTarget, PropertyType, User
from rapport.exchange.fields import (
    CLIENT_COLUMNS,
    CONTACT_COLUMNS,
    LIST_SEPARATOR,
    Column,
    property_column_key,
)
from rapport.parties import forms as party_forms
from rapport.parties import selectors as party_selectors
from rapport.parties.access import can_see_details
from rapport.parties.models import ChannelKind, Client, ContactPerson, ContactPoint, Tag
from rapport.parties.selectors import LIST_SORTS as SORTS

TARGETS = ("clients", "contacts")
DEFAULT_EXTERNAL_SYSTEM = "import"
CHUNK_SIZE = 1000

# Yes/no words the import accepts, per language (see fields.py: is_confidential).
_YES_NO = {"ru": ("да", "нет"), "pl": ("tak", "nie")}


def yes_no(value: bool, language: str) -> str:
    yes, no = _YES_NO.get((language or "en")[:2], ("yes", "no"))
    return yes if value else no


@dataclass
class ExportSource:
    """What to export: the records, the columns and the property definitions."""

    target: str
    queryset: QuerySet[Any]
    columns: tuple[Column, ...]
    definitions: list[PropertyDefinition]

    def header(self, language: str) -> list[tuple[str, str]]:
        """(key, label) of every column, labels in ``language``."""
        with translation.override(language):
            labels = [(c.key, str(c.label)) for c in self.columns]
        return labels + [(property_column_key(d.code), d.label) for d in self.definitions]


def _client_filters_query(params: QueryDict) -> QueryDict:
    """The API may say ``search`` where the list page says ``q``."""
    if "search" in params and "q" not in params:
        params = params.copy()
        params["q"] = params["search"]
    return params


def export_source(*, actor: User, target: str, params: QueryDict) -> ExportSource:
    """The records of the list page ``target`` filtered by its query string ``params``."""
    if target == "clients":
        definitions = party_selectors.property_definitions(PropertyTarget.CLIENT)
        filters = party_forms.client_filters(_client_filters_query(params), definitions)
        sort = params.get("sort", "name")
        fields = SORTS.get(sort) or SORTS["name"]
        qs = (
            party_selectors.client_list(actor=actor, filters=filters)
            .select_related("source", "department")
            .order_by(*[f"-{n}" if desc else n for n, desc in fields])
        )
        return ExportSource(target, qs, CLIENT_COLUMNS, list(definitions.values()))
    if target == "contacts":
        definitions = party_selectors.property_definitions(PropertyTarget.CONTACT)
        props = {
            k: v
            for k, v in params.items()
            if k.startswith("prop_") and v != "" and k[5:].partition("__")[0] in definitions
        }
        qs = party_selectors.contact_list(
            actor=actor,
            search=(params.get("q") or params.get("search") or "").strip()[:200],
            client=_uuid_or_nothing(params.get("client", "")),
            properties=props,
        ).order_by("name_order", "id")
        return ExportSource(target, qs, CONTACT_COLUMNS, list(definitions.values()))
    raise ValueError(f"Unknown export target {target!r}")


def _uuid_or_nothing(value: str) -> str | None:
    import uuid

    value = (value or "").strip()
    if not value:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return "00000000-0000-0000-0000-000000000000"  # matches nothing, as on the list page


def chunks(qs: QuerySet[Any], size: int = CHUNK_SIZE) -> Iterator[list[Any]]:
    """The queryset in lists of ``size`` records, streamed (memory stays flat); a record a
    joining visibility rule repeats (repeats are adjacent in the order) comes once."""
    last_pk = None
    iterator = qs.iterator(chunk_size=size)
    while True:
        batch = []
        for record in islice(iterator, size):
            if record.pk != last_pk:
                batch.append(record)
            last_pk = record.pk
        if not batch:
            return
        yield batch


# --- cells ------------------------------------------------------------------------------


def property_text(definition: PropertyDefinition, value: Any, language: str) -> str:
    """A property value as the import reads it back."""
    if value in (None, "", []):
        return ""
    kind = definition.type
    if kind == PropertyType.BOOLEAN:
        return yes_no(bool(value), language)
    if kind == PropertyType.MULTI_CHOICE:
        return LIST_SEPARATOR.join(str(v) for v in value)
    if kind == PropertyType.USER:
        user = User.objects.filter(pk=value).only("username").first()
        return user.username if user else ""
    return str(value)


def _properties(
    record: Any, definitions: list[PropertyDefinition], shown: bool, language: str
) -> list[str]:
    values = record.properties or {}
    return [
        "" if (d.is_sensitive and not shown) else property_text(d, values.get(d.code), language)
        for d in definitions
    ]


def _external_ids(model: type[Any], ids: list[Any], system: str) -> dict[str, str]:
    content_type = ContentType.objects.get_for_model(model)
    return dict(
        ExternalId.objects.filter(
            content_type=content_type, system=system, object_id__in=[str(i) for i in ids]
        ).values_list("object_id", "value")
    )


def _address_line(address: dict[str, str]) -> str:
    parts = (address.get(k, "") for k in ("postal_code", "country", "region", "city", "street"))
    return ", ".join(p for p in parts if p)


def client_rows(
    source: ExportSource,
    batch: list[Client],
    *,
    actor: User,
    language: str,
    tag_names: dict[Any, str],
    system: str = DEFAULT_EXTERNAL_SYSTEM,
) -> list[list[str]]:
    party_selectors.client_page_details(batch, actor=actor)
    external = _external_ids(Client, [c.pk for c in batch], system)
    rows = []
    for client in batch:
        shown = can_see_details(actor, client)
        points = client.page_points
        values = {
            "id": str(client.pk),
            "external_id": external.get(str(client.pk), ""),
            "kind": client.kind,
            "name": client.name,
            "legal_name": client.legal_name,
            "tax_id": client.tax_id,
            "legal_form": client.legal_form,
            "status": client.status.name if client.status_id else "",
            "manager": client.manager.username if client.manager_id else "",
            "department": client.department.name if client.department_id else "",
            "source": client.source.name if client.source_id else "",
            "tags": LIST_SEPARATOR.join(tag_names.get(t, "") for t in client.page_tag_ids),
            "is_confidential": yes_no(client.is_confidential, language),
            "phones": _joined(points.get(ChannelKind.PHONE)),
            "emails": _joined(points.get(ChannelKind.EMAIL)),
            "websites": _joined(points.get(ChannelKind.WEBSITE)),
            "address": _address_line(client.page_addresses[0]) if client.page_addresses else "",
            "notes": client.notes,
        }
        row = [
            "" if (c.confidential and not shown) else values.get(c.key, "") for c in source.columns
        ]
        rows.append(row + _properties(client, source.definitions, shown, language))
    return rows


def _joined(points: list[dict[str, str]] | None) -> str:
    return LIST_SEPARATOR.join(p["value"] for p in points or [])


def contact_details(
    batch: list[ContactPerson], *, actor: User
) -> dict[Any, dict[str, list[dict[str, str]]]]:
    """Attach ``visible_roles`` and ``masked`` to a batch of contact persons and answer
    every phone and e-mail of those whose details ``actor`` may see."""
    party_selectors.contact_list_page_rows(batch, actor=actor)
    shown = [c.pk for c in batch if not c.masked]
    points: dict[Any, dict[str, list[dict[str, str]]]] = {}
    if shown:
        for contact_id, channel, value, kind in (
            ContactPoint.objects.filter(
                contact_id__in=shown, channel__in=[ChannelKind.PHONE, ChannelKind.EMAIL]
            )
            .order_by("channel", "position")
            .values_list("contact_id", "channel", "value", "type")
        ):
            points.setdefault(contact_id, {}).setdefault(channel, []).append(
                {"value": value, "type": kind}
            )
    return points


def main_role(contact: ContactPerson) -> Any:
    """The contact's place shown in exports: the main one among those the actor sees."""
    roles = sorted(contact.visible_roles, key=lambda r: (not r.is_primary, r.client.name))
    return roles[0] if roles else None


def contact_rows(
    source: ExportSource,
    batch: list[ContactPerson],
    *,
    actor: User,
    language: str,
    system: str = DEFAULT_EXTERNAL_SYSTEM,
) -> list[list[str]]:
    points = contact_details(batch, actor=actor)
    external = _external_ids(ContactPerson, [c.pk for c in batch], system)
    rows = []
    for contact in batch:
        shown = not contact.masked
        role = main_role(contact)
        own = points.get(contact.pk, {})
        values = {
            "id": str(contact.pk),
            "external_id": external.get(str(contact.pk), ""),
            "last_name": contact.last_name,
            "first_name": contact.first_name,
            "middle_name": contact.middle_name,
            "client": role.client.name if role else "",
            "client_tax_id": role.client.tax_id if role else "",
            "position": role.position if role else "",
            "birthday": contact.birthday.isoformat() if contact.birthday else "",
            "phones": _joined(own.get(ChannelKind.PHONE)),
            "emails": _joined(own.get(ChannelKind.EMAIL)),
            "notes": contact.notes,
        }
        row = [
            "" if (c.confidential and not shown) else values.get(c.key, "") for c in source.columns
        ]
        rows.append(row + _properties(contact, source.definitions, shown, language))
    return rows


def row_chunks(
    source: ExportSource, *, actor: User, language: str, size: int = CHUNK_SIZE
) -> Iterator[list[list[str]]]:
    """Every row of the export, ``size`` at a time (a few queries per chunk)."""
    tag_names = dict(Tag.objects.values_list("pk", "name")) if source.target == "clients" else {}
    for batch in chunks(source.queryset, size):
        if source.target == "clients":
            yield client_rows(source, batch, actor=actor, language=language, tag_names=tag_names)
        else:
            yield contact_rows(source, batch, actor=actor, language=language)
