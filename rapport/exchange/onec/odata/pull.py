"""Incremental pulls from a 1C infobase over OData, applied through ``onec.sync``.

One pull reads ``$metadata``, builds the field maps (``mapping.build``) and then reads the
objects the connection is set to read, in this order: counterparties (clients, with their
phones, e-mails and addresses from ``КонтактнаяИнформация``), contact persons, contracts,
goods (groups first), prices, payments received. Everything is written with
``ExchangeRun.upsert`` (targets client / contact / group / product / payment), so the
ownership policy, conflicts, rejections and "same data twice changes nothing" apply.

Incremental:
- catalogues: a light listing (``Ref_Key``, ``DataVersion``) is compared with the
  DataVersion remembered with the record's ``SyncState`` (key ``@DataVersion``); only new
  or changed elements are read in full (``Ref_Key eq guid'…' or …``, 20 at a time);
- documents (payments) and the price register: ``$filter`` on ``Date`` / ``Period`` from a
  cursor kept in ``Connection.options["cursor"]`` (payments look back
  ``PAYMENT_LOOKBACK_DAYS`` because 1C lets people edit older documents).

Each page of objects is applied in one transaction with the versions it brings, so a
connection that fails halfway keeps only complete objects and the next pull carries on.

Contracts are kept as the client property ``onec_contracts`` (text, one line per
contract, 1C is the master); the property is created on first use when the acting user
may create properties, otherwise contracts are listed as rejected with the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.billing.models import Invoice
from rapport.catalog.models import (
    Currency,
    PriceList,
    PriceListItem,
    PriceType,
    Product,
    ProductGroup,
)
from rapport.core.models import PropertyDefinition, PropertyTarget
from rapport.exchange.models import Connection, ExchangeSession, SyncState
from rapport.exchange.onec.sync import ExchangeRun, Outcome
from rapport.exchange.onec.targets import catalog as _catalog_targets  # noqa: F401 (registers)
from rapport.exchange.onec.targets.parties import (
    CONTRACTS_PROPERTY,
    ensure_client_properties,
    match_client,
)
from rapport.exchange.onec.xml import XmlRefused
from rapport.parties.models import Client, ClientKind

from .client import ODataClient, ODataError, datetime_literal, guid, is_empty_ref
from .mapping import CASH_DOCUMENTS, OBJECTS, ObjectMap, Profile, build
from .metadata import read_metadata

VERSION_KEY = "@DataVersion"
PAYMENT_LOOKBACK_DAYS = 30
BATCH = 20
PERSON_KINDS = {"ФизическоеЛицо", "ФизЛицо", "ЧастноеЛицо"}
PAYMENT_OPERATIONS = {"ОплатаПокупателя", "ПоступлениеОплатыОтКлиента"}
ISO_CURRENCIES = {
    "643": "RUB", "840": "USD", "978": "EUR", "933": "BYN", "398": "KZT", "980": "UAH",
    "985": "PLN", "156": "CNY", "826": "GBP", "756": "CHF", "051": "AMD", "860": "UZS",
}  # fmt: skip
COUNTRIES = {
    "РОССИЯ": "RU", "БЕЛАРУСЬ": "BY", "КАЗАХСТАН": "KZ", "УКРАИНА": "UA", "ПОЛЬША": "PL",
    "АРМЕНИЯ": "AM", "КИРГИЗИЯ": "KG", "УЗБЕКИСТАН": "UZ", "ГЕРМАНИЯ": "DE", "КИТАЙ": "CN",
}  # fmt: skip
_POSTAL = re.compile(r"^\s*(\d{6})\s*,?\s*")


def default_objects() -> list[str]:
    return ["counterparties", "contacts", "contracts", "goods", "prices", "payments"]


def read_profile(client: ODataClient, configuration: str = "auto") -> Profile:
    with client.metadata() as handle:
        meta = read_metadata(handle)
    return build(meta, configuration)


def client_for(connection: Connection, **kwargs: Any) -> ODataClient:
    options = connection.options or {}
    return ODataClient(
        options.get("base_url", ""),
        options.get("username", ""),
        connection.secret,
        **kwargs,
    )


@dataclass
class Pull:
    """One pull of one connection (``run()`` does it all)."""

    connection: Connection
    session: ExchangeSession
    client: ODataClient
    run: ExchangeRun = field(init=False)
    profile: Profile | None = None
    log: list[str] = field(default_factory=list)
    _currencies: dict[str, str | None] = field(default_factory=dict)
    _partner_clients: dict[str, str | None] = field(default_factory=dict)
    _partners: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.run = ExchangeRun.for_session(self.session)

    # -- the whole pull --------------------------------------------------------------------
    def run_all(self, objects: Iterable[str] | None = None) -> Profile:
        options = self.connection.options or {}
        self.profile = read_profile(self.client, options.get("configuration") or "auto")
        wanted = list(objects or options.get("objects") or default_objects())
        steps: dict[str, Callable[[], None]] = {
            "counterparties": self.counterparties,
            "contacts": self.contacts,
            "contracts": self.contracts,
            "goods": self.goods,
            "prices": self.prices,
            "payments": self.payments,
        }
        for key in steps:
            if key not in wanted:
                continue
            if self.profile.get(key) is None:
                self.log.append(
                    _("%(object)s: not published by this infobase (%(names)s).")
                    % {"object": key, "names": self.profile.missing.get(key, "")}
                )
                continue
            steps[key]()
            self.run.flush()
        return self.profile

    # -- helpers ---------------------------------------------------------------------------
    def _map(self, key: str) -> ObjectMap:
        assert self.profile is not None
        found = self.profile.get(key)
        assert found is not None
        return found

    def _known_versions(self, model: type, refs: list[str]) -> dict[str, str]:
        """{Ref_Key: DataVersion remembered} for the records this connection knows."""
        ids = self.run.find_ids(model, refs)
        if not ids:
            return {}
        states = dict(
            SyncState.objects.filter(
                connection=self.connection,
                content_type=self.run.content_type(model),
                object_id__in=list(ids.values()),
            ).values_list("object_id", "values")
        )
        return {
            ref: (states.get(object_id) or {}).get(VERSION_KEY, "")
            for ref, object_id in ids.items()
        }

    def _remember_version(self, obj: Any, version: str) -> None:
        state = SyncState.objects.filter(
            connection=self.connection,
            content_type=self.run.content_type(type(obj)),
            object_id=str(obj.pk),
        ).first()
        if state is not None and (state.values or {}).get(VERSION_KEY) != version:
            state.values = {**(state.values or {}), VERSION_KEY: version}
            state.save(update_fields=["values"])

    def _changed(
        self, om: ObjectMap, model: type, *, filter: str = "", versions_of: Callable | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of full elements that are new or whose DataVersion changed."""
        light = om.select("ref", "version")
        page: list[dict[str, Any]] = []
        for element in self.client.iterate(om.entity_set, select=light, filter=filter):
            page.append(element)
            if len(page) >= self.client.page_size:
                yield from self._fetch_changed(om, model, page, versions_of)
                page = []
        if page:
            yield from self._fetch_changed(om, model, page, versions_of)

    def _fetch_changed(
        self, om: ObjectMap, model: type, page: list[dict], versions_of: Callable | None
    ) -> Iterator[list[dict[str, Any]]]:
        refs = [om.get(e, "ref") for e in page]
        known = self._known_versions(model, refs)
        wanted = [
            ref
            for ref, element in zip(refs, page, strict=True)
            if not om.has("version") or known.get(ref) != self._version(om, element, versions_of)
        ]
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            expression = " or ".join(f"{om.fields['ref']} eq {guid(ref)}" for ref in chunk)
            yield self.client.query(om.entity_set, select=om.select(), filter=expression)["value"]

    @staticmethod
    def _version(om: ObjectMap, element: dict, versions_of: Callable | None) -> str:
        version = str(om.get(element, "version", ""))
        return versions_of(element, version) if versions_of else version

    def _label(self, om: ObjectMap, element: dict) -> str:
        return str(om.get(element, "name") or om.get(element, "number") or om.get(element, "ref"))

    # -- counterparties ---------------------------------------------------------------------
    def _partner_versions(self) -> dict[str, str]:
        partners = self.profile.get("partners") if self.profile else None
        if partners is None or not partners.has("version"):
            return {}
        return {
            partners.get(e, "ref"): str(partners.get(e, "version", ""))
            for e in self.client.iterate(
                partners.entity_set, select=partners.select("ref", "version")
            )
        }

    def _partner(self, ref: str) -> dict[str, Any]:
        partners = self.profile.get("partners") if self.profile else None
        if partners is None or is_empty_ref(ref):
            return {}
        if ref not in self._partners:
            self._partners[ref] = self.client.element(
                partners.entity_set, ref, select=partners.select()
            )
        return self._partners[ref]

    def counterparties(self) -> None:
        om = self._map("counterparties")
        partner_versions = self._partner_versions()

        def versions_of(element: dict, version: str) -> str:
            partner = om.get(element, "partner")
            return f"{version}/{partner_versions.get(partner, '')}" if partner else version

        filter_ = f"{om.fields['is_folder']} eq false" if om.has("is_folder") else ""
        light = om.select("ref", "version", "partner") if om.has("partner") else None
        for page in self._changed_pages(om, Client, filter_, versions_of, light):
            with transaction.atomic():
                for element in page:
                    self._counterparty(
                        om, element, versions_of(element, str(om.get(element, "version", "")))
                    )

    def _changed_pages(self, om, model, filter_, versions_of, light) -> Iterator[list[dict]]:
        if light is None:
            yield from self._changed(om, model, filter=filter_, versions_of=versions_of)
            return
        # The version also depends on a field of the light listing (the partner).
        page: list[dict[str, Any]] = []
        for element in self.client.iterate(om.entity_set, select=light, filter=filter_):
            page.append(element)
            if len(page) >= self.client.page_size:
                yield from self._fetch_changed(om, model, page, versions_of)
                page = []
        if page:
            yield from self._fetch_changed(om, model, page, versions_of)

    def _counterparty(self, om: ObjectMap, element: dict, version: str) -> None:
        ref = om.get(element, "ref")
        label = self._label(om, element)
        if om.get(element, "deleted", False) and not self.run.find_ids(Client, [ref]):
            return  # marked for deletion in 1C and never pulled: nothing to do
        values: dict[str, Any] = {"name": str(om.get(element, "name", "")).strip()}
        if om.has("legal_name"):
            values["legal_name"] = str(om.get(element, "legal_name", "")).strip()
        if om.has("tax_id"):
            values["tax_id"] = str(om.get(element, "tax_id", "")).strip()
        if om.has("kpp"):
            values["kpp"] = str(om.get(element, "kpp", "")).strip()
        if om.has("legal_kind"):
            kind = str(om.get(element, "legal_kind", ""))
            values["kind"] = ClientKind.PERSON if kind in PERSON_KINDS else ClientKind.COMPANY
        info_rows = om.rows(element, "contact_info")
        partner = self._partner(om.get(element, "partner", "")) if om.has("partner") else {}
        if partner and not any(r.get("kind") != "Адрес" for r in info_rows):
            partner_map = self._map("partners")
            info_rows = info_rows + [
                r for r in partner_map.rows(partner, "contact_info") if r.get("kind") != "Адрес"
            ]
        if "contact_info" in om.sections:
            values.update(contact_info(info_rows, addresses=True))
        _outcome, obj = self.run.upsert(
            target="client",
            external_id=ref,
            values=values,
            label=label,
            match=match_client(values.get("tax_id", ""), values.get("kpp", "")),
            file=om.entity_set,
        )
        if obj is not None:
            self._remember_version(obj, version)

    # -- contact persons ----------------------------------------------------------------
    def _clients_of_partner(self, partner: str) -> str | None:
        if partner not in self._partner_clients:
            counterparties = self._map("counterparties")
            refs = [
                counterparties.get(e, "ref")
                for e in self.client.query(
                    counterparties.entity_set,
                    select=counterparties.select("ref"),
                    filter=f"{counterparties.fields['partner']} eq {guid(partner)}",
                )["value"]
            ]
            ids = self.run.find_ids(Client, refs)
            self._partner_clients[partner] = next((ids[r] for r in refs if r in ids), None)
        return self._partner_clients[partner]

    def _owner_client(self, om: ObjectMap, element: dict) -> tuple[bool, str | None]:
        """(belongs to a counterparty or partner?, our client's id)."""
        owner = str(om.get(element, "owner", ""))
        if is_empty_ref(owner):
            return False, None
        owner_type = str(om.get(element, "owner_type", ""))
        if owner_type and not owner_type.endswith(("Catalog_Контрагенты", "Catalog_Партнеры")):
            return False, None
        profile = self.profile
        if (
            profile is not None
            and profile.get("partners") is not None
            and om.fields.get("owner") == "Owner_Key"
            and profile.get("counterparties") is not None
            and self._map("counterparties").has("partner")
        ):
            return True, self._clients_of_partner(owner)
        return True, self.run.find_ids(Client, [owner]).get(owner)

    def contacts(self) -> None:
        om = self._map("contacts")
        from rapport.parties.models import ContactPerson

        for page in self._changed(om, ContactPerson):
            with transaction.atomic():
                for element in page:
                    self._contact(om, element, ContactPerson)

    def _contact(self, om: ObjectMap, element: dict, model: type) -> None:
        ref = om.get(element, "ref")
        label = self._label(om, element)
        if om.get(element, "deleted", False) and not self.run.find_ids(model, [ref]):
            return
        belongs, client_id = self._owner_client(om, element)
        if not belongs:
            return  # a contact person of something else (an organisation, a bank...)
        if client_id is None:
            self.run.reject(
                "contact",
                _(
                    "Contact person “%(name)s” (1C id %(id)s): their counterparty is not in "
                    "the CRM; pull counterparties first."
                )
                % {"name": label, "id": ref},
                external_id=ref,
                label=label,
                file=om.entity_set,
            )
            return
        last, first, middle = (
            str(om.get(element, "last_name", "")).strip(),
            str(om.get(element, "first_name", "")).strip(),
            str(om.get(element, "middle_name", "")).strip(),
        )
        if not (last or first):
            parts = str(om.get(element, "name", "")).split()
            last = parts[0] if parts else ""
            first = parts[1] if len(parts) > 1 else ""
            middle = " ".join(parts[2:])
        values: dict[str, Any] = {
            "last_name": last,
            "first_name": first,
            "middle_name": middle,
            "client": client_id,
        }
        if om.has("position"):
            values["position"] = str(om.get(element, "position", "")).strip()
        if "contact_info" in om.sections:
            values.update(contact_info(om.rows(element, "contact_info"), addresses=False))
        _outcome, obj = self.run.upsert(
            target="contact", external_id=ref, values=values, label=label, file=om.entity_set
        )
        if obj is not None:
            self._remember_version(obj, str(om.get(element, "version", "")))

    # -- contracts -----------------------------------------------------------------------
    def _contracts_property(self) -> bool:
        ensure_client_properties()
        return PropertyDefinition.objects.filter(
            target=PropertyTarget.CLIENT, code=CONTRACTS_PROPERTY
        ).exists()

    def contracts(self) -> None:
        om = self._map("contracts")
        filter_ = f"{om.fields['deleted']} eq false" if om.has("deleted") else ""
        lines: dict[str, list[str]] = {}
        for element in self.client.iterate(om.entity_set, select=om.select(), filter=filter_):
            if om.get(element, "is_folder", False):
                continue
            lines.setdefault(om.get(element, "counterparty"), []).append(contract_line(om, element))
        clients = self.run.find_ids(Client, list(lines))
        if not self._contracts_property():
            for ref in lines:
                self.run.reject(
                    "client",
                    _(
                        "Contracts of counterparty %(id)s: the client property “%(code)s” does "
                        "not exist; an administrator can add a text property with this code."
                    )
                    % {"id": ref, "code": CONTRACTS_PROPERTY},
                    external_id=ref,
                    file=om.entity_set,
                )
            return
        from rapport.parties.services import client_update

        with transaction.atomic():
            for ref, rows in lines.items():
                client_id = clients.get(ref)
                client = Client.objects.filter(pk=client_id, deleted_at__isnull=True).first()
                if client is None:
                    continue  # a supplier's contract or a counterparty not pulled
                text = "\n".join(sorted(rows))
                if (client.properties or {}).get(CONTRACTS_PROPERTY) == text:
                    self.run.count(Outcome.UNCHANGED)
                    continue
                try:
                    with transaction.atomic():
                        client_update(
                            actor=self.run.actor,
                            client=client,
                            properties={CONTRACTS_PROPERTY: text},
                        )
                except (ValidationError, PermissionDenied) as exc:
                    self.run.reject("client", str(exc), external_id=ref, label=client.name)
                    continue
                self.run.count(Outcome.UPDATED)

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

    # -- prices ----------------------------------------------------------------------------
    def _currency(self, ref: Any) -> str | None:
        """The ISO code of a 1C currency reference (if the CRM has that currency)."""
        ref = str(ref or "")
        if is_empty_ref(ref):
            return None
        if ref not in self._currencies:
            code = None
            currencies = self.profile.get("currencies") if self.profile else None
            if currencies is not None:
                try:
                    element = self.client.element(
                        currencies.entity_set, ref, select=currencies.select("code", "name")
                    )
                except ODataError:
                    element = {}  # an unknown currency: the organisation's default applies
                raw = str(currencies.get(element, "code", "")).strip()
                code = ISO_CURRENCIES.get(raw.zfill(3)) or (raw.upper() if len(raw) == 3 else None)
            if code and not Currency.objects.filter(code=code).exists():
                code = None
            self._currencies[ref] = code
        return self._currencies[ref]

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

    # -- payments --------------------------------------------------------------------------
    def payments(self) -> None:
        om = self._map("payments")
        cursor = dict((self.connection.options or {}).get("cursor") or {})
        since = cursor.get("payments_from") or (self.connection.options or {}).get("payments_since")
        parts = []
        if om.has("posted"):
            parts.append(f"{om.fields['posted']} eq true")
        if om.has("deleted"):
            parts.append(f"{om.fields['deleted']} eq false")
        if since:
            start = dt.datetime.fromisoformat(str(since)[:19]) - dt.timedelta(
                days=PAYMENT_LOOKBACK_DAYS
            )
            parts.append(f"{om.fields['date']} ge {datetime_literal(start.isoformat()[:19])}")
        newest = str(since or "")
        page: list[dict[str, Any]] = []
        elements = self.client.iterate(
            om.entity_set,
            select=om.select(),
            filter=" and ".join(parts),
            orderby=f"{om.fields['date']},{om.fields['ref']}",
        )
        for element in elements:
            page.append(element)
            newest = max(newest, str(om.get(element, "date", ""))[:19])
        with transaction.atomic():
            for element in page:
                self._payment(om, element)
            if newest:
                self._save_cursor(payments_from=newest)

    def _payment(self, om: ObjectMap, element: dict) -> None:
        ref = om.get(element, "ref")
        number = str(om.get(element, "number", "")).strip()
        label = _("Payment %(number)s of %(date)s") % {
            "number": number,
            "date": str(om.get(element, "date", ""))[:10],
        }
        operation = str(om.get(element, "operation", "") or "")
        if om.has("operation") and operation and operation not in PAYMENT_OPERATIONS:
            return  # not a customer's payment (a refund from a supplier, a loan...)
        counterparty = str(om.get(element, "counterparty", ""))
        client_id = self.run.find_ids(Client, [counterparty]).get(counterparty)
        if client_id is None:
            self.run.reject(
                "payment",
                _(
                    "%(payment)s (1C id %(id)s): the payer (counterparty %(payer)s) is not in "
                    "the CRM; pull counterparties first."
                )
                % {"payment": label, "id": ref, "payer": counterparty},
                external_id=ref,
                label=label,
                file=om.entity_set,
            )
            return
        lines = om.rows(element, "lines")
        invoice_refs = [str(r.get("invoice") or "") for r in lines]
        invoices = self.run.find_ids(Invoice, [r for r in invoice_refs if not is_empty_ref(r)])
        allocations = [
            {"invoice": invoices[str(r.get("invoice"))], "amount": _money(r.get("amount"))}
            for r in lines
            if str(r.get("invoice") or "") in invoices
        ]
        values = {
            "client": client_id,
            "amount": _money(om.get(element, "amount")),
            "date": str(om.get(element, "date", ""))[:10],
            "reference": number,
            "comment": str(om.get(element, "purpose", "") or "").strip(),
            "method": "cash" if om.entity_set in CASH_DOCUMENTS else "bank",
            "allocations": allocations,
        }
        currency = self._currency(om.get(element, "currency"))
        if currency:
            values["currency"] = currency
        self.run.upsert(
            target="payment", external_id=ref, values=values, label=label, file=om.entity_set
        )

    # -- cursor ----------------------------------------------------------------------------
    def _save_cursor(self, **values: str) -> None:
        connection = Connection.objects.select_for_update().get(pk=self.connection.pk)
        options = dict(connection.options or {})
        options["cursor"] = {**(options.get("cursor") or {}), **values}
        Connection.objects.filter(pk=connection.pk).update(options=options)
        self.connection.options = options


