"""Every read of billing, scoped through core.access: invoices, payments, and the
receivables (what clients owe, overdue by age, computed in SQL).

Dates are passed in (``today=``) rather than read from the clock, so reports and tests
can ask "as of" a day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from rapport.core import access
from rapport.core.models import Organisation, User
from rapport.parties.models import Client

from .models import (
    OPEN_STATUSES,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    NumberSeries,
    Payment,
    PaymentAllocation,
)

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=18, decimal_places=2)
BUCKETS = ("not_due", "d1_30", "d31_60", "d61_90", "d90_plus")


# --- invoices -------------------------------------------------------------------------


@dataclass
class InvoiceFilters:
    status: str = ""
    client: Any = None
    deal: Any = None
    manager: Any = None
    overdue: bool | None = None
    search: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    today: dt.date | None = None


def invoice_list(
    *, actor: User, filters: InvoiceFilters | None = None, trashed: bool = False
) -> QuerySet[Invoice]:
    f = filters or InvoiceFilters()
    qs = access.visible_to(actor, Invoice, include_trashed=trashed)
    if trashed:
        qs = qs.filter(deleted_at__isnull=False)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.client:
        qs = qs.filter(client_id=f.client)
    if f.deal:
        qs = qs.filter(deal_id=f.deal)
    if f.manager:
        qs = qs.filter(manager_id=f.manager)
    if f.overdue is not None:
        today = f.today or timezone.localdate()
        overdue = Q(status__in=OPEN_STATUSES, due_date__lt=today)
        qs = qs.filter(overdue) if f.overdue else qs.exclude(overdue)
    if f.search:
        term = f.search.strip()
        qs = qs.filter(Q(number__icontains=term) | Q(client__name__icontains=term))
    if f.date_from:
        qs = qs.filter(date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(date__lte=f.date_to)
    return qs.select_related("client", "currency", "manager", "organisation", "deal")


def invoice_get(*, actor: User, pk: Any, include_trashed: bool = False) -> Invoice:
    qs = Invoice.objects.select_related(
        "client", "contact", "currency", "manager", "organisation", "deal", "department"
    ).prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.select_related("product", "unit"))
    )
    return access.get_visible_or_404(
        actor, Invoice, pk, queryset=qs, include_trashed=include_trashed
    )


def invoice_allocations(*, actor: User, invoice: Invoice) -> QuerySet[PaymentAllocation]:
    """The allocations of live payments to an invoice (the payments' scope is the
    invoice's: whoever sees the invoice sees what paid it)."""
    return (
        PaymentAllocation.objects.filter(invoice=invoice, payment__deleted_at__isnull=True)
        .select_related("payment", "payment__currency")
        .order_by("payment__date", "created_at")
    )


def open_invoices(
    *, actor: User, client: Client | Any, currency: str | None = None
) -> QuerySet[Invoice]:
    """A client's sent and partly paid invoices, oldest due first (to allocate to)."""
    qs = access.visible_to(actor, Invoice).filter(
        client_id=getattr(client, "pk", client), status__in=OPEN_STATUSES
    )
    if currency:
        qs = qs.filter(currency_id=currency)
    return qs.select_related("currency").order_by("due_date", "date", "id")


def deal_invoices(*, actor: User, deal: Any) -> QuerySet[Invoice]:
    return (
        access.visible_to(actor, Invoice)
        .filter(deal_id=getattr(deal, "pk", deal))
        .select_related("currency")
        .order_by("-date", "-id")
    )


def client_invoices(*, actor: User, client: Client | Any, limit: int = 10) -> list[Invoice]:
    return list(
        access.visible_to(actor, Invoice)
        .filter(client_id=getattr(client, "pk", client))
        .select_related("currency")
        .order_by("-date", "-id")[:limit]
    )


# --- payments -------------------------------------------------------------------------


@dataclass
class PaymentFilters:
    client: Any = None
    manager: Any = None
    method: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    unallocated: bool | None = None


def payment_list(
    *, actor: User, filters: PaymentFilters | None = None, trashed: bool = False
) -> QuerySet[Payment]:
    f = filters or PaymentFilters()
    qs = access.visible_to(actor, Payment, include_trashed=trashed)
    if trashed:
        qs = qs.filter(deleted_at__isnull=False)
    if f.client:
        qs = qs.filter(client_id=f.client)
    if f.manager:
        qs = qs.filter(manager_id=f.manager)
    if f.method:
        qs = qs.filter(method=f.method)
    if f.date_from:
        qs = qs.filter(date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(date__lte=f.date_to)
    if f.unallocated is not None:
        left = Q(allocated_amount__lt=F("amount"))
        qs = qs.filter(left) if f.unallocated else qs.exclude(left)
    return qs.select_related("client", "currency", "manager")


def payment_get(*, actor: User, pk: Any, include_trashed: bool = False) -> Payment:
    qs = Payment.objects.select_related(
        "client", "currency", "manager", "organisation"
    ).prefetch_related(
        Prefetch(
            "allocations",
            queryset=PaymentAllocation.objects.select_related("invoice", "invoice__currency"),
        )
    )
    return access.get_visible_or_404(
        actor, Payment, pk, queryset=qs, include_trashed=include_trashed
    )


# --- receivables ----------------------------------------------------------------------


def _outstanding() -> ExpressionWrapper:
    return ExpressionWrapper(F("total") - F("paid_amount"), output_field=MONEY)


def _bucket_sums(today: dt.date) -> dict[str, Any]:
    """SUM(outstanding) per age bucket: days overdue = today - due date."""
    owed = _outstanding()

    def total(condition: Q | None = None) -> Coalesce:
        return Coalesce(Sum(owed, filter=condition), Value(ZERO), output_field=MONEY)

    day = dt.timedelta(days=1)
    return {
        "outstanding": total(),
        "not_due": total(Q(due_date__gte=today)),
        "d1_30": total(Q(due_date__lt=today, due_date__gte=today - 30 * day)),
        "d31_60": total(Q(due_date__lt=today - 30 * day, due_date__gte=today - 60 * day)),
        "d61_90": total(Q(due_date__lt=today - 60 * day, due_date__gte=today - 90 * day)),
        "d90_plus": total(Q(due_date__lt=today - 90 * day)),
    }


def _open(actor: User) -> QuerySet[Invoice]:
    return access.visible_to(actor, Invoice).filter(status__in=OPEN_STATUSES)


def receivables_by_client(
    *,
    actor: User,
    today: dt.date | None = None,
    client: Any = None,
    manager: Any = None,
    overdue_only: bool = False,
) -> list[dict[str, Any]]:
    """Per client and currency: what is owed and how it splits into age buckets
    (not yet due, 1-30, 31-60, 61-90, more than 90 days overdue), largest first."""
    today = today or timezone.localdate()
    qs = _open(actor)
    if client:
        qs = qs.filter(client_id=client)
    if manager:
        qs = qs.filter(manager_id=manager)
    base: Any = qs  # annotate(**...) is beyond the type checker's plugin
    rows: list[dict[str, Any]] = list(
        base.values("client_id", "client__name", "currency_id")
        .annotate(**_bucket_sums(today))
        .order_by("-outstanding", "client__name", "currency_id")
    )
    overdue_names = BUCKETS[1:]
    for row in rows:
        row["overdue"] = sum((row[name] for name in overdue_names), ZERO)
    if overdue_only:
        rows = [r for r in rows if r["overdue"] > 0]
    return rows


def receivables_by_manager(*, actor: User, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Per responsible manager and currency: the same figures."""
    today = today or timezone.localdate()
    base: Any = _open(actor)
    rows: list[dict[str, Any]] = list(
        base.values("manager_id", "manager__first_name", "manager__last_name", "manager__username")
        .annotate(**_bucket_sums(today))
        .values(
            "manager_id",
            "manager__first_name",
            "manager__last_name",
            "manager__username",
            "currency_id",
            *_bucket_sums(today).keys(),
        )
        .order_by("manager__last_name", "manager__username", "currency_id")
    )
    for row in rows:
        name = f"{row['manager__first_name']} {row['manager__last_name']}".strip()
        row["manager_name"] = name or row["manager__username"] or "—"
        row["overdue"] = sum((row[bucket] for bucket in BUCKETS[1:]), ZERO)
    return rows


def receivables_totals(*, actor: User, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Per currency: the buckets over every client in scope (the chart's bars)."""
    today = today or timezone.localdate()
    base: Any = _open(actor)
    return list(base.values("currency_id").annotate(**_bucket_sums(today)).order_by("currency_id"))


def client_balance(*, actor: User, client: Client | Any, today: dt.date | None = None) -> list:
    """What one client owes, per currency (the client card's figure)."""
    return receivables_by_client(actor=actor, today=today, client=getattr(client, "pk", client))


# --- settings -------------------------------------------------------------------------


def number_series(*, actor: User) -> list[tuple[Organisation, NumberSeries | None]]:
    """Every organisation with its invoice series (None: created on the first invoice)."""
    series = {s.organisation_id: s for s in access.visible_to(actor, NumberSeries)}
    return [(org, series.get(org.pk)) for org in Organisation.objects.order_by("name")]


def invoice_status_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in InvoiceStatus.choices]
