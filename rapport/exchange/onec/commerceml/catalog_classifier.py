"""The classifier of a CommerceML catalogue, remembered per connection.

``Classifier(run, file)`` applies a file's groups (parents first, through the sync
layer), properties with their value variants, price types and warehouses, and answers
the CRM's record for a 1C id of any of them, also for a file sent without its
classifier: each record is linked to its 1C id (``ExternalId``) and what 1C said about
it (e.g. a property's variants, a price type's currency) is kept in ``SyncState``.
It also turns the property values of goods and offers into product properties.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from rapport.catalog.models import PriceType, ProductGroup, Warehouse
from rapport.catalog.services import reference as reference_services
from rapport.core.models import ExternalId, PropertyDefinition, PropertyTarget, PropertyType
from rapport.exchange.models import SyncState
from rapport.exchange.onec import sync

from . import catalog_parse as cml

TOTAL_WAREHOUSE_ID = "#total"
_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya i yi ye g"
_TRANSLIT = {
    c: ("" if latin == "-" else latin)
    for c, latin in zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ", _LATIN.split(), strict=True)
}
_PROPERTY_TYPES = {
    "строка": PropertyType.TEXT,
    "число": PropertyType.NUMBER,
    "справочник": PropertyType.CHOICE,
    "булево": PropertyType.BOOLEAN,
    "дата": PropertyType.DATE,
}


def transliterate(value: str) -> str:
    return "".join(
        _TRANSLIT.get(c, c) if c.lower() == c else _TRANSLIT.get(c.lower(), c) for c in value
    )


def ascii_code(value: str, *, max_length: int, fallback: str) -> str:
    code = slugify(transliterate(value or "")).replace("-", "_")[:max_length].strip("_")
    return code or fallback


def char_pairs(chars: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(property id, value) of a good's or offer's characteristics."""
    return [(char_id, value) for char_id, _name, value in chars]


