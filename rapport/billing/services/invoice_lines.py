"""Invoice lines: cleaning (errors name the line), amounts and totals, the live preview
of unsaved lines, and storing the lines of an invoice with its totals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.models import Currency, Product, Unit
from rapport.catalog.pricing import discount_for, line_amounts, manual_discount_limit, to_decimal
from rapport.core.models import User

from ..models import Invoice, InvoiceLine

HUNDRED = Decimal(100)


# --- lines ----------------------------------------------------------------------------


@dataclass
class CleanLine:
    product: Product | None
    description: str
    quantity: Decimal
    unit: Unit | None
    price: Decimal
    discount_percent: Decimal
    vat_rate: Decimal | None


def clean_lines(lines: Iterable[Mapping[str, Any]]) -> list[CleanLine]:
    """Validate the lines given as dicts (``product``, ``description``, ``quantity``,
    ``unit``, ``price``, ``discount_percent``, ``vat_rate``); a product fills in the
    description, unit and VAT rate that are left out. Errors: ``{"lines": ["Line 2:
    ..."]}``."""
    rows = list(lines)
    product_ids = {getattr(r.get("product"), "pk", r.get("product")) for r in rows} - {None, ""}
    products = {
        str(p.pk): p
        for p in Product.objects.filter(pk__in=[str(x) for x in product_ids]).select_related(
            "unit", "vat_rate"
        )
    }
    unit_ids = {getattr(r.get("unit"), "pk", r.get("unit")) for r in rows} - {None, ""}
    units = {str(u.pk): u for u in Unit.objects.filter(pk__in=[str(x) for x in unit_ids])}
    errors: list[str] = []
    cleaned: list[CleanLine] = []
    for number, row in enumerate(rows, start=1):

        def fail(message: str, number: int = number) -> None:
            errors.append(_("Line %(n)s: %(message)s") % {"n": number, "message": message})

        product_id = getattr(row.get("product"), "pk", row.get("product"))
        product = products.get(str(product_id)) if product_id not in (None, "") else None
        if product_id not in (None, "") and (product is None or product.deleted_at is not None):
            fail(_("unknown product."))
            continue
        description = str(row.get("description") or "").strip()[:500]
        if not description and product is not None:
            description = product.name[:500]
        if not description:
            fail(_("choose a product or write a description."))
            continue
        quantity = to_decimal(row.get("quantity", 1))
        if quantity is None or quantity <= 0:
            fail(_("the quantity must be a number greater than zero."))
            continue
        if quantity != quantity.quantize(Decimal("0.001")) or quantity >= 10**12:
            fail(_("the quantity has at most 3 decimal places and 12 digits."))
            continue
        price = to_decimal(row.get("price", 0))
        if price is None or price < 0 or price >= 10**14:
            fail(_("the price must be a number, zero or more."))
            continue
        if price != price.quantize(Decimal("0.0001")):
            fail(_("the price has at most 4 decimal places."))
            continue
        discount = to_decimal(row.get("discount_percent") or 0)
        if discount is None or not 0 <= discount <= HUNDRED:
            fail(_("the discount must be between 0 and 100%."))
            continue
        if "vat_rate" in row:
            vat_rate = to_decimal(row.get("vat_rate"))
            if row.get("vat_rate") not in (None, "") and vat_rate is None:
                fail(_("the VAT rate must be a number."))
                continue
        else:
            vat_rate = product.vat_rate.rate if product and product.vat_rate else None
        if vat_rate is not None and not 0 <= vat_rate < HUNDRED:
            fail(_("the VAT rate must be between 0 and 100%."))
            continue
        unit_id = getattr(row.get("unit"), "pk", row.get("unit"))
        if unit_id not in (None, ""):
            unit = units.get(str(unit_id))
            if unit is None:
                fail(_("unknown unit."))
                continue
        else:
            unit = product.unit if product else None
        cleaned.append(
            CleanLine(
                product=product,
                description=description,
                quantity=quantity,
                unit=unit,
                price=price,
                discount_percent=discount.quantize(Decimal("0.01")),
                vat_rate=vat_rate,
            )
        )
    if errors:
        raise ValidationError({"lines": errors})
    return cleaned


def check_manual_discounts(
    *,
    actor: User,
    client: Any,
    lines: list[CleanLine],
    granted: Iterable[tuple[Any, Decimal]] = (),
) -> None:
    """A discount above what the actor's role may give by hand must be the automatic one
    for this client and product, or one already granted: on the deal the invoice comes
    from, or on the draft's saved lines (``granted``: (product id, percent) pairs)."""
    limit = manual_discount_limit(actor)
    over = [(n, line) for n, line in enumerate(lines, start=1) if line.discount_percent > limit]
    if not over:
        return
    allowed: dict[Any, Decimal] = {}
    for product_id, percent in granted:
        allowed[str(product_id)] = max(allowed.get(str(product_id), Decimal(0)), percent)
    categories: list[object] = list(client.tags.values_list("pk", flat=True))
    today = timezone.localdate()
    errors = []
    for number, line in over:
        automatic = Decimal(0)
        if line.product is not None:
            automatic = discount_for(client_category_ids=categories, product=line.product, on=today)
        key = str(line.product.pk) if line.product is not None else "None"
        if line.discount_percent <= max(automatic, allowed.get(key, Decimal(0))):
            continue
        errors.append(
            _("Line %(n)s: the discount %(discount)s%% is above your limit of %(limit)s%%.")
            % {"n": number, "discount": line.discount_percent, "limit": limit}
        )
    if errors:
        raise ValidationError({"lines": errors})


def compute_lines(
    lines: list[CleanLine], *, prices_include_vat: bool, minor_units: int = 2
) -> tuple[list[InvoiceLine], dict[str, Decimal]]:
    """Unsaved invoice lines with their amounts, and the totals (net, vat, total)."""
    built: list[InvoiceLine] = []
    net = vat = total = Decimal(0)
    for position, line in enumerate(lines, start=1):
        amounts = line_amounts(
            quantity=line.quantity,
            price=line.price,
            discount_percent=line.discount_percent,
            vat_rate=line.vat_rate,
            prices_include_vat=prices_include_vat,
            minor_units=minor_units,
        )
        built.append(
            InvoiceLine(
                position=position,
                product=line.product,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                price=line.price,
                discount_percent=line.discount_percent,
                vat_rate=line.vat_rate,
                amount=amounts.amount,
                vat_amount=amounts.vat,
            )
        )
        net += amounts.net
        vat += amounts.vat
        total += amounts.total
    return built, {"net_total": net, "vat_total": vat, "total": total}


def invoice_preview(
    *, lines: Iterable[Mapping[str, Any]], prices_include_vat: bool, currency: str | None = None
) -> tuple[list[InvoiceLine], dict[str, Decimal]]:
    """The amounts of lines not yet saved (the form's live totals)."""
    minor = Currency.objects.filter(pk=currency).values_list("minor_units", flat=True).first()
    return compute_lines(
        clean_lines(lines),
        prices_include_vat=prices_include_vat,
        minor_units=2 if minor is None else minor,
    )


def _store_lines(invoice: Invoice, lines: list[CleanLine]) -> None:
    built, totals = compute_lines(
        lines,
        prices_include_vat=invoice.prices_include_vat,
        minor_units=invoice.currency.minor_units,
    )
    invoice.lines.all().delete()
    for line in built:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(built)
    for name, value in totals.items():
        setattr(invoice, name, value)


def _recompute_totals(invoice: Invoice) -> None:
    lines = [
        CleanLine(
            product=line.product,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            price=line.price,
            discount_percent=line.discount_percent,
            vat_rate=line.vat_rate,
        )
        for line in invoice.lines.select_related("product", "unit")
    ]
    _store_lines(invoice, lines)
