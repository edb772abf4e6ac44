"""Applying CommerceML catalogue files: groups, properties, units, goods, prices, stock.

``apply_catalog_file(run, path, progress)`` applies one file of a ``type=catalog``
session (``import*.xml``, ``offers*.xml``, CommerceML 3.1's ``import___*``,
``offers___*``, ``prices___*``, ``rests___*``). The classifier (groups, properties with
their value variants, price types, warehouses, units) is remembered per connection
(``ExternalId`` for the record, ``SyncState`` for what 1C said, e.g. the variants of a
property), so a file sent without its classifier still resolves every id.

Goods are applied in chunks of ``CHUNK`` with one query per chunk to resolve their 1C
ids, and bulk writes (with history rows) for what is new or changed. The semantics are
``ExchangeRun.upsert``'s: a product whose content is what 1C sent last time is
"unchanged" without being read; otherwise the ownership policy decides field by field
(``ExchangeRun.decide``), the catalogue's own validation applies (the rules of
``catalog.services.products``) and a refused product becomes a ``Rejection``. Each chunk
is one transaction together with the job's checkpoint, so a worker killed mid-file
resumes after the last chunk written, and nothing is imported twice.

A file that is not XML, declares a DTD, breaks off or is not CommerceML is refused whole
before anything is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from rapport.catalog.access import can_manage_catalog
from rapport.catalog.models import (
    Currency,
    PriceList,
    PriceListItem,
    PriceType,
    Product,
    ProductGroup,
    ProductKind,
    StockLevel,
    Unit,
    VatRate,
    Warehouse,
)
from rapport.catalog.services import prices as price_services
from rapport.catalog.services import reference as reference_services
from rapport.catalog.services._common import parse_decimal
from rapport.core import jobs
from rapport.core.models import ExternalId, PropertyDefinition, PropertyTarget, PropertyType
from rapport.core.properties import clean_property_values
from rapport.exchange.models import SyncState
from rapport.exchange.onec import sync, xml
from rapport.exchange.onec.targets import catalog as targets

from . import catalog_parse as cml

CHUNK = 1000
ROOT = "КоммерческаяИнформация"
# Where the per-file checkpoint lives in job.state.
STATE_KEY = "catalog"
# session.state keys: was a full catalogue uploaded, and which goods it held.
FULL_KEY = "catalog_full"
SEEN_KEY = "catalog_seen"
TOTAL_WAREHOUSE_ID = "#total"

_CURRENCY_ALIASES = {"руб": "RUB", "руб.": "RUB", "rur": "RUB", "643": "RUB", "грн": "UAH"}
_NO_VAT = {"без ндс", "безндс", "без налога", "no vat", "без пдв"}
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


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        parts = []
        for name, messages in exc.message_dict.items():
            joined = " ".join(str(m) for m in messages)
            parts.append(joined if name == "__all__" else f"{name}: {joined}")
        return "; ".join(parts)
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc)


def _described(label: str, external_id: str, reason: str) -> str:
    return _("%(object)s (1C id %(id)s): %(reason)s") % {
        "object": f"“{label}”" if label else _("Object"),
        "id": external_id,
        "reason": reason,
    }


# --- the public API ------------------------------------------------------------------------


def apply_catalog_file(run: sync.ExchangeRun, path: Path, progress: jobs.Progress) -> None:
    """Apply one catalogue file (see the module doc). Raises ``xml.XmlRefused`` (a
    ValueError with a readable message) for a file refused whole, PermissionDenied when
    the exchange's user may not change the catalogue."""
    path = Path(path)
    if not can_manage_catalog(run.actor):
        raise PermissionDenied(
            _(
                "The user the exchange acts as (%(user)s) may not change the catalogue: "
                "make it an administrator or director."
            )
            % {"user": run.actor or "-"}
        )
    name = path.name
    root = xml.root_name(path, name=name)
    if root != ROOT:
        raise xml.XmlRefused(
            _(
                "%(name)s is not a CommerceML file: its root element is “%(root)s”, "
                "expected “%(expected)s”."
            )
            % {"name": name, "root": root, "expected": ROOT}
        )
    # A file that breaks off half-way must not half-apply: read it through once first.
    for _element in xml.iter_elements(path, ("Товар", "Предложение"), name=name):
        pass
    _Applier(run, name, progress).apply(cml.read_catalog(path, name=name))


