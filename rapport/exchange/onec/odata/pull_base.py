"""What every step of an OData pull shares: the connection, the session's ``ExchangeRun``,
the published objects (``Profile``) and the incremental reading.

Catalogues are read incrementally: a light listing (``Ref_Key``, ``DataVersion``) is compared
with the DataVersion remembered with the record's ``SyncState`` (key ``@DataVersion``); only
new or changed elements are read in full (``Ref_Key eq guid'…' or …``, 20 at a time).
Documents and registers keep a cursor in ``Connection.options["cursor"]`` (``_save_cursor``).
Currency references are turned into ISO codes here as prices and payments both carry them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rapport.catalog.models import Currency
from rapport.exchange.models import Connection, ExchangeSession, SyncState
from rapport.exchange.onec.sync import ExchangeRun

from .client import ODataClient, ODataError, guid, is_empty_ref
from .mapping import ObjectMap, Profile

VERSION_KEY = "@DataVersion"
BATCH = 20
ISO_CURRENCIES = {
    "643": "RUB", "840": "USD", "978": "EUR", "933": "BYN", "398": "KZT", "980": "UAH",
    "985": "PLN", "156": "CNY", "826": "GBP", "756": "CHF", "051": "AMD", "860": "UZS",
}  # fmt: skip


@dataclass
class PullBase:
    """The state of one pull and the helpers its steps (``pull_parties``, ``pull_catalog``,
    ``pull_payments``) share; ``pull.Pull`` puts the steps together."""

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

    # -- published objects and incremental reading -----------------------------------------
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
        state = self.run.state_of(obj)
        if state is not None and (state.values or {}).get(VERSION_KEY) != version:
            state.values = {**(state.values or {}), VERSION_KEY: version}
            state.save(update_fields=["values"])

    def _changed(
        self,
        om: ObjectMap,
        model: type,
        *,
        filter: str = "",
        versions_of: Callable | None = None,
        light: list[str] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of full elements that are new or whose DataVersion changed.

        ``light``: the fields of the listing compared (``Ref_Key`` and ``DataVersion`` unless
        ``versions_of`` needs more of them)."""
        if light is None:
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

    def _reject(
        self, om: ObjectMap, target: str, reason: str, *, ref: str, label: str = ""
    ) -> None:
        """List an element of ``om`` as rejected, with the entity set it came from."""
        self.run.reject(target, reason, external_id=ref, label=label, file=om.entity_set)

    # -- currencies and cursors -------------------------------------------------------------

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

    def _save_cursor(self, **values: str) -> None:
        connection = Connection.objects.select_for_update().get(pk=self.connection.pk)
        options = dict(connection.options or {})
        options["cursor"] = {**(options.get("cursor") or {}), **values}
        Connection.objects.filter(pk=connection.pk).update(options=options)
        self.connection.options = options