class Classifier:
    """Groups, properties, price types and warehouses of one connection's catalogue."""

    def __init__(self, run: sync.ExchangeRun, file: str) -> None:
        self.run = run
        self.name = file
        self.actor = run.actor
        self.connection = run.connection
        self._groups: dict[str, str] | None = None  # 1C id -> our id
        self._properties: dict[str, tuple[PropertyDefinition, dict[str, str]]] | None = None
        self._price_types: dict[str, tuple[PriceType, str]] | None = None
        self._warehouses: dict[str, Warehouse] | None = None
        self._definitions: list[PropertyDefinition] | None = None

    def _links(self, model: type) -> dict[str, str]:
        return dict(
            ExternalId.objects.filter(
                content_type=self.run.content_type(model), system=self.connection.system
            ).values_list("value", "object_id")
        )

    def _remember(self, obj: Any, values: dict[str, Any]) -> None:
        """What 1C said about a classifier record, written only when it changed."""
        state = self.run.state_of(obj)
        digest = sync.digest(values)
        if state is not None and state.digest == digest:
            return
        state = state or SyncState(
            connection=self.connection,
            content_type=self.run.content_type(type(obj)),
            object_id=str(obj.pk),
        )
        state.values, state.digest, state.updated_at = values, digest, timezone.now()
        state.save()

    def group_ids(self) -> dict[str, str]:
        if self._groups is None:
            self._groups = self._links(ProductGroup)
        return self._groups

    def apply_groups(self, groups: list[cml.Group]) -> None:
        """Groups arrive innermost first; they are written parents first."""
        pending = {g.id: g for g in groups if g.id}
        known = self.group_ids()
        order: list[cml.Group] = []
        placed: set[str] = set()

        def place(group: cml.Group, depth: int = 0) -> None:
            if group.id in placed or depth > 100:
                return
            parent = pending.get(group.parent_id)
            if parent is not None:
                place(parent, depth + 1)
            placed.add(group.id)
            order.append(group)

        for group in pending.values():
            place(group)
        for group in order:
            parent_pk = known.get(group.parent_id) if group.parent_id else None

            def match(group: cml.Group = group, parent_pk: Any = parent_pk) -> Any:
                return ProductGroup.objects.filter(name=group.name, parent_id=parent_pk).first()

            _outcome, obj = self.run.upsert(
                target="group",
                external_id=group.id,
                values={"name": group.name, "parent": parent_pk},
                label=group.name,
                match=match,
                file=self.name,
            )
            if obj is not None:
                known[group.id] = str(obj.pk)

    def properties(self) -> dict[str, tuple[PropertyDefinition, dict[str, str]]]:
        if self._properties is None:
            links = self._links(PropertyDefinition)
            by_pk = {str(d.pk): d for d in PropertyDefinition.objects.filter(pk__in=links.values())}
            states = self.run.states_of(PropertyDefinition, by_pk)
            self._properties = {
                ext: (by_pk[pk], (states.get(pk) or {}).get("variants", {}))
                for ext, pk in links.items()
                if pk in by_pk
            }
        return self._properties

    def apply_property(self, prop: cml.Property, *, kind: str | None = None) -> None:
        if not prop.id:
            return
        known = self.properties()
        prop_type = kind or _PROPERTY_TYPES.get(prop.kind.strip().lower(), PropertyType.TEXT)
        choices = list(dict.fromkeys(v for v in prop.variants.values() if v))
        if prop_type == PropertyType.CHOICE and not choices:
            prop_type = PropertyType.TEXT  # values come as text when 1C lists no variants
        existing = known.get(prop.id)
        definition = existing[0] if existing else None
        if definition is None:
            code = ascii_code(prop.name, max_length=56, fallback="property")
            taken = set(
                PropertyDefinition.objects.filter(
                    target=PropertyTarget.PRODUCT, code__startswith=code
                ).values_list("code", flat=True)
            )
            unique, n = code, 1
            while unique in taken:
                n += 1
                unique = f"{code}_{n}"
            definition = PropertyDefinition.objects.create(
                target=PropertyTarget.PRODUCT,
                code=unique,
                label=(prop.name or prop.id)[:200],
                type=prop_type,
                choices=choices if prop_type == PropertyType.CHOICE else [],
            )
            self.run.link(definition, prop.id)
        else:
            changed = []
            if prop.name and definition.label != prop.name[:200]:
                definition.label = prop.name[:200]
                changed.append("label")
            if definition.type == PropertyType.CHOICE:
                merged = list(dict.fromkeys([*definition.choices, *choices]))
                if merged != definition.choices:
                    definition.choices = merged
                    changed.append("choices")
            if definition.is_active == prop.deleted:
                definition.is_active = not prop.deleted
                changed.append("is_active")
            if changed:
                definition.save(update_fields=changed)
                self._definitions = None
        variants = {**(existing[1] if existing else {}), **prop.variants}
        self._remember(definition, {"name": prop.name, "kind": prop.kind, "variants": variants})
        known[prop.id] = (definition, variants)
        self._definitions = None

    def price_types(self) -> dict[str, tuple[PriceType, str]]:
        if self._price_types is None:
            links = self._links(PriceType)
            by_pk = {str(p.pk): p for p in PriceType.objects.filter(pk__in=links.values())}
            states = self.run.states_of(PriceType, by_pk)
            self._price_types = {
                ext: (by_pk[pk], (states.get(pk) or {}).get("currency", ""))
                for ext, pk in links.items()
                if pk in by_pk
            }
        return self._price_types

    def apply_price_type(self, record: cml.PriceTypeDef) -> None:
        if not record.id:
            return
        known = self.price_types()
        found = known.get(record.id)
        price_type = found[0] if found else None
        includes_vat = True if record.vat_included is None else record.vat_included
        if price_type is None:
            code = ascii_code(record.name, max_length=24, fallback="price")
            taken = set(
                PriceType.objects.filter(code__startswith=code).values_list("code", flat=True)
            )
            unique, n = code, 1
            while unique in taken:
                n += 1
                unique = f"{code}_{n}"
            price_type = reference_services.price_type_save(
                actor=self.actor,
                code=unique,
                name=(record.name or record.id)[:100],
                includes_vat=includes_vat,
            )
            self.run.link(price_type, record.id)
        elif (price_type.name, price_type.includes_vat) != (record.name[:100], includes_vat):
            price_type = reference_services.price_type_save(
                actor=self.actor,
                price_type=price_type,
                code=price_type.code,
                name=record.name[:100] or price_type.name,
                includes_vat=includes_vat,
                is_default=price_type.is_default,
                is_active=price_type.is_active,
                position=price_type.position,
            )
        self._remember(price_type, {"name": record.name, "currency": record.currency})
        known[record.id] = (price_type, record.currency)

    def warehouses(self) -> dict[str, Warehouse]:
        if self._warehouses is None:
            links = self._links(Warehouse)
            by_pk = {str(w.pk): w for w in Warehouse.objects.filter(pk__in=links.values())}
            self._warehouses = {ext: by_pk[pk] for ext, pk in links.items() if pk in by_pk}
        return self._warehouses

    def apply_warehouse(self, record: cml.WarehouseDef) -> None:
        if not record.id:
            return
        known = self.warehouses()
        warehouse = known.get(record.id)
        name = (record.name or record.id).strip()[:200]
        if warehouse is None:
            warehouse = Warehouse.objects.filter(name=name).first()
            if warehouse is None:
                warehouse = Warehouse.objects.create(name=name, is_active=not record.deleted)
            self.run.link(warehouse, record.id)
        elif (warehouse.name, warehouse.is_active) != (name, not record.deleted):
            if not Warehouse.objects.filter(name=name).exclude(pk=warehouse.pk).exists():
                warehouse.name = name
            warehouse.is_active = not record.deleted
            warehouse.save(update_fields=["name", "is_active"])
        known[record.id] = warehouse

    def total_warehouse(self) -> Warehouse:
        known = self.warehouses()
        if TOTAL_WAREHOUSE_ID not in known:
            name = _("1C: %(name)s")[:200] % {"name": self.connection.name}
            warehouse = Warehouse.objects.filter(name=name[:200]).first()
            warehouse = warehouse or Warehouse.objects.create(name=name[:200])
            self.run.link(warehouse, TOTAL_WAREHOUSE_ID)
            known[TOTAL_WAREHOUSE_ID] = warehouse
        return known[TOTAL_WAREHOUSE_ID]

    def definitions(self) -> list[PropertyDefinition]:
        if self._definitions is None:
            self._definitions = list(
                PropertyDefinition.objects.filter(target=PropertyTarget.PRODUCT, is_active=True)
            )
        return self._definitions

    def property_values(self, pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
        known = self.properties()
        values: dict[str, Any] = {}
        for prop_id, raw in pairs:
            entry = known.get(prop_id)
            if entry is None or raw == "":
                continue
            definition, variants = entry
            value = variants.get(raw, raw)
            if definition.type == PropertyType.CHOICE and value not in definition.choices:
                definition.choices = [*definition.choices, value]
                definition.save(update_fields=["choices"])
                self._definitions = None
            values[definition.code] = value
        return values

    def characteristic_properties(self, chars: list[tuple[str, str, str]]) -> None:
        for char_id, name, _value in chars:
            if char_id and char_id not in self.properties():
                self.apply_property(
                    cml.Property(id=char_id, name=name, kind="Строка"), kind=PropertyType.TEXT
                )
