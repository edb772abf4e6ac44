"""Units, VAT rates and currencies of a CommerceML catalogue, as 1C writes them.

``References(run)`` turns what a file writes (a unit's code and names or its 3.1
classifier ``Ид``, "18%" or "Без НДС", "руб." or "RUB") into the catalogue's reference
records, creating the ones the CRM does not have yet, and remembers each answer for the
rest of the file.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rapport.catalog.models import Currency, Unit, VatRate
from rapport.catalog.services import reference as reference_services
from rapport.catalog.services._common import parse_decimal
from rapport.exchange.onec import sync

from . import catalog_parse as cml

_CURRENCY_ALIASES = {"руб": "RUB", "руб.": "RUB", "rur": "RUB", "643": "RUB", "грн": "UAH"}
_NO_VAT = {"без ндс", "безндс", "без налога", "no vat", "без пдв"}


class References:
    """The reference records of one file's goods and offers (cached per file)."""

    def __init__(self, run: sync.ExchangeRun) -> None:
        self.run = run
        self.actor = run.actor
        self._units: dict[str, Unit] = {}
        self._vat: dict[str, VatRate | None] = {}
        self._currencies: dict[str, Currency] = {}

    def apply_unit_def(self, record: cml.UnitDef) -> None:
        unit = self.unit(record.unit)
        if unit is not None and record.id:
            self.run.link(unit, record.id)
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