def deactivate_missing(run: sync.ExchangeRun) -> int:
    """Deactivate this connection's products missing from the session's full catalogue
    uploads (``СодержитТолькоИзменения=false``); answers how many were deactivated."""
    session = run.session
    if session is None or not (session.state or {}).get(FULL_KEY):
        return 0
    seen = set(session.state.get(SEEN_KEY) or [])
    links = ExternalId.objects.filter(
        content_type=run.content_type(Product), system=run.connection.system
    ).values_list("value", "object_id")
    missing = [pk for value, pk in links.iterator() if value.split("#", 1)[0] not in seen]
    done = 0
    now = timezone.now()
    for start in range(0, len(missing), CHUNK):
        ids = missing[start : start + CHUNK]
        with transaction.atomic():
            products = list(
                Product.objects.alive().filter(pk__in=ids, is_active=True).select_for_update()
            )
            for product in products:
                product.is_active = False
                product.updated_at = now
            bulk_update_with_history(
                products,
                Product,
                ["is_active", "updated_at"],
                default_user=run.actor,
                default_change_reason="1C: not in the full catalogue",
            )
            # What 1C "said" is now "inactive": if it sends the product again, the change
            # is seen and the product comes back.
            states = list(
                SyncState.objects.filter(
                    connection=run.connection,
                    content_type=run.content_type(Product),
                    object_id__in=[str(p.pk) for p in products],
                )
            )
            for state in states:
                state.values = {**state.values, "is_active": False}
                state.digest = sync.digest(state.values)
            SyncState.objects.bulk_update(states, ["values", "digest"])
            done += len(products)
    if done:
        run.count(sync.Outcome.UPDATED, done)
        run.flush()
    return done


# --- applying ------------------------------------------------------------------------------


