"""Pipelines (sales technologies) with their stages, deals with product lines, each deal's
stage history, and sales plans.

A deal is open, won or lost; won and lost are final states with a date, and a closed deal
keeps the stage it was closed from, so the funnel can tell how far it got.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rapport.core.ids import new_id
from rapport.core.models import BusinessRecord


class Pipeline(models.Model):
    """A sales technology: an ordered set of stages a deal goes through."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return self.name


# What a stage may require of a deal before it enters (code -> label).
STAGE_REQUIREMENTS: dict[str, object] = {
    "lines": _("Product lines"),
    "contacts": _("Contact persons"),
    "amount": _("Amount"),
    "expected_close": _("Expected close date"),
    "description": _("Description"),
}


class Stage(models.Model):
    """A step of a pipeline; ``position`` orders them (the funnel's order)."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.CASCADE, related_name="stages", verbose_name=_("pipeline")
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    probability = models.PositiveSmallIntegerField(_("probability, %"), default=0)
    required_fields = models.JSONField(_("required to enter"), default=list, blank=True)
    color = models.CharField(_("colour"), max_length=16, default="secondary")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["pipeline", "position"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_unique_name"),
            models.CheckConstraint(
                condition=models.Q(probability__lte=100), name="stage_probability_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StageAction(models.Model):
    """A typical action of a stage: a task created for the deal's manager when a deal
    enters the stage."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    stage = models.ForeignKey(
        Stage, on_delete=models.CASCADE, related_name="actions", verbose_name=_("stage")
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    due_in_days = models.PositiveIntegerField(_("due in, days"), default=1)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["stage", "position"]
        verbose_name = _("typical action")
        verbose_name_plural = _("typical actions")

    def __str__(self) -> str:
        return self.title


class LostReason(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")

    def __str__(self) -> str:
        return self.name


class Competitor(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")

    def __str__(self) -> str:
        return self.name


class DealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Deal(BusinessRecord):
    """A sale in progress with a client."""

    title = models.CharField(_("title"), max_length=300)
    client = models.ForeignKey(
        "parties.Client", on_delete=models.PROTECT, related_name="deals", verbose_name=_("client")
    )
    contacts = models.ManyToManyField(
        "parties.ContactPerson", blank=True, related_name="deals", verbose_name=_("contact persons")
    )
    organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.PROTECT, related_name="deals", verbose_name=_("pipeline")
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="deals", verbose_name=_("stage")
    )
    status = models.CharField(
        _("status"), max_length=8, choices=DealStatus.choices, default=DealStatus.OPEN
    )
    # Computed from the lines when there are lines, entered by hand otherwise.
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=0)
    currency = models.ForeignKey(
        "catalog.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    # The amount in the organisation's base currency at the rate of the day it was set:
    # what the funnel, plans and reports add up across currencies.
    amount_base = models.DecimalField(
        _("amount in base currency"), max_digits=18, decimal_places=2, default=0
    )
    price_type = models.ForeignKey(
        "catalog.PriceType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("price type"),
    )
    probability = models.PositiveSmallIntegerField(_("probability, %"), default=0)
    expected_close = models.DateField(_("expected close date"), null=True, blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_deals",
        verbose_name=_("manager"),
    )
    # The manager's department when the deal was assigned (heads see their department's).
    department = models.ForeignKey(
        "core.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("department"),
    )
    source = models.ForeignKey(
        "parties.Source",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("source"),
    )
    # The marketing campaign (a later app) it came from, by id: sales cannot know it.
    campaign_id = models.UUIDField(_("campaign"), null=True, blank=True)
    competitors = models.ManyToManyField(
        Competitor, blank=True, related_name="deals", verbose_name=_("competitors")
    )
    lost_reason = models.ForeignKey(
        LostReason,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lost reason"),
    )
    lost_comment = models.TextField(_("why lost"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    stage_entered_at = models.DateTimeField(_("in the stage since"), default=timezone.now)
    # The largest stage position the deal has reached (the funnel's "reached").
    furthest_position = models.PositiveIntegerField(default=0)
    description = models.TextField(_("description"), blank=True)
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    # Optimistic locking: every save increments it; a save based on an older version is
    # refused (a conflict, 409 in the API) instead of overwriting someone else's change.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            models.Index(fields=["pipeline", "status", "stage"], name="deal_board_idx"),
            models.Index(fields=["manager", "status"], name="deal_manager_idx"),
            models.Index(fields=["client", "-created_at"], name="deal_client_idx"),
            models.Index(fields=["status", "closed_at"], name="deal_closed_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("sales:deal_detail", args=[self.pk])


class DealLine(models.Model):
    """A product line of a deal. ``amount`` is after the discount; VAT is on top of it or
    inside it as the deal's price type says (``vat_amount`` either way)."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
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
    discount_is_manual = models.BooleanField(default=False)
    vat_rate = models.DecimalField(
        _("VAT, %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=0)
    vat_amount = models.DecimalField(_("VAT"), max_digits=18, decimal_places=2, default=0)

    class Meta:
        ordering = ["deal", "position"]
        verbose_name = _("deal line")
        verbose_name_plural = _("deal lines")

    def __str__(self) -> str:
        return self.description or str(self.product_id)


class StageVisit(models.Model):
    """A deal's stay in a stage: when it entered and when it left (null: still there).
    The funnel's conversions and times in stage are read from here."""

    id = models.BigAutoField(primary_key=True)
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_visits")
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="visits")
    entered_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["deal", "entered_at", "id"]
        verbose_name = _("stage visit")
        verbose_name_plural = _("stage history")
        indexes = [
            models.Index(fields=["deal", "entered_at"], name="stage_visit_deal_idx"),
            models.Index(fields=["stage", "entered_at"], name="stage_visit_stage_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id} @ {self.stage_id}"


class PlanPeriod(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class SalesPlan(BusinessRecord):
    """A sales plan for one period: its lines set targets per manager, department, product
    group or client, in amount (in ``currency``) and number of won deals."""

    name = models.CharField(_("name"), max_length=200)
    period = models.CharField(_("period"), max_length=8, choices=PlanPeriod.choices)
    period_start = models.DateField(_("period start"))
    currency = models.ForeignKey(
        "catalog.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )

    class Meta:
        ordering = ["-period_start", "name"]
        verbose_name = _("sales plan")
        verbose_name_plural = _("sales plans")

    def __str__(self) -> str:
        return self.name


class SalesPlanLine(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    plan = models.ForeignKey(SalesPlan, on_delete=models.CASCADE, related_name="lines")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("manager"),
    )
    department = models.ForeignKey(
        "core.Department",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("department"),
    )
    product_group = models.ForeignKey(
        "catalog.ProductGroup",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("product group"),
    )
    client = models.ForeignKey(
        "parties.Client",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("client"),
    )
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=0)
    count = models.PositiveIntegerField(_("won deals"), default=0)

    class Meta:
        ordering = ["plan"]
        verbose_name = _("plan line")
        verbose_name_plural = _("plan lines")

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.amount}"
