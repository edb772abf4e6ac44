"""The catalogue of goods and services, their prices and the currencies they are sold in.

Money is ``Decimal`` with an ISO 4217 code; prices keep four decimal places (unit prices
of cheap goods), amounts are rounded to the currency's minor units where they are computed.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from rapport.core.ids import new_id
from rapport.core.models import BusinessRecord, Role


class Currency(models.Model):
    """A currency by its ISO 4217 code."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    symbol = models.CharField(_("symbol"), max_length=8, blank=True)
    minor_units = models.PositiveSmallIntegerField(_("decimal places"), default=2)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")

    def __str__(self) -> str:
        return self.code


class ExchangeRate(models.Model):
    """``rate`` units of ``base`` buy ``multiplier`` units of ``currency`` from ``date`` on
    (the multiplier is how central banks quote weak currencies: 100 JPY = x RUB)."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    currency = models.ForeignKey(
        Currency, on_delete=models.CASCADE, related_name="rates", verbose_name=_("currency")
    )
    base = models.ForeignKey(
        Currency, on_delete=models.CASCADE, related_name="+", verbose_name=_("base currency")
    )
    date = models.DateField(_("date"))
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=6)
    multiplier = models.PositiveIntegerField(_("multiplier"), default=1)

    class Meta:
        ordering = ["currency", "base", "-date"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "base", "date"], name="exchange_rate_unique_day"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.multiplier} {self.currency_id} = {self.rate} {self.base_id} ({self.date})"


class Unit(models.Model):
    """A unit of measure (pcs, kg, hour...), with its national classifier code (OKEI in
    Russia: 796 = piece) for exchange with accounting."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    code = models.CharField(_("classifier code"), max_length=8, blank=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name


class VatRate(models.Model):
    """A VAT rate; ``rate`` null means "without VAT" (not the same as 0%)."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=50, unique=True)
    rate = models.DecimalField(_("rate, %"), max_digits=5, decimal_places=2, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("VAT rate")
        verbose_name_plural = _("VAT rates")

    def __str__(self) -> str:
        return self.name


class ProductGroup(models.Model):
    """A folder of the catalogue; groups form a tree."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent group"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="product_group_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ProductKind(models.TextChoices):
    GOODS = "goods", _("Goods")
    SERVICE = "service", _("Service")


class Product(BusinessRecord):
    """An item of the catalogue (nomenclature): goods or a service."""

    kind = models.CharField(
        _("kind"), max_length=16, choices=ProductKind.choices, default=ProductKind.GOODS
    )
    name = models.CharField(_("name"), max_length=300)
    sku = models.CharField(_("SKU"), max_length=64, blank=True, db_index=True)
    barcode = models.CharField(_("barcode"), max_length=64, blank=True, db_index=True)
    group = models.ForeignKey(
        ProductGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("group"),
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("unit")
    )
    vat_rate = models.ForeignKey(
        VatRate, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("VAT rate")
    )
    description = models.TextField(_("description"), blank=True)
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [models.Index(fields=["group", "name"], name="product_group_name_idx")]

    def __str__(self) -> str:
        return self.name


class PriceType(models.Model):
    """A kind of price (retail, wholesale, dealer...)."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    includes_vat = models.BooleanField(_("prices include VAT"), default=True)
    is_default = models.BooleanField(_("default"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("price type")
        verbose_name_plural = _("price types")

    def __str__(self) -> str:
        return self.name


class PriceList(BusinessRecord):
    """Prices of one type in one currency, valid from a date (to a date, if set). For a
    product, the valid list with the latest start wins."""

    name = models.CharField(_("name"), max_length=200)
    price_type = models.ForeignKey(
        PriceType,
        on_delete=models.PROTECT,
        related_name="price_lists",
        verbose_name=_("price type"),
    )
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, verbose_name=_("currency"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["price_type", "currency", "-valid_from"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        indexes = [
            models.Index(
                fields=["price_type", "currency", "-valid_from"], name="price_list_lookup_idx"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PriceListItem(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="items", verbose_name=_("price list")
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="prices", verbose_name=_("product")
    )
    price = models.DecimalField(_("price"), max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["price_list", "product"]
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"], name="price_unique_product"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.price}"


class DiscountRule(models.Model):
    """An automatic discount for a client category and/or a product group (a group covers
    its subgroups). Several matching rules: the largest applies, they do not add up."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=200)
    client_category = models.ForeignKey(
        "parties.Tag",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("client category"),
    )
    product_group = models.ForeignKey(
        ProductGroup,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="discount_rules",
        verbose_name=_("product group"),
    )
    percent = models.DecimalField(_("discount, %"), max_digits=5, decimal_places=2)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("discount rule")
        verbose_name_plural = _("discount rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__gt=0) & models.Q(percent__lte=100),
                name="discount_rule_percent_range",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ManualDiscountLimit(models.Model):
    """The largest discount a role may give by hand on a line."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, primary_key=True)
    max_percent = models.DecimalField(
        _("largest manual discount, %"), max_digits=5, decimal_places=2
    )

    class Meta:
        ordering = ["role"]
        verbose_name = _("manual discount limit")
        verbose_name_plural = _("manual discount limits")

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.max_percent}%"


class Warehouse(models.Model):
    """A place goods are stocked (1C's "Склад"); stock levels come from the accounting system."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self) -> str:
        return self.name


class StockLevel(models.Model):
    """How much of a product a warehouse holds, as last reported by the accounting system."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="stock_levels")
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=3, default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="stock_level_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.quantity} @ {self.warehouse}"