def contact_info(rows: list[dict[str, Any]], *, addresses: bool) -> dict[str, list]:
    """Phones, e-mails (and addresses) from 1C's ``КонтактнаяИнформация`` rows."""
    phones, emails, places = [], [], []
    for row in rows:
        kind = str(row.get("kind") or "")
        shown = str(row.get("presentation") or "").strip()
        if kind in ("Телефон", "Факс"):
            value = str(row.get("phone") or "").strip() or shown
            if value:
                phones.append({"value": value, "type": "fax" if kind == "Факс" else "work"})
        elif kind == "АдресЭлектроннойПочты":
            value = str(row.get("email") or "").strip() or shown
            if value:
                emails.append({"value": value, "type": "work"})
        elif kind == "Адрес" and addresses and shown:
            postal = _POSTAL.match(shown)
            street = shown[postal.end() :] if postal else shown
            places.append(
                {
                    "type": "legal" if not places else "actual",
                    "country": COUNTRIES.get(str(row.get("country") or "").strip().upper(), ""),
                    "postal_code": postal.group(1) if postal else "",
                    "region": "",
                    "city": "",
                    "street": street.strip(),
                }
            )
    result: dict[str, list] = {"phones": phones, "emails": emails}
    if addresses:
        result["addresses"] = places
    return result


