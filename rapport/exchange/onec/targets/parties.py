"""Clients (1C's counterparties) and contact persons as exchange targets.

Values every channel passes (all optional but ``name`` / ``last_name``):

- client: ``kind`` ("company" | "person"), ``name``, ``legal_name``, ``tax_id``, ``kpp``,
  ``phones`` / ``emails`` (lists of ``{"value", "type"}`` or plain strings), ``addresses``
  (lists of ``{"type", "country", "postal_code", "region", "city", "street"}``).
- contact: ``last_name``, ``first_name``, ``middle_name``, ``phones``, ``emails``,
  ``client`` (our client's id) and ``position``.

KPP (the Russian tax registration reason code) is kept in the client property ``kpp``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from rapport.core.models import PropertyDefinition, PropertyTarget, PropertyType
from rapport.parties import services as party_services
from rapport.parties.models import (
    Address,
    ChannelKind,
    Client,
    ClientKind,
    ContactPerson,
    ContactRole,
)
from rapport.parties.normalize import normalize_email, normalize_phone, normalize_tax_id

from ..sync import ExchangeRun, Target, register

KPP_PROPERTY = "kpp"
CONTRACTS_PROPERTY = "onec_contracts"
# Client properties the exchange fills, created the first time they are needed (an
# administrator may rename them, or delete them to stop the exchange filling them...
# until the next connection is set up).
EXCHANGE_PROPERTIES = (
    (KPP_PROPERTY, gettext_noop("KPP")),
    (CONTRACTS_PROPERTY, gettext_noop("Contracts in 1C")),
)
_ADDRESS_PARTS = ("country", "postal_code", "region", "city", "street")


def _items(values: Any) -> list[dict[str, str]]:
    """Contact lists as the parties services take them."""
    rows = []
    for item in values or []:
        if isinstance(item, dict):
            value = str(item.get("value") or "").strip()
            kind = str(item.get("type") or "")
        else:
            value, kind = str(item or "").strip(), ""
        if value:
            rows.append({"value": value, "type": kind})
    return rows


def _points(record: Client | ContactPerson, channel: str) -> list[dict[str, str]]:
    return [
        {"value": p.value, "type": p.type}
        for p in record.contact_points.all()
        if p.channel == channel
    ]


def _addresses(record: Client | ContactPerson) -> list[dict[str, str]]:
    rows = Address.objects.filter(**{"client" if isinstance(record, Client) else "contact": record})
    return [{"type": a.type, **{f: getattr(a, f) for f in _ADDRESS_PARTS}} for a in rows]


def _fold_phone(value: str) -> str:
    try:
        return normalize_phone(value) or value
    except Exception:
        return value.strip()


def comparable(name: str, value: Any) -> Any:
    """Both sides folded: formats of phones, case of e-mails, spaces, order of lists."""
    if name == "phones":
        return sorted(_fold_phone(i["value"]) for i in _items(value))
    if name == "emails":
        return sorted(normalize_email(i["value"]) or i["value"].lower() for i in _items(value))
    if name == "addresses":
        return sorted(
            tuple(str((row or {}).get(f) or "").strip().lower() for f in _ADDRESS_PARTS)
            for row in value or []
        )
    if name == "tax_id":
        return normalize_tax_id(str(value or ""))
    if name == "client":
        # A contact person of several clients: 1C naming one of them is no change.
        return sorted(value) if isinstance(value, list) else [str(value or "")]
    if isinstance(value, str) or value is None:
        return " ".join(str(value or "").split())
    return value


# --- clients -------------------------------------------------------------------------


def _client_kwargs(values: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for name in ("kind", "name", "legal_name", "tax_id"):
        if name in values:
            kwargs[name] = str(values[name] or "")
    for name in ("phones", "emails"):
        if name in values:
            kwargs[name] = _items(values[name])
    if "addresses" in values:
        kwargs["addresses"] = list(values["addresses"] or [])
    return kwargs


def ensure_client_properties() -> None:
    """Create the client properties the exchange fills if they do not exist yet."""
    existing = set(
        PropertyDefinition.objects.filter(
            target=PropertyTarget.CLIENT, code__in=[c for c, _l in EXCHANGE_PROPERTIES]
        ).values_list("code", flat=True)
    )
    for position, (code, label) in enumerate(EXCHANGE_PROPERTIES, start=900):
        if code not in existing:
            PropertyDefinition.objects.create(
                target=PropertyTarget.CLIENT,
                code=code,
                label=_(label),
                type=PropertyType.TEXT,
                position=position,
            )


def _kpp_property(values: dict[str, Any]) -> dict[str, Any] | None:
    if "kpp" not in values:
        return None
    ensure_client_properties()
    return {KPP_PROPERTY: str(values["kpp"] or "") or None}


def create_client(run: ExchangeRun, values: dict[str, Any]) -> Client:
    kwargs = _client_kwargs(values)
    kwargs.setdefault("kind", ClientKind.COMPANY)
    properties = _kpp_property(values)
    if properties and any(properties.values()):
        kwargs["properties"] = properties
    return party_services.client_create(
        actor=run.actor,
        manager=run.connection.default_manager or run.actor,
        **kwargs,
    )


def update_client(run: ExchangeRun, client: Model, changes: dict[str, Any]) -> Client:
    assert isinstance(client, Client)
    kwargs = _client_kwargs(changes)
    properties = _kpp_property(changes)
    if properties is not None:
        kwargs["properties"] = properties
    return party_services.client_update(actor=run.actor, client=client, **kwargs)


def current_client(client: Model, names: Iterable[str]) -> dict[str, Any]:
    assert isinstance(client, Client)
    values: dict[str, Any] = {}
    for name in names:
        if name == "kpp":
            values[name] = str((client.properties or {}).get(KPP_PROPERTY) or "")
        elif name == "phones":
            values[name] = _points(client, ChannelKind.PHONE)
        elif name == "emails":
            values[name] = _points(client, ChannelKind.EMAIL)
        elif name == "addresses":
            values[name] = _addresses(client)
        else:
            values[name] = getattr(client, name, None)
    return values


def match_client(tax_id: str, kpp: str = "") -> Any:
    """A ``match`` for ``upsert``: the one live client with this tax id (and KPP, when
    several branches share the tax id)."""

    def find() -> Client | None:
        key = normalize_tax_id(tax_id or "")
        if not key:
            return None
        found = list(Client.objects.filter(tax_id=key, deleted_at__isnull=True)[:20])
        if kpp and len(found) > 1:
            found = [c for c in found if (c.properties or {}).get(KPP_PROPERTY) == kpp] or found
        return found[0] if found else None

    return find


register(
    Target(
        name="client",
        model=Client,
        create=create_client,
        update=update_client,
        current=current_client,
        comparable=comparable,
    )
)


# --- contact persons -----------------------------------------------------------------


def _contact_kwargs(values: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for name in ("last_name", "first_name", "middle_name"):
        if name in values:
            kwargs[name] = str(values[name] or "")
    for name in ("phones", "emails"):
        if name in values:
            kwargs[name] = _items(values[name])
    return kwargs


def create_contact(run: ExchangeRun, values: dict[str, Any]) -> ContactPerson:
    kwargs = _contact_kwargs(values)
    if values.get("client"):
        kwargs["roles"] = [
            {"client": values["client"], "position": str(values.get("position") or "")}
        ]
    return party_services.contact_create(actor=run.actor, **kwargs)


def update_contact(run: ExchangeRun, contact: Model, changes: dict[str, Any]) -> ContactPerson:
    assert isinstance(contact, ContactPerson)
    kwargs = _contact_kwargs(changes)
    if "client" in changes or "position" in changes:
        roles = {
            str(r.client_id): {"client": r.client_id, "position": r.position, "role": r.role}
            for r in ContactRole.objects.filter(contact=contact)
        }
        client_id = str(changes.get("client") or next(iter(roles), ""))
        if client_id:
            row = roles.setdefault(client_id, {"client": client_id, "position": "", "role": ""})
            if "position" in changes:
                row["position"] = str(changes["position"] or "")
            kwargs["roles"] = list(roles.values())
    return party_services.contact_update(actor=run.actor, contact=contact, **kwargs)


def current_contact(contact: Model, names: Iterable[str]) -> dict[str, Any]:
    assert isinstance(contact, ContactPerson)
    roles = list(ContactRole.objects.filter(contact=contact))
    values: dict[str, Any] = {}
    for name in names:
        if name == "phones":
            values[name] = _points(contact, ChannelKind.PHONE)
        elif name == "emails":
            values[name] = _points(contact, ChannelKind.EMAIL)
        elif name == "client":
            values[name] = sorted(str(r.client_id) for r in roles)
        elif name == "position":
            values[name] = roles[0].position if roles else ""
        else:
            values[name] = getattr(contact, name, None)
    return values


register(
    Target(
        name="contact",
        model=ContactPerson,
        create=create_contact,
        update=update_contact,
        current=current_contact,
        comparable=comparable,
    )
)
