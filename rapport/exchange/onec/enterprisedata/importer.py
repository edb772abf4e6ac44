"""Applying an incoming message: each object through the sync layer's ``upsert``.

Counterparties, contact persons, goods and payments (bank and cash receipts whose
``РасшифровкаПлатежа`` rows name our invoices for payment) are applied; other types are
counted as skipped. An object that cannot be read or applied becomes a rejection with
the reason; with ``on_error="stop"`` the first one rolls the whole message back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.billing.models import Invoice
from rapport.catalog.models import Unit, VatRate
from rapport.catalog.services import reference as catalog_reference
from rapport.exchange.models import Rejection
from rapport.exchange.onec import sync
from rapport.exchange.onec.sync import ExchangeRun, Outcome
from rapport.parties.models import Address, Client

# Registering the targets this module writes through.
from ..targets import billing as _billing  # noqa: F401
from ..targets import catalog as _catalog  # noqa: F401
from ..targets import parties as _parties
from . import envelope, reader
from .envelope import Header
from .reader import EDObject

TARGET_OF = {
    reader.COUNTERPARTY: "client",
    reader.CONTACT: "contact",
    reader.PRODUCT: "product",
    reader.BANK_PAYMENT: "payment",
    reader.CASH_PAYMENT: "payment",
}


def receivable_types() -> list[str]:
    """The ED types this exchange applies (their sync target is registered)."""
    return [t for t, target in TARGET_OF.items() if target in sync.TARGETS]


class _Stop(Exception):
    def __init__(self, obj: EDObject, reason: str) -> None:
        self.obj = obj
        self.reason = reason


@dataclass
class ImportResult:
    header: Header
    duplicate: bool = False
    stopped: str = ""
    skipped_types: dict[str, int] = field(default_factory=dict)


def _uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError):
        return None


class Applier:
    def __init__(self, run: ExchangeRun, *, file: str, stop: bool) -> None:
        self.run = run
        self.file = file
        self.stop = stop
        self.skipped: dict[str, int] = {}

    # -- helpers ---------------------------------------------------------------------

    def reject(self, obj: EDObject, reason: str) -> None:
        if self.stop:
            raise _Stop(obj, reason)
        self.run.reject(
            TARGET_OF.get(obj.type, obj.type),
            reason,
            external_id=obj.ref,
            label=obj.label,
            file=self.file,
        )

    def client_for(self, ref: dict[str, str]) -> Client | None:
        found = self.run.find(Client, ref.get("Ссылка", "")) if ref.get("Ссылка") else None
        if found is None and ref.get("ИНН"):
            found = _parties.match_client(ref["ИНН"], ref.get("КПП", ""))()
        return found

    def unit_for(self, data: dict[str, Any]) -> str | None:
        code, name = data["unit_code"], data["unit_name"]
        if not code and not name:
            return None
        unit = (Unit.objects.filter(code=code).first() if code else None) or (
            Unit.objects.filter(name__iexact=name).first() if name else None
        )
        if unit is None:
            unit = catalog_reference.unit_save(
                actor=self.run.actor, name=name or code, code=code, full_name=data["unit_full_name"]
            )
        return str(unit.pk)

    def vat_for(self, rate: Decimal | None) -> str | None:
        found = (
            VatRate.objects.filter(rate=rate)
            if rate is not None
            else VatRate.objects.filter(rate__isnull=True)
        )
        vat = found.order_by("-is_active", "position").first()
        if vat is None:
            name = f"{rate.normalize():f}%" if rate is not None else _("Without VAT")
            vat = catalog_reference.vat_rate_save(actor=self.run.actor, name=name, rate=rate)
        return str(vat.pk)

    # -- objects ---------------------------------------------------------------------

    def apply(self, obj: EDObject) -> None:
        if obj.error:
            self.reject(obj, obj.error)
            return
        target = TARGET_OF.get(obj.type)
        if target is None or target not in sync.TARGETS:
            self.skipped[obj.type] = self.skipped.get(obj.type, 0) + 1
            return
        try:
            values, match = getattr(self, f"values_{target}")(obj)
        except (ValidationError, ValueError) as exc:
            self.reject(
                obj,
                _("%(object)s: %(reason)s") % {"object": obj.label, "reason": sync.readable(exc)},
            )
            return
        before = self.run.counts.get(Outcome.REJECTED, 0)
        outcome, _record = self.run.upsert(
            target=target,
            external_id=obj.ref,
            values=values,
            label=obj.label,
            match=match,
            file=self.file,
        )
        if outcome == Outcome.REJECTED and self.stop:
            reason = (
                Rejection.objects.filter(session=self.run.session)
                .order_by("-id")
                .values_list("reason", flat=True)
                .first()
                or ""
            )
            self.run.counts[Outcome.REJECTED] = before
            raise _Stop(obj, reason)

    def values_client(self, obj: EDObject) -> tuple[dict[str, Any], Any]:
        data = obj.data
        values = {
            "kind": data["kind"],
            "name": data["name"],
            "legal_name": data["legal_name"],
            "tax_id": data["tax_id"],
            "kpp": data["kpp"],
            "phones": data["phones"],
            "emails": data["emails"],
            "addresses": self._addresses(obj, data["addresses"]),
        }
        return values, _parties.match_client(data["tax_id"], data["kpp"])

    def _addresses(self, obj: EDObject, incoming: list[dict[str, str]]) -> list[dict[str, str]]:
        """1C sends an address as one line; when it is the line we sent for an address we
        hold (same type), keep our parts so that the echo is not a change."""
        client = self.run.find(Client, obj.ref)
        if client is None:
            return [{"type": a["type"] or "actual", "street": a["street"]} for a in incoming]
        ours = {(a.type, str(a)): a for a in Address.objects.filter(client=client)}
        result = []
        for row in incoming:
            kind = row["type"] or "actual"
            mine = ours.get((kind, row["street"]))
            if mine is not None:
                result.append(
                    {"type": kind, **{f: getattr(mine, f) for f in _parties._ADDRESS_PARTS}}
                )
            else:
                result.append({"type": kind, "street": row["street"]})
        return result

    def values_contact(self, obj: EDObject) -> tuple[dict[str, Any], Any]:
        data = obj.data
        values: dict[str, Any] = {
            "last_name": data["last_name"],
            "first_name": data["first_name"],
            "middle_name": data["middle_name"],
            "phones": data["phones"],
            "emails": data["emails"],
        }
        owner = data["owner"]
        if owner:
            client = self.client_for(owner)
            if client is None:
                raise ValueError(
                    _("the counterparty it belongs to, “%(name)s”, is not in the CRM.")
                    % {"name": owner.get("Наименование") or owner.get("Ссылка", "")}
                )
            values["client"] = str(client.pk)
            values["position"] = data["position"]
        return values, None

    def values_product(self, obj: EDObject) -> tuple[dict[str, Any], Any]:
        data = obj.data
        values = {
            "name": data["name"],
            "sku": data["sku"],
            "unit": self.unit_for(data),
            "vat_rate": self.vat_for(data["vat_rate"]),
            "description": data["description"],
        }
        if data["is_service"]:
            values["kind"] = "service"
        return values, None

    def values_payment(self, obj: EDObject) -> tuple[dict[str, Any], Any]:
        data = obj.data
        client = self.client_for(data["counterparty"])
        if client is None:
            raise ValueError(
                _("the counterparty “%(name)s” is not in the CRM.")
                % {
                    "name": data["counterparty"].get("Наименование")
                    or data["counterparty"].get("Ссылка", "")
                }
            )
        allocations = []
        for row in data["rows"]:
            ref = row["invoice"].get("Ссылка", "")
            if not ref:
                continue
            invoice = self.run.find(Invoice, ref)
            if invoice is None and _uuid(ref):
                invoice = Invoice.objects.filter(pk=_uuid(ref), deleted_at__isnull=True).first()
            if invoice is None:
                raise ValueError(
                    _(
                        "the invoice for payment %(number)s it pays (Ссылка %(ref)s) "
                        "is not in the CRM."
                    )
                    % {"number": row["invoice"].get("Номер", ""), "ref": ref}
                )
            if invoice.client_id != client.pk:
                raise ValueError(
                    _("it pays invoice %(number)s of another client.") % {"number": invoice.number}
                )
            allocations.append({"invoice": str(invoice.pk), "amount": str(row["amount"])})
        currency = data["currency"].get("Наименование", "") if data["currency"] else ""
        if len(currency) != 3 or not currency.isalpha():
            numeric = data["currency"].get("Код", "") if data["currency"] else ""
            from .exporter import CURRENCY_NUMERIC

            currency = next((a for a, n in CURRENCY_NUMERIC.items() if n == numeric), "")
        values = {
            "client": str(client.pk),
            "amount": str(data["amount"]),
            "date": data["date"].isoformat(),
            "currency": currency.upper() or None,
            "method": data["method"],
            "reference": data["number"],
            "comment": data["purpose"],
            "allocations": allocations,
        }
        return values, None


def apply_message(
    *, run: ExchangeRun, path: Path, header: Header, stop: bool, file: str
) -> ImportResult:
    """Apply one data message (already known to be for this connection) in one
    transaction: its objects, and the note that it was received. A duplicate (a number
    we took already) applies nothing."""
    result = ImportResult(header=header)
    applier = Applier(run, file=file, stop=stop)
    try:
        with transaction.atomic():
            if not envelope.take_incoming(run.connection, header.message_no):
                result.duplicate = True
                return result
            for obj in reader.iter_objects(path, name=file):
                applier.apply(obj)
            run.flush()
    except _Stop as stopped:
        # Rolled back, the message is not taken either: forget the numbers noted in memory.
        run.connection.refresh_from_db(fields=["options"])
        run.counts = {o.value: 0 for o in Outcome}
        run.reject(
            TARGET_OF.get(stopped.obj.type, stopped.obj.type),
            stopped.reason,
            external_id=stopped.obj.ref,
            label=stopped.obj.label,
            file=file,
        )
        run.flush()
        result.stopped = stopped.reason
    result.skipped_types = applier.skipped
    return result
