"""Invoices for payment, payments and their allocation to invoices, and the number series
invoices are numbered from.

An invoice is a draft until it is sent; the number is allocated when it is sent (drafts
are numbered by nobody, so a discarded draft leaves no gap). Its status after sending
follows its allocations: sent (nothing paid), partly paid, paid. A cancelled invoice has
no payments allocated. ``paid_amount`` is the sum of the allocations of live payments,
kept by the services.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rapport.core.ids import new_id
from rapport.core.models import BusinessRecord


class SeriesKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")


class NumberSeries(models.Model):
    """How one organisation numbers one kind of document: ``prefix`` (``{year}`` in it is
    replaced by the document's year), the next number, zero padding, and whether the
    numbering starts again at 1 every year (``year`` is the year ``next_number`` counts)."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(
        _("document kind"), max_length=16, choices=SeriesKind.choices, default=SeriesKind.INVOICE
    )
    prefix = models.CharField(_("prefix"), max_length=30, blank=True, default="INV-{year}-")
    next_number = models.PositiveIntegerField(_("next number"), default=1)
    padding = models.PositiveSmallIntegerField(_("digits"), default=4)
    yearly_reset = models.BooleanField(_("start again every year"), default=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)

    class Meta:
        ordering = ["organisation", "kind"]
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="number_series_unique"),
            models.CheckConstraint(
                condition=models.Q(next_number__gte=1), name="number_series_next_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.kind}: {self.prefix}"

    def format(self, *, year: int, seq: int) -> str:
        prefix = self.prefix.replace("{year}", str(year))
        return f"{prefix}{seq:0{min(self.padding, 12)}d}"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


# Invoices a client owes money on.
OPEN_STATUSES = (InvoiceStatus.SENT, InvoiceStatus.PARTLY_PAID)
ISSUED_STATUSES = (InvoiceStatus.SENT, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID)


class Invoice(BusinessRecord):
    """An invoice for payment to a client, alone or from a deal."""

    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    number = models.CharField(_("number"), max_length=50, blank=True)
    number_year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    number_seq = models.PositiveIntegerField(null=True, blank=True, editable=False)
    date = models.DateField(_("date"))
    due_date = models.DateField(_("due date"))
    client = models.ForeignKey(
        "parties.Client",
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("client"),
    )
    contact = models.ForeignKey(
        "parties.ContactPerson",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("contact person"),
    )
    deal = models.ForeignKey(
        "sales.Deal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invoices",
        verbose_name=_("deal"),
    )
    currency = models.ForeignKey(
        "catalog.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    prices_include_vat = models.BooleanField(_("prices include VAT"), default=True)
    status = models.CharField(
        _("status"), max_length=12, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_invoices",
        verbose_name=_("manager"),
    )
    department = models.ForeignKey(
        "core.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("department"),
    )
    net_total = models.DecimalField(_("net"), max_digits=18, decimal_places=2, default=0)
    vat_total = models.DecimalField(_("VAT"), max_digits=18, decimal_places=2, default=0)
    total = models.DecimalField(_("total"), max_digits=18, decimal_places=2, default=0)
    paid_amount = models.DecimalField(_("paid"), max_digits=18, decimal_places=2, default=0)
    comment = models.TextField(_("comment"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # Accounting exchange (issue 6): flagged for upload to 1C, and when it was uploaded.
    marked_for_1c = models.BooleanField(_("to upload to 1C"), default=False)
    sent_to_1c_at = models.DateTimeField(_("uploaded to 1C"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [
            models.Index(fields=["status", "due_date"], name="invoice_status_due_idx"),
            models.Index(fields=["client", "-date"], name="invoice_client_idx"),
            models.Index(fields=["manager", "status"], name="invoice_manager_idx"),
            models.Index(fields=["deal"], name="invoice_deal_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number_year", "number_seq"],
                condition=models.Q(number_seq__isnull=False),
                name="invoice_number_unique_year",
            ),
            models.UniqueConstraint(
                fields=["organisation", "number"],
                condition=~models.Q(number=""),
                name="invoice_number_unique",
            ),
        ]

    def __str__(self) -> str:
        if self.number:
            return str(_("Invoice %(number)s") % {"number": self.number})
        return str(_("Draft invoice %(id)s") % {"id": str(self.pk)[-6:]})

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("billing:invoice_detail", args=[self.pk])

    @property
    def outstanding(self) -> Decimal:
        if self.status not in OPEN_STATUSES:
            return Decimal(0)
        return self.total - self.paid_amount

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT


class InvoiceLine(models.Model):
    """A line of an invoice; ``amount`` is after the discount as the invoice's prices
    state it (VAT inside when prices include VAT), ``vat_amount`` the VAT of the line."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product"),
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=15, decimal_places=3, default=1)
    unit = models.ForeignKey(
        "catalog.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit"),
    )
    price = models.DecimalField(_("price"), max_digits=18, decimal_places=4, default=0)
    discount_percent = models.DecimalField(
        _("discount, %"), max_digits=5, decimal_places=2, default=0
    )
    vat_rate = models.DecimalField(
        _("VAT, %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=0)
    vat_amount = models.DecimalField(_("VAT"), max_digits=18, decimal_places=2, default=0)

    class Meta:
        ordering = ["invoice", "position"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")

    def __str__(self) -> str:
        return self.description or str(self.product_id)


class PaymentMethod(models.TextChoices):
    BANK = "bank", _("Bank transfer")
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")


class Payment(BusinessRecord):
    """Money received from a client, allocated to one or more of its invoices (the part
    not allocated stays on the payment, to allocate later)."""

    client = models.ForeignKey(
        "parties.Client",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("client"),
    )
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.ForeignKey(
        "catalog.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    method = models.CharField(
        _("method"), max_length=8, choices=PaymentMethod.choices, default=PaymentMethod.BANK
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    allocated_amount = models.DecimalField(
        _("allocated"), max_digits=18, decimal_places=2, default=0
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_payments",
        verbose_name=_("manager"),
    )
    department = models.ForeignKey(
        "core.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("department"),
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [
            models.Index(fields=["client", "-date"], name="payment_client_idx"),
            models.Index(fields=["manager", "-date"], name="payment_manager_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_positive"),
        ]

    def __str__(self) -> str:
        return str(
            _("Payment %(amount)s %(currency)s of %(date)s")
            % {"amount": self.amount, "currency": self.currency_id, "date": self.date}
        )

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("billing:payment_detail", args=[self.pk])

    @property
    def unallocated(self) -> Decimal:
        return self.amount - self.allocated_amount


class PaymentAllocation(models.Model):
    """The part of a payment that pays an invoice."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["payment", "created_at"]
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")
        constraints = [
            models.UniqueConstraint(fields=["payment", "invoice"], name="allocation_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.invoice_id}: {self.amount}"
