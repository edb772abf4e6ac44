"""The catalogue steps of an OData pull: goods (groups first, then the products whose
DataVersion changed) and prices (the price register read from a ``Period`` cursor, one
price list per 1C price type)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.catalog.models import (
    Currency,
    PriceList,
    PriceListItem,
    PriceType,
    Product,
    ProductGroup,
)
from rapport.exchange.onec.sync import Outcome
from rapport.exchange.onec.targets import catalog as _catalog_targets  # noqa: F401 (registers)

from .client import ODataError, datetime_literal, is_empty_ref
from .mapping import ObjectMap
from .pull_base import PullBase


class CatalogPull(PullBase):
    """Goods and prices (the steps of ``pull.Pull``)."""

    # -- goods -----------------------------------------------------------------------------
    def goods(self) -> None:
        om = self._map("goods")
        if om.has("is_folder"):
            folders = list(
                self.client.iterate(
                    om.entity_set,
                    select=om.select("ref", "name", "parent", "deleted"),
                    filter=f"{om.fields['is_folder']} eq true",
                )
            )
            with transaction.atomic():
                self._groups(om, folders)
            filter_ = f"{om.fields['is_folder']} eq false"
        else:
            filter_ = ""
        for page in self._changed(om, Product, filter=filter_):
            with transaction.atomic():
                for element in page:
                    self._product(om, element)

    def _groups(self, om: ObjectMap, folders: list[dict]) -> None:
        pending = {om.get(f, "ref"): f for f in folders if not om.get(f, "deleted", False)}
        done: set[str] = set()
        while pending:
            ready = [
                ref
                for ref, f in pending.items()
                if is_empty_ref(om.get(f, "parent"))
                or om.get(f, "parent") in done
                or om.get(f, "parent") not in pending
            ]
            if not ready:
                break
            for ref in ready:
                folder = pending.pop(ref)
                parent = om.get(folder, "parent")
                parent_id = (
                    None
                    if is_empty_ref(parent)
                    else self.run.find_ids(ProductGroup, [parent]).get(parent)
                )
                self.run.upsert(
                    target="group",
                    external_id=ref,
                    values={"name": str(om.get(folder, "name", "")).strip(), "parent": parent_id},
                    label=str(om.get(folder, "name", "")),
                    file=om.entity_set,
                )
                done.add(ref)

    def _product(self, om: ObjectMap, element: dict) -> None:
        ref = om.get(element, "ref")
        deleted = bool(om.get(element, "deleted", False))
        if deleted and not self.run.find_ids(Product, [ref]):
            return
        service = (
            bool(om.get(element, "is_service", False))
            or str(om.get(element, "goods_kind", "")) == "Услуга"
        )
        values: dict[str, Any] = {
            "name": str(om.get(element, "name", "")).strip(),
            "kind": "service" if service else "goods",
            "is_active": not deleted,
        }
        if om.has("sku"):
            values["sku"] = str(om.get(element, "sku", "")).strip()
        description = str(om.get(element, "description", "") or "").strip()
        full_name = str(om.get(element, "full_name", "") or "").strip()
        if full_name and full_name != values["name"]:
            description = "\n".join(p for p in (full_name, description) if p)
        if om.has("description") or om.has("full_name"):
            values["description"] = description
        parent = om.get(element, "parent")
        if om.has("parent"):
            values["group"] = (
                None
                if is_empty_ref(parent)
                else self.run.find_ids(ProductGroup, [parent]).get(parent)
            )
        _outcome, obj = self.run.upsert(
            target="product",
            external_id=ref,
            values=values,
            label=values["name"],
            file=om.entity_set,
        )
        if obj is not None:
            self._remember_version(obj, str(om.get(element, "version", "")))

    def prices(self) -> None:
        om = self._map("prices")
        types = self.profile.get("price_types") if self.profile else None
        cursor = dict((self.connection.options or {}).get("cursor") or {})
        since = cursor.get("prices_from")
        parts = []
        if om.has("active"):
            parts.append(f"{om.fields['active']} eq true")
        if since:
            parts.append(f"{om.fields['period']} ge {datetime_literal(since)}")
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        newest = since or ""
        for element in self.client.iterate(
            om.entity_set,
            select=om.select(),
            filter=" and ".join(parts),
            orderby=om.fields["period"],
        ):
            if om.has("variant") and not is_empty_ref(om.get(element, "variant")):
                continue  # prices of characteristics (variants) are not kept
            period = str(om.get(element, "period", ""))
            key = (str(om.get(element, "price_type")), str(om.get(element, "product")))
            if key not in latest or period >= str(latest[key]["period"]):
                latest[key] = {
                    "period": period,
                    "price": om.get(element, "price"),
                    "currency": om.get(element, "currency"),
                }
            newest = max(newest, period)
        by_type: dict[str, dict[str, dict[str, Any]]] = {}
        for (price_type, product), row in latest.items():
            by_type.setdefault(price_type, {})[product] = row
        with transaction.atomic():
            for price_type, rows in by_type.items():
                self._price_list(price_type, rows, types)
            if newest:
                self._save_cursor(prices_from=newest)

    def _price_list(self, type_ref: str, rows: dict[str, dict], types: ObjectMap | None) -> None:
        name, includes_vat, currency_ref = type_ref, True, None
        if types is not None:
            try:
                element = self.client.element(types.entity_set, type_ref, select=types.select())
                name = str(types.get(element, "name", type_ref))
                includes_vat = bool(types.get(element, "includes_vat", True))
                currency_ref = types.get(element, "currency")
            except ODataError:
                pass  # the price types are not published: the list is named by the id
        products = self.run.find_ids(Product, list(rows))
        items = []
        for product_ref, row in rows.items():
            if product_ref not in products:
                continue  # goods not pulled (or rejected): nothing to price
            try:
                price = Decimal(str(row["price"]))
            except InvalidOperation:
                self.run.reject(
                    "product",
                    _("Price of %(id)s: “%(value)s” is not a number.")
                    % {"id": product_ref, "value": row["price"]},
                    external_id=product_ref,
                )
                continue
            items.append((products[product_ref], price, row))
        if not items:
            return
        currency = self._currency(currency_ref or items[0][2].get("currency"))
        from rapport.catalog.services.prices import price_list_create, price_list_set_prices
        from rapport.catalog.services.reference import price_type_save

        try:
            with transaction.atomic():
                price_list = self.run.find(PriceList, type_ref)
                if price_list is None:
                    kind = self.run.find(PriceType, type_ref)
                    if kind is None:
                        kind = price_type_save(
                            actor=self.run.actor,
                            code=f"{self.connection.code[:22]}-{type_ref[:8]}".lower(),
                            name=name[:100],
                            includes_vat=includes_vat,
                        )
                        self.run.link(kind, type_ref)
                    first = min(str(r["period"]) for _p, _v, r in items)
                    price_list = price_list_create(
                        actor=self.run.actor,
                        name=f"1C: {name}"[:200],
                        price_type=kind,
                        currency=Currency.objects.filter(code=currency).first()
                        or Currency.objects.order_by("code").first(),
                        valid_from=dt.date.fromisoformat(first[:10]),
                    )
                    self.run.link(price_list, type_ref)
                existing = dict(
                    PriceListItem.objects.filter(price_list=price_list).values_list(
                        "product_id", "price"
                    )
                )
                changed = []
                for product_id, price, _row in items:
                    old = existing.get(_uuid(product_id))
                    if old is not None and Decimal(old) == price:
                        self.run.count(Outcome.UNCHANGED)
                        continue
                    self.run.count(Outcome.CREATED if old is None else Outcome.UPDATED)
                    changed.append({"product": product_id, "price": str(price)})
                if changed:
                    price_list_set_prices(
                        actor=self.run.actor, price_list=price_list, items=changed
                    )
        except (ValidationError, PermissionDenied) as exc:
            self.run.reject(
                "product",
                _("Prices “%(name)s”: %(reason)s") % {"name": name, "reason": _reason(exc)},
                external_id=type_ref,
                label=name,
            )


def _uuid(value: Any) -> Any:
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return value


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)