class _Applier:
    def __init__(self, run: sync.ExchangeRun, name: str, progress: jobs.Progress) -> None:
        self.run = run
        self.name = name
        self.progress = progress
        self.actor = run.actor
        self.connection = run.connection
        state = dict((progress.job.state or {}).get(STATE_KEY) or {})
        self.skip = state.get("done", 0) if state.get("file") == name else 0
        self.done = 0
        self.header: cml.Header | None = None
        self.seen: list[str] = []
        self.groups: list[cml.Group] = []
        self._groups: dict[str, str] | None = None  # 1C id -> our id
        self._properties: dict[str, tuple[PropertyDefinition, dict[str, str]]] | None = None
        self._price_types: dict[str, tuple[PriceType, str]] | None = None
        self._warehouses: dict[str, Warehouse] | None = None
        self._units: dict[str, Unit] = {}
        self._vat: dict[str, VatRate | None] = {}
        self._currencies: dict[str, Currency] = {}
        self._price_lists: dict[tuple[Any, str], PriceList] = {}
        self._definitions: list[PropertyDefinition] | None = None

    # -- the stream ---------------------------------------------------------------------

    def apply(self, records: Iterator[cml.Record]) -> None:
        items: list[cml.Item] = []
        offers: list[cml.Offer] = []
        for record in records:
            if isinstance(record, cml.Group):
                self.groups.append(record)
                continue
            if self.groups:
                self._apply_groups()
            if isinstance(record, cml.Header):
                self.header = record
            elif isinstance(record, cml.Property):
                self._apply_property(record)
            elif isinstance(record, cml.PriceTypeDef):
                self._apply_price_type(record)
            elif isinstance(record, cml.WarehouseDef):
                self._apply_warehouse(record)
            elif isinstance(record, cml.UnitDef):
                self._apply_unit_def(record)
            elif isinstance(record, cml.Item):
                self.seen.append(record.id)
                if self._skipped():
                    continue
                items.append(record)
                if len(items) >= CHUNK:
                    self._chunk(items=items)
                    items = []
            elif isinstance(record, cml.Offer):
                if self._skipped():
                    continue
                offers.append(record)
                if len(offers) >= CHUNK:
                    self._chunk(offers=offers)
                    offers = []
        if self.groups:
            self._apply_groups()
        self._chunk(items=items, offers=offers, last=True)

    def _skipped(self) -> bool:
        """Objects up to the checkpoint were written by an earlier attempt."""
        if self.skip > 0:
            self.skip -= 1
            self.done += 1
            return True
        return False

    def _chunk(
        self,
        *,
        items: list[cml.Item] | None = None,
        offers: list[cml.Offer] | None = None,
        last: bool = False,
    ) -> None:
        items, offers = items or [], offers or []
        with transaction.atomic():
            if items:
                self._apply_items(items)
            if offers:
                self._apply_offers(offers)
            self.done += len(items) + len(offers)
            job_state = dict(self.progress.job.state or {})
            job_state[STATE_KEY] = {"file": self.name, "done": self.done}
            if last:
                job_state[STATE_KEY]["finished"] = True
                self._remember_seen()
            self.progress.advance(len(items) + len(offers), state=job_state)
            self.progress.flush(force=True)
            self.run.flush()

    def _remember_seen(self) -> None:
        session = self.run.session
        header = self.header
        if session is None or header is None or header.kind != "catalog" or header.only_changes:
            return
        if not self.seen:
            return
        state = dict(session.state or {})
        state[FULL_KEY] = True
        state[SEEN_KEY] = sorted(set(state.get(SEEN_KEY) or []) | set(self.seen))
        session.state = state
        session.save(update_fields=["state"])

    # -- classifier ---------------------------------------------------------------------

    def _links(self, model: type) -> dict[str, str]:
        return dict(
            ExternalId.objects.filter(
                content_type=self.run.content_type(model), system=self.connection.system
            ).values_list("value", "object_id")
        )

    def _link(self, obj: Any, external_id: str) -> None:
        self.run.link(obj, external_id)

    def _state(self, obj: Any) -> SyncState | None:
        return SyncState.objects.filter(
            connection=self.connection,
            content_type=self.run.content_type(type(obj)),
            object_id=str(obj.pk),
        ).first()

    def _remember(self, obj: Any, values: dict[str, Any]) -> None:
        """What 1C said about a classifier record, written only when it changed."""
        state = self._state(obj)
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

    def _apply_groups(self) -> None:
        """Groups arrive innermost first; they are written parents first."""
        pending = {g.id: g for g in self.groups if g.id}
        self.groups = []
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
            states = dict(
                SyncState.objects.filter(
                    connection=self.connection,
                    content_type=self.run.content_type(PropertyDefinition),
                    object_id__in=list(by_pk),
                ).values_list("object_id", "values")
            )
            self._properties = {
                ext: (by_pk[pk], (states.get(pk) or {}).get("variants", {}))
                for ext, pk in links.items()
                if pk in by_pk
            }
        return self._properties

    def _apply_property(self, prop: cml.Property, *, kind: str | None = None) -> None:
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
            self._link(definition, prop.id)
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
            states = dict(
                SyncState.objects.filter(
                    connection=self.connection,
                    content_type=self.run.content_type(PriceType),
                    object_id__in=list(by_pk),
                ).values_list("object_id", "values")
            )
            self._price_types = {
                ext: (by_pk[pk], (states.get(pk) or {}).get("currency", ""))
                for ext, pk in links.items()
                if pk in by_pk
            }
        return self._price_types

    def _apply_price_type(self, record: cml.PriceTypeDef) -> None:
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
            self._link(price_type, record.id)
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

    def _apply_warehouse(self, record: cml.WarehouseDef) -> None:
        if not record.id:
            return
        known = self.warehouses()
        warehouse = known.get(record.id)
        name = (record.name or record.id).strip()[:200]
        if warehouse is None:
            warehouse = Warehouse.objects.filter(name=name).first()
            if warehouse is None:
                warehouse = Warehouse.objects.create(name=name, is_active=not record.deleted)
            self._link(warehouse, record.id)
        elif (warehouse.name, warehouse.is_active) != (name, not record.deleted):
            if not Warehouse.objects.filter(name=name).exclude(pk=warehouse.pk).exists():
                warehouse.name = name
            warehouse.is_active = not record.deleted
            warehouse.save(update_fields=["name", "is_active"])
        known[record.id] = warehouse

    def _total_warehouse(self) -> Warehouse:
        known = self.warehouses()
        if TOTAL_WAREHOUSE_ID not in known:
            name = _("1C: %(name)s")[:200] % {"name": self.connection.name}
            warehouse = Warehouse.objects.filter(name=name[:200]).first()
            warehouse = warehouse or Warehouse.objects.create(name=name[:200])
            self._link(warehouse, TOTAL_WAREHOUSE_ID)
            known[TOTAL_WAREHOUSE_ID] = warehouse
        return known[TOTAL_WAREHOUSE_ID]

    def _apply_unit_def(self, record: cml.UnitDef) -> None:
        unit = self.unit(record.unit)
        if unit is not None and record.id:
            self._link(unit, record.id)
            self._units[f"id:{record.id}"] = unit

    def unit(self, ref: cml.UnitRef) -> Unit | None:
        if ref.is_empty:
            return None
        key = f"{ref.code}|{ref.name}|{ref.full_name}|{ref.international}"
        if key in self._units:
            return self._units[key]
        unit = None
        if ref.code and not ref.name and not ref.full_name:
            # 3.1 goods may name their unit by the classifier's Ид or by its code only.
            pk = self.run.find_ids(Unit, [ref.code]).get(ref.code)
            unit = Unit.objects.filter(pk=pk).first() if pk else None
        if unit is None and ref.code:
            unit = Unit.objects.filter(code=ref.code).order_by("name").first()
        name = (ref.name or ref.international or ref.full_name or ref.code)[:50]
        if unit is None:
            unit = Unit.objects.filter(name=name).first()
        if unit is None:
            unit = reference_services.unit_save(
                actor=self.actor, name=name, code=ref.code[:8], full_name=ref.full_name[:200]
            )
        self._units[key] = unit
        return unit

    def vat_rate(self, written: str | None) -> VatRate | None:
        if written is None or not written.strip():
            return None
        text = written.strip()
        if text in self._vat:
            return self._vat[text]
        if text.lower().replace("%", "").strip() in _NO_VAT:
            found = VatRate.objects.filter(rate__isnull=True).order_by("position").first()
            found = found or reference_services.vat_rate_save(
                actor=self.actor, name=_("Without VAT"), rate=None
            )
        else:
            try:
                rate = parse_decimal(text.rstrip("%").strip(), places=2, max_digits=5)
            except ValueError as exc:
                raise ValidationError(
                    {"vat_rate": [_("VAT rate “%(rate)s” is not a number.") % {"rate": text}]}
                ) from exc
            found = VatRate.objects.filter(rate=rate).order_by("-is_active", "position").first()
            if found is None:
                label = f"{format(rate.normalize(), 'f')}%"
                found = VatRate.objects.filter(name=label).first() or (
                    reference_services.vat_rate_save(actor=self.actor, name=label, rate=rate)
                )
        self._vat[text] = found
        return found

    def currency(self, written: str) -> Currency:
        text = (written or "").strip()
        code = _CURRENCY_ALIASES.get(text.lower(), text.upper())
        if code in self._currencies:
            return self._currencies[code]
        found = Currency.objects.filter(code=code).first()
        if found is None:
            if not re.fullmatch(r"[A-Z]{3}", code):
                raise ValueError(_("currency “%(code)s” is unknown.") % {"code": text})
            found = reference_services.currency_save(actor=self.actor, code=code, name=code)
        self._currencies[code] = found
        return found

    def definitions(self) -> list[PropertyDefinition]:
        if self._definitions is None:
            self._definitions = list(
                PropertyDefinition.objects.filter(target=PropertyTarget.PRODUCT, is_active=True)
            )
        return self._definitions

    # -- goods --------------------------------------------------------------------------

    def _item_values(self, item: cml.Item) -> dict[str, Any]:
        groups = self.group_ids()
        group = next((groups[g] for g in item.group_ids if g in groups), None)
        unit = self.unit(item.unit)
        vat = self.vat_rate(item.vat)
        kind = ProductKind.GOODS
        if item.requisites.get("ТипНоменклатуры", "").strip().lower() == "услуга":
            kind = ProductKind.SERVICE
        return {
            "name": item.name,
            "kind": str(kind),
            "sku": item.sku,
            "barcode": item.barcode,
            "group": group,
            "unit": str(unit.pk) if unit else None,
            "vat_rate": str(vat.pk) if vat else None,
            "description": item.description,
            "properties": self._property_values(item.properties + _chars(item.characteristics)),
            "is_active": not item.deleted,
        }

    def _property_values(self, pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
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

    def _characteristic_properties(self, chars: list[tuple[str, str, str]]) -> None:
        for char_id, name, _value in chars:
            if char_id and char_id not in self.properties():
                self._apply_property(
                    cml.Property(id=char_id, name=name, kind="Строка"), kind=PropertyType.TEXT
                )

    def _apply_items(self, items: list[cml.Item]) -> None:
        rows = []
        for item in items:
            self._characteristic_properties(item.characteristics)
            try:
                values = self._item_values(item)
            except (ValidationError, ValueError) as exc:
                self.run.reject(
                    "product",
                    _described(item.name, item.id, _reason(exc)),
                    external_id=item.id,
                    label=item.name,
                    file=self.name,
                )
                continue
            rows.append((item.id, values, item.name))
        ProductBatch(self.run, file=self.name, definitions=self.definitions()).apply(rows)

    # -- offers -------------------------------------------------------------------------

    def _apply_offers(self, offers: list[cml.Offer]) -> None:
        found = self.run.find_ids(Product, [o.id for o in offers])
        # Variants ("product#characteristic") are products of their own, made from the
        # product the first time 1C offers them.
        variants = [o for o in offers if o.id not in found and "#" in o.id]
        if variants:
            self._create_variants(variants)
            found = self.run.find_ids(Product, [o.id for o in offers])
        price_types = self.price_types()
        warehouses = self.warehouses()
        accepted: list[tuple[cml.Offer, str, list[tuple[PriceList, Decimal]], list[Any]]] = []
        for offer in offers:
            label = offer.name or offer.id
            product_id = found.get(offer.id)
            try:
                if product_id is None:
                    raise ValueError(
                        _("no product with this id came from 1C; upload the catalogue first.")
                    )
                prices = []
                for price in offer.prices:
                    entry = price_types.get(price.price_type_id)
                    if entry is None:
                        raise ValueError(
                            _("price type %(id)s is unknown.") % {"id": price.price_type_id}
                        )
                    try:
                        value = parse_decimal(price.value, places=4, max_digits=18)
                    except ValueError as exc:
                        raise ValueError(
                            _("price “%(price)s” is not a number.") % {"price": price.value}
                        ) from exc
                    if value < 0:
                        raise ValueError(
                            _("price “%(price)s” is negative.") % {"price": price.value}
                        )
                    currency = self.currency(price.currency or entry[1] or "RUB")
                    prices.append((self.price_list(entry[0], currency), value))
                stock = []
                for store_id, raw in offer.stock:
                    warehouse = warehouses.get(store_id)
                    if warehouse is None:
                        raise ValueError(_("warehouse %(id)s is unknown.") % {"id": store_id})
                    stock.append((warehouse, _quantity(raw)))
                if not offer.stock and offer.quantity is not None:
                    stock.append((self._total_warehouse(), _quantity(offer.quantity)))
            except (ValueError, ValidationError) as exc:
                self.run.reject(
                    "offer",
                    _described(label, offer.id, _reason(exc)),
                    external_id=offer.id,
                    label=label,
                    file=self.name,
                )
                continue
            accepted.append((offer, product_id, prices, stock))
        written = self._write_prices_and_stock(accepted)
        for _offer, product_id, _prices, _stock in accepted:
            outcome = sync.Outcome.UPDATED if product_id in written else sync.Outcome.UNCHANGED
            self.run.count(outcome)

    def _create_variants(self, offers: list[cml.Offer]) -> None:
        parents = self.run.find_ids(Product, [o.id.split("#", 1)[0] for o in offers])
        products = Product.objects.in_bulk([pk for pk in parents.values()])
        by_pk = {str(pk): p for pk, p in products.items()}
        rows = []
        for offer in offers:
            parent = by_pk.get(parents.get(offer.id.split("#", 1)[0], ""))
            if parent is None:
                continue
            self._characteristic_properties(offer.characteristics)
            values = targets.product_current(parent, targets.PRODUCT_VALUE_FIELDS)
            values["name"] = offer.name or parent.name
            # A variant shares its product's SKU and barcode in 1C; the catalogue keeps
            # them unique, so the variant carries its own only.
            values["sku"] = offer.sku if offer.sku != parent.sku else ""
            values["barcode"] = offer.barcode if offer.barcode != parent.barcode else ""
            props = dict(values["properties"])
            props.update(self._property_values(_chars(offer.characteristics)))
            values["properties"] = props
            unit = self.unit(offer.unit)
            if unit is not None:
                values["unit"] = str(unit.pk)
            rows.append((offer.id, values, values["name"]))
        ProductBatch(self.run, file=self.name, definitions=self.definitions()).apply(rows)

    def price_list(self, price_type: PriceType, currency: Currency) -> PriceList:
        key = (price_type.pk, currency.code)
        if key not in self._price_lists:
            found = (
                PriceList.objects.alive()
                .filter(price_type=price_type, currency=currency, is_active=True)
                .order_by("-valid_from")
                .first()
            )
            if found is None:
                found = price_services.price_list_create(
                    actor=self.actor,
                    name=f"{price_type.name} ({currency.code})",
                    price_type=price_type,
                    currency=currency,
                    valid_from=dt.date.today(),
                )
            self._price_lists[key] = found
        return self._price_lists[key]

    def _write_prices_and_stock(self, accepted: list[Any]) -> set[str]:
        written: set[str] = set()
        product_ids = [a[1] for a in accepted]
        if not product_ids:
            return written
        wanted_prices = {}
        wanted_stock = {}
        for _offer, product_id, prices, stock in accepted:
            for price_list, value in prices:
                wanted_prices[(str(price_list.pk), product_id)] = (price_list, value)
            for warehouse, quantity in stock:
                wanted_stock[(str(warehouse.pk), product_id)] = (warehouse, quantity)
        existing_prices = {
            (str(i.price_list_id), str(i.product_id)): i
            for i in PriceListItem.objects.filter(
                product_id__in=product_ids,
                price_list_id__in={k[0] for k in wanted_prices},
            )
        }
        new_items, changed_items = [], []
        for key, (price_list, value) in wanted_prices.items():
            item = existing_prices.get(key)
            if item is None:
                new_items.append(
                    PriceListItem(price_list=price_list, product_id=key[1], price=value)
                )
            elif item.price != value:
                item.price = value
                changed_items.append(item)
            else:
                continue
            written.add(key[1])
        PriceListItem.objects.bulk_create(new_items)
        PriceListItem.objects.bulk_update(changed_items, ["price"])
        touched_lists = {i.price_list_id for i in new_items + changed_items}
        if touched_lists:
            PriceList.objects.filter(pk__in=touched_lists).update(updated_at=timezone.now())
        existing_stock = {
            (str(s.warehouse_id), str(s.product_id)): s
            for s in StockLevel.objects.filter(
                product_id__in=product_ids, warehouse_id__in={k[0] for k in wanted_stock}
            )
        }
        new_levels, changed_levels = [], []
        now = timezone.now()
        for key, (warehouse, quantity) in wanted_stock.items():
            level = existing_stock.get(key)
            if level is None:
                new_levels.append(
                    StockLevel(warehouse=warehouse, product_id=key[1], quantity=quantity)
                )
            elif level.quantity != quantity:
                level.quantity, level.updated_at = quantity, now
                changed_levels.append(level)
            else:
                continue
            written.add(key[1])
        StockLevel.objects.bulk_create(new_levels)
        StockLevel.objects.bulk_update(changed_levels, ["quantity", "updated_at"])
        return written


def _chars(chars: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    return [(char_id, value) for char_id, _name, value in chars]


def _quantity(raw: str) -> Decimal:
    try:
        return parse_decimal(raw or "0", places=3, max_digits=18)
    except ValueError as exc:
        raise ValueError(_("quantity “%(value)s” is not a number.") % {"value": raw}) from exc


# --- the batched product path ----------------------------------------------------------------


class ProductBatch:
    """``ExchangeRun.upsert`` for many products at once (same outcome, same rules).

    One query resolves the chunk's 1C ids, one reads their sync states, one the products
    that may change, one each checks SKUs and barcodes; new and changed products are
    written with bulk inserts/updates together with their history rows.
    """

    def __init__(
        self,
        run: sync.ExchangeRun,
        *,
        file: str = "",
        definitions: list[PropertyDefinition] | None = None,
    ) -> None:
        self.run = run
        self.file = file
        self.spec = sync.TARGETS["product"]
        self.definitions = (
            definitions
            if definitions is not None
            else list(
                PropertyDefinition.objects.filter(target=PropertyTarget.PRODUCT, is_active=True)
            )
        )

    def reject(self, external_id: str, label: str, reason: str) -> None:
        self.run.reject(
            "product",
            _described(label, external_id, reason),
            external_id=external_id,
            label=label,
            file=self.file,
        )

    def apply(self, rows: list[tuple[str, dict[str, Any], str]]) -> dict[str, str]:
        """``rows``: (1C id, values, label). Answers {1C id: product id} of the applied."""
        by_id: dict[str, tuple[dict[str, Any], str]] = {}
        for external_id, values, label in rows:
            if not external_id:
                self.reject("", label, _("the object has no id."))
                continue
            by_id[external_id] = ({k: sync.json_value(v) for k, v in values.items()}, label)
        if not by_id:
            return {}
        run = self.run
        content_type = run.content_type(Product)
        linked = run.find_ids(Product, by_id)
        states = {
            s.object_id: s
            for s in SyncState.objects.filter(
                connection=run.connection, content_type=content_type, object_id__in=linked.values()
            )
        }
        result: dict[str, str] = {}
        maybe_changed: dict[str, str] = {}
        for external_id, (values, _label) in by_id.items():
            pk = linked.get(external_id)
            if pk is None:
                continue
            state = states.get(pk)
            if state is not None and state.digest == sync.digest(values):
                run.count(sync.Outcome.UNCHANGED)
                result[external_id] = pk
            else:
                maybe_changed[external_id] = pk
        products = {
            str(p.pk): p for p in Product.objects.filter(pk__in=list(maybe_changed.values()))
        }
        creates: list[tuple[str, Product, dict[str, Any]]] = []
        updates: list[tuple[str, Product, dict[str, Any], list[str]]] = []
        unchanged: list[tuple[str, Product, dict[str, Any]]] = []
        for external_id, (values, label) in by_id.items():
            pk = linked.get(external_id)
            if pk is not None and external_id not in maybe_changed:
                continue
            try:
                if pk is None or pk not in products:
                    product = Product(created_by=run.actor, properties={})
                    self._clean(product, values, values.get("properties") or {})
                    creates.append((external_id, product, values))
                    continue
                product = products[pk]
                if product.deleted_at is not None:
                    raise ValidationError(
                        _("the record is in the CRM's trash; restore it to receive 1C's changes.")
                    )
                incoming = dict(values)
                if "properties" in incoming:
                    incoming["properties"] = {
                        **(product.properties or {}),
                        **(incoming["properties"] or {}),
                    }
                state = states.get(pk)
                changes = run.decide(self.spec, product, incoming, state.values if state else None)
                if changes:
                    data = targets.product_current(product, targets.PRODUCT_VALUE_FIELDS)
                    data.update(changes)
                    self._clean(product, data, changes.get("properties"))
                    fields = [self._attname(f) for f in changes]
                    updates.append((external_id, product, values, fields))
                else:
                    unchanged.append((external_id, product, values))
            except (ValidationError, ValueError) as exc:
                self.reject(external_id, label, _reason(exc))
        creates, updates = self._unique(creates, updates)
        now = timezone.now()
        actor = run.actor
        new_products = [p for _e, p, _v in creates]
        for product in new_products:
            product.created_at = product.updated_at = now
        bulk_create_with_history(new_products, Product, default_user=actor, default_date=now)
        ExternalId.objects.bulk_create(
            [
                ExternalId(
                    content_type=content_type,
                    object_id=str(p.pk),
                    system=run.connection.system,
                    value=e,
                )
                for e, p, _v in creates
                if e not in linked
            ],
            ignore_conflicts=True,
        )
        relinked = [(e, p) for e, p, _v in creates if e in linked]
        for external_id, product in relinked:
            run.link(product, external_id)
        changed_products = []
        fields: set[str] = {"updated_at"}
        for _e, product, _v, names in updates:
            product.updated_at = now
            changed_products.append(product)
            fields.update(names)
        if changed_products:
            bulk_update_with_history(
                changed_products, Product, sorted(fields), default_user=actor, default_date=now
            )
        new_states, old_states = [], []
        for external_id, product, values in [
            *creates,
            *[(e, p, v) for e, p, v, _n in updates],
            *unchanged,
        ]:
            state = states.get(str(product.pk))
            if state is None:
                new_states.append(
                    SyncState(
                        connection=run.connection,
                        content_type=content_type,
                        object_id=str(product.pk),
                        values=values,
                        digest=sync.digest(values),
                        updated_at=now,
                    )
                )
            else:
                state.values = {**(state.values or {}), **values}
                state.digest, state.updated_at = sync.digest(values), now
                old_states.append(state)
            result[external_id] = str(product.pk)
        SyncState.objects.bulk_create(new_states)
        SyncState.objects.bulk_update(old_states, ["values", "digest", "updated_at"])
        run.count(sync.Outcome.CREATED, len(creates))
        run.count(sync.Outcome.UPDATED, len(updates))
        run.count(sync.Outcome.UNCHANGED, len(unchanged))
        return result

    @staticmethod
    def _attname(name: str) -> str:
        return f"{name}_id" if name in ("group", "unit", "vat_rate") else name

    def _clean(
        self, product: Product, data: dict[str, Any], properties: dict[str, Any] | None
    ) -> None:
        """The checks of ``catalog.services.products`` except uniqueness (``_unique``)."""
        errors: dict[str, list[str]] = {}

        def text(field: str, limit: int) -> str:
            value = "" if data.get(field) is None else str(data[field]).strip()
            if len(value) > limit:
                errors.setdefault(field, []).append(
                    _("At most %(count)d characters.") % {"count": limit}
                )
            return value

        product.name = text("name", 300)
        if not product.name:
            errors.setdefault("name", []).append(_("This field is required."))
        kind = data.get("kind") or ProductKind.GOODS
        if kind not in ProductKind.values:
            errors.setdefault("kind", []).append(
                _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(ProductKind.values)}
            )
        product.kind = kind
        product.sku = text("sku", 64)
        product.barcode = text("barcode", 64)
        product.description = text("description", 20000)
        product.is_active = bool(data.get("is_active", True))
        product.group_id = data.get("group") or None
        product.unit_id = data.get("unit") or None
        product.vat_rate_id = data.get("vat_rate") or None
        try:
            product.properties = clean_property_values(
                target=PropertyTarget.PRODUCT,
                values=properties,
                existing=product.properties,
                definitions=self.definitions,
            )
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def _unique(self, creates: list[Any], updates: list[Any]) -> tuple[list[Any], list[Any]]:
        """SKU and barcode stay unique among live products (the catalogue's rule)."""
        candidates = [(e, p) for e, p, _v in creates] + [(e, p) for e, p, _v, _n in updates]
        if not candidates:
            return creates, updates
        taken: dict[str, dict[str, str]] = {}
        for field in ("sku", "barcode"):
            values = {getattr(p, field) for _e, p in candidates if getattr(p, field)}
            taken[field] = {
                value: str(pk)
                for value, pk in Product.objects.alive()
                .filter(**{f"{field}__in": values})
                .values_list(field, "pk")
            }
        refused: set[str] = set()
        for external_id, product in candidates:
            for field, message in (
                ("sku", _("Another product already has the SKU “%(value)s”.")),
                ("barcode", _("Another product already has the barcode “%(value)s”.")),
            ):
                value = getattr(product, field)
                if not value:
                    continue
                owner = taken[field].get(value)
                if owner is not None and owner != str(product.pk):
                    self.reject(
                        external_id, product.name, f"{field}: " + message % {"value": value}
                    )
                    refused.add(external_id)
                    break
                taken[field][value] = str(product.pk)
            if external_id in refused:
                continue
        return (
            [c for c in creates if c[0] not in refused],
            [u for u in updates if u[0] not in refused],
        )
