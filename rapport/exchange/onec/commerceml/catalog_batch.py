"""The batched product writer of the CommerceML catalogue import.

``ProductBatch(run).apply(rows)`` is ``ExchangeRun.upsert`` for a chunk of products at
once: the same outcomes, ownership decisions and validation (the rules of
``catalog.services.products``), written with bulk inserts/updates and their history
rows. ``described`` words a rejection the way every part of the catalogue import does.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from rapport.catalog.models import Product, ProductKind
from rapport.core.models import ExternalId, PropertyDefinition, PropertyTarget
from rapport.core.properties import clean_property_values
from rapport.exchange.models import SyncState
from rapport.exchange.onec import sync
from rapport.exchange.onec.targets import catalog as targets


def described(label: str, external_id: str, reason: str) -> str:
    return _("%(object)s (1C id %(id)s): %(reason)s") % {
        "object": f"“{label}”" if label else _("Object"),
        "id": external_id,
        "reason": reason,
    }


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
            described(label, external_id, reason),
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
                self.reject(external_id, label, sync.readable(exc))
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
