"""Offers of a CommerceML catalogue: prices, stock and product variants.

``Offers(run, file, classifier, references).apply(offers)`` writes the prices
(``PriceListItem`` of the price list of each price type and currency) and stock levels
(``StockLevel`` per warehouse, or on the connection's "total" warehouse when 1C sends a
quantity only) of a chunk of offers, with bulk writes of what changed. An offer of a
variant ("product#characteristic") first makes the variant a product of its own; an
offer that cannot be applied becomes a rejected "offer".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.models import (
    Currency,
    PriceList,
    PriceListItem,
    PriceType,
    Product,
    StockLevel,
)
from rapport.catalog.services import prices as price_services
from rapport.catalog.services._common import parse_decimal
from rapport.exchange.onec import sync
from rapport.exchange.onec.targets import catalog as targets

from . import catalog_parse as cml
from .catalog_batch import ProductBatch, described
from .catalog_classifier import Classifier, char_pairs
from .catalog_reference import References


class Offers:
    """Applies the offers of one file, chunk by chunk."""

    def __init__(
        self, run: sync.ExchangeRun, file: str, classifier: Classifier, references: References
    ) -> None:
        self.run = run
        self.name = file
        self.actor = run.actor
        self.classifier = classifier
        self.references = references
        self._price_lists: dict[tuple[Any, str], PriceList] = {}

    def apply(self, offers: list[cml.Offer]) -> None:
        found = self.run.find_ids(Product, [o.id for o in offers])
        # Variants ("product#characteristic") are products of their own, made from the
        # product the first time 1C offers them.
        variants = [o for o in offers if o.id not in found and "#" in o.id]
        if variants:
            self._create_variants(variants)
            found = self.run.find_ids(Product, [o.id for o in offers])
        price_types = self.classifier.price_types()
        warehouses = self.classifier.warehouses()
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
                    currency = self.references.currency(price.currency or entry[1] or "RUB")
                    prices.append((self.price_list(entry[0], currency), value))
                stock = []
                for store_id, raw in offer.stock:
                    warehouse = warehouses.get(store_id)
                    if warehouse is None:
                        raise ValueError(_("warehouse %(id)s is unknown.") % {"id": store_id})
                    stock.append((warehouse, _quantity(raw)))
                if not offer.stock and offer.quantity is not None:
                    stock.append((self.classifier.total_warehouse(), _quantity(offer.quantity)))
            except (ValueError, ValidationError) as exc:
                self.run.reject(
                    "offer",
                    described(label, offer.id, sync.readable(exc)),
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
            self.classifier.characteristic_properties(offer.characteristics)
            values = targets.product_current(parent, targets.PRODUCT_VALUE_FIELDS)
            values["name"] = offer.name or parent.name
            # A variant shares its product's SKU and barcode in 1C; the catalogue keeps
            # them unique, so the variant carries its own only.
            values["sku"] = offer.sku if offer.sku != parent.sku else ""
            values["barcode"] = offer.barcode if offer.barcode != parent.barcode else ""
            props = dict(values["properties"])
            props.update(self.classifier.property_values(char_pairs(offer.characteristics)))
            values["properties"] = props
            unit = self.references.unit(offer.unit)
            if unit is not None:
                values["unit"] = str(unit.pk)
            rows.append((offer.id, values, values["name"]))
        batch = ProductBatch(self.run, file=self.name, definitions=self.classifier.definitions())
        batch.apply(rows)

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


def _quantity(raw: str) -> Decimal:
    try:
        return parse_decimal(raw or "0", places=3, max_digits=18)
    except ValueError as exc:
        raise ValueError(_("quantity “%(value)s” is not a number.") % {"value": raw}) from exc