def contract_line(om: ObjectMap, element: dict) -> str:
    name = str(om.get(element, "name", "")).strip()
    number = str(om.get(element, "number", "") or "").strip()
    date = str(om.get(element, "date", "") or "")
    parts = [name]
    if number and number not in name:
        parts.append(f"№ {number}")
    if date and not date.startswith("0001"):
        parts.append(date[:10])
    kind = str(om.get(element, "contract_kind", "") or "")
    if kind:
        parts.append(f"({kind})")
    return " ".join(p for p in parts if p)


def _money(value: Any) -> str:
    try:
        return format(Decimal(str(value if value not in (None, "") else "0")), "f")
    except InvalidOperation:
        return str(value)


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


def pull_now(
    *, connection: Connection, session: ExchangeSession, client: ODataClient | None = None
) -> Pull:
    """Run one pull (the job calls this); raises ``ODataError`` / ``XmlRefused`` on failure."""
    owned = client is None
    client = client or client_for(connection)
    try:
        pull = Pull(connection=connection, session=session, client=client)
        pull.run_all()
        return pull
    finally:
        if owned:
            client.close()


@dataclass
class CheckResult:
    ok: bool
    message: str = ""
    configuration: str = ""
    found: list[str] = field(default_factory=list)  # keys of mapping.OBJECTS published
    missing: dict[str, str] = field(default_factory=dict)  # key -> entity sets looked for
    invoices: bool = False  # whether invoices can be created in 1C


def check_connection(
    *, base_url: str, username: str, password: str, configuration: str = "auto"
) -> CheckResult:
    """Read ``$metadata`` with these settings and say what the infobase publishes."""
    try:
        with ODataClient(base_url, username, password, timeout=20.0) as client:
            profile = read_profile(client, configuration)
    except (ODataError, XmlRefused) as exc:
        return CheckResult(ok=False, message=str(exc))
    invoices = profile.get("invoices")
    return CheckResult(
        ok=True,
        configuration=profile.configuration,
        found=profile.found(),
        missing={k: v for k, v in profile.missing.items() if k in OBJECTS},
        invoices=bool(invoices and "goods" in invoices.sections),
    )
