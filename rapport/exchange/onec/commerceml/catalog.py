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

The work is shared out: ``catalog_classifier`` (groups, properties, price types,
warehouses), ``catalog_reference`` (units, VAT rates, currencies), ``catalog_batch``
(``ProductBatch``, the bulk product writer) and ``catalog_offers`` (prices, stock,
variants); this module holds the entry points, the stream with its checkpoints and the
goods.

A file that is not XML, declares a DTD, breaks off or is not CommerceML is refused whole
before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from rapport.catalog.access import can_manage_catalog
from rapport.catalog.models import Product, ProductKind
from rapport.core import jobs
from rapport.core.models import ExternalId
from rapport.exchange.models import SyncState
from rapport.exchange.onec import sync, xml

from . import catalog_parse as cml
from .catalog_batch import ProductBatch, described
from .catalog_classifier import Classifier, char_pairs
from .catalog_offers import Offers
from .catalog_reference import References

CHUNK = 1000
ROOT = "КоммерческаяИнформация"
# Where the per-file checkpoint lives in job.state.
STATE_KEY = "catalog"
# session.state keys: was a full catalogue uploaded, and which goods it held.
FULL_KEY = "catalog_full"
SEEN_KEY = "catalog_seen"


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
        state = dict((progress.job.state or {}).get(STATE_KEY) or {})
        self.skip = state.get("done", 0) if state.get("file") == name else 0
        self.done = 0
        self.header: cml.Header | None = None
        self.seen: list[str] = []
        self.groups: list[cml.Group] = []
        self.classifier = Classifier(run, name)
        self.references = References(run)
        self.offers = Offers(run, name, self.classifier, self.references)

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
                self.classifier.apply_property(record)
            elif isinstance(record, cml.PriceTypeDef):
                self.classifier.apply_price_type(record)
            elif isinstance(record, cml.WarehouseDef):
                self.classifier.apply_warehouse(record)
            elif isinstance(record, cml.UnitDef):
                self.references.apply_unit_def(record)
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
                self.offers.apply(offers)
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

    def _apply_groups(self) -> None:
        """Groups arrive innermost first: they are applied once the run of them ends."""
        groups, self.groups = self.groups, []
        self.classifier.apply_groups(groups)

    # -- goods --------------------------------------------------------------------------

    def _item_values(self, item: cml.Item) -> dict[str, Any]:
        groups = self.classifier.group_ids()
        group = next((groups[g] for g in item.group_ids if g in groups), None)
        unit = self.references.unit(item.unit)
        vat = self.references.vat_rate(item.vat)
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
            "properties": self.classifier.property_values(
                item.properties + char_pairs(item.characteristics)
            ),
            "is_active": not item.deleted,
        }

    def _apply_items(self, items: list[cml.Item]) -> None:
        rows = []
        for item in items:
            self.classifier.characteristic_properties(item.characteristics)
            try:
                values = self._item_values(item)
            except (ValidationError, ValueError) as exc:
                self.run.reject(
                    "product",
                    described(item.name, item.id, sync.readable(exc)),
                    external_id=item.id,
                    label=item.name,
                    file=self.name,
                )
                continue
            rows.append((item.id, values, item.name))
        batch = ProductBatch(self.run, file=self.name, definitions=self.classifier.definitions())
        batch.apply(rows)
