"""Reference lists of the catalogue in the Django admin ("Reference lists"). The pages
under /catalog/ are where users work; these are for administrators' bulk fixes."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Currency,
    DiscountRule,
    ExchangeRate,
    ManualDiscountLimit,
    PriceList,
    PriceListItem,
    PriceType,
    Product,
    ProductGroup,
    Unit,
    VatRate,
)


@admin.register(Currency)
class CurrencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "symbol", "minor_units", "is_active")
    list_editable = ("is_active",)
    search_fields = ("code", "name")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("currency", "base", "date", "rate", "multiplier")
    list_filter = ("currency", "base")
    date_hierarchy = "date"


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "full_name")
    search_fields = ("name", "code")


@admin.register(VatRate)
class VatRateAdmin(admin.ModelAdmin):
    list_display = ("name", "rate", "position", "is_active")
    list_editable = ("position", "is_active")


@admin.register(ProductGroup)
class ProductGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "position")
    list_select_related = ("parent",)
    search_fields = ("name",)


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = ("name", "sku", "kind", "group", "unit", "vat_rate", "is_active")
    list_filter = ("kind", "is_active", "group")
    list_select_related = ("group", "unit", "vat_rate")
    search_fields = ("name", "sku", "barcode")
    raw_id_fields = ("created_by", "deleted_by")


@admin.register(PriceType)
class PriceTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "includes_vat", "is_default", "is_active", "position")


class PriceListItemInline(admin.TabularInline):
    model = PriceListItem
    raw_id_fields = ("product",)
    extra = 0


@admin.register(PriceList)
class PriceListAdmin(SimpleHistoryAdmin):
    list_display = ("name", "price_type", "currency", "valid_from", "valid_to", "is_active")
    list_filter = ("price_type", "currency", "is_active")
    inlines = [PriceListItemInline]
    raw_id_fields = ("created_by", "deleted_by")


@admin.register(DiscountRule)
class DiscountRuleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "client_category",
        "product_group",
        "percent",
        "valid_from",
        "valid_to",
        "is_active",
    )


@admin.register(ManualDiscountLimit)
class ManualDiscountLimitAdmin(admin.ModelAdmin):
    list_display = ("role", "max_percent")
