"""Incremental pulls from a 1C infobase over OData, applied through ``onec.sync``.

One pull reads ``$metadata``, builds the field maps (``mapping.build``) and then reads the
objects the connection is set to read, in this order: counterparties (clients, with their
phones, e-mails and addresses from ``КонтактнаяИнформация``), contact persons, contracts,
goods (groups first), prices, payments received. Everything is written with
``ExchangeRun.upsert`` (targets client / contact / group / product / payment), so the
ownership policy, conflicts, rejections and "same data twice changes nothing" apply.

This module holds the entry points: ``Pull`` (the steps in order), ``pull_now``,
``client_for``, ``read_profile`` and the settings check (``check_connection``). The steps
live next to it:

- ``pull_base``: the state of a pull and the incremental reading (catalogues by
  ``DataVersion``, documents and registers by a cursor in ``Connection.options["cursor"]``);
- ``pull_parties``: counterparties, contact persons, contracts;
- ``pull_catalog``: goods and prices;
- ``pull_payments``: payments received.

Each page of objects is applied in one transaction with the versions it brings, so a
connection that fails halfway keeps only complete objects and the next pull carries on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from rapport.exchange.models import Connection, ExchangeSession
from rapport.exchange.onec.xml import XmlRefused

from .client import ODataClient, ODataError
from .mapping import OBJECTS, Profile, build
from .metadata import read_metadata
from .pull_base import BATCH, ISO_CURRENCIES, VERSION_KEY, PullBase
from .pull_catalog import CatalogPull
from .pull_parties import COUNTRIES, PERSON_KINDS, PartiesPull, contact_info, contract_line
from .pull_payments import PAYMENT_LOOKBACK_DAYS, PAYMENT_OPERATIONS, PaymentsPull

__all__ = [
    "BATCH",
    "COUNTRIES",
    "ISO_CURRENCIES",
    "PAYMENT_LOOKBACK_DAYS",
    "PAYMENT_OPERATIONS",
    "PERSON_KINDS",
    "VERSION_KEY",
    "CheckResult",
    "Pull",
    "PullBase",
    "check_connection",
    "client_for",
    "contact_info",
    "contract_line",
    "default_objects",
    "pull_now",
    "read_profile",
]


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


class Pull(PartiesPull, CatalogPull, PaymentsPull):
    """One pull of one connection (``run()`` does it all)."""

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
