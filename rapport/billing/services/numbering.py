"""Invoice numbers: allocated from the organisation's number series when an invoice is
sent, inside the sending transaction.

The series row is locked (``SELECT ... FOR UPDATE``) while the number is taken, so two
invoices sent at the same moment get different numbers; the counter moves in the same
transaction as the invoice that takes the number, so a rolled-back send gives its number
back (no gap). Drafts have no number, so a discarded draft leaves no gap either.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from rapport.core.models import Organisation, User

from ..models import Invoice, NumberSeries, SeriesKind

_UNSET: Any = object()


def _series_for_update(organisation: Organisation, kind: str) -> NumberSeries:
    series = (
        NumberSeries.objects.select_for_update()
        .filter(organisation=organisation, kind=kind)
        .first()
    )
    if series is not None:
        return series
    try:
        with transaction.atomic():
            NumberSeries.objects.create(organisation=organisation, kind=kind)
    except IntegrityError:
        pass  # created at the same moment by another transaction
    return NumberSeries.objects.select_for_update().get(organisation=organisation, kind=kind)


def number_allocate(
    *, organisation: Organisation, on: dt.date, kind: str = SeriesKind.INVOICE
) -> tuple[str, int, int]:
    """The next number of the organisation's series for a document dated ``on``:
    ``(number, year, sequence)``. Call inside the transaction that stores it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_allocate must run inside a transaction")
    series = _series_for_update(organisation, kind)
    year = on.year
    taken_in = Invoice.objects.filter(organisation=organisation, number_seq__isnull=False)
    seq: int | None
    if series.yearly_reset:
        if series.year is None:
            series.year = year
        elif year > series.year:
            series.year, series.next_number = year, 1
        seq = series.next_number if year == series.year else None
        taken_in = taken_in.filter(number_year=year)
    else:
        seq = series.next_number
    taken = taken_in.aggregate(top=Max("number_seq"))["top"] or 0
    if seq is None or seq <= taken:
        # A backdated document (an earlier year) or a counter set below numbers in use.
        seq = taken + 1
    if not series.yearly_reset or year == series.year:
        series.next_number = seq + 1
    series.save(update_fields=["year", "next_number"])
    return series.format(year=year, seq=seq), year, seq


def number_series_save(
    *,
    actor: User,
    organisation: Organisation,
    kind: str = SeriesKind.INVOICE,
    prefix: str = _UNSET,
    next_number: int = _UNSET,
    padding: int = _UNSET,
    yearly_reset: bool = _UNSET,
) -> NumberSeries:
    """Create or change an organisation's series (administrators only)."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only an administrator may change number series."))
    errors: dict[str, list[str]] = {}
    if next_number is not _UNSET and (next_number is None or int(next_number) < 1):
        errors["next_number"] = [_("The next number must be 1 or more.")]
    if padding is not _UNSET and not 0 <= int(padding) <= 12:
        errors["padding"] = [_("Between 0 and 12 digits.")]
    if prefix is not _UNSET and len(prefix or "") > 30:
        errors["prefix"] = [_("At most 30 characters.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        series = _series_for_update(organisation, kind)
        if prefix is not _UNSET:
            series.prefix = (prefix or "").strip()
        if next_number is not _UNSET:
            series.next_number = int(next_number)
            series.year = dt.date.today().year if series.yearly_reset else series.year
        if padding is not _UNSET:
            series.padding = int(padding)
        if yearly_reset is not _UNSET:
            series.yearly_reset = bool(yearly_reset)
        series.save()
    return series
