"""Serializers of the catalogue API: they parse input for the services and present
records. Money and rates are decimal strings."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rapport.parties.models import Tag

from ..models import (
    Currency,
    PriceList,
    PriceType,
    Product,
    ProductGroup,
    ProductKind,
    Unit,
    VatRate,
)


@extend_schema_field({"type": "string", "format": "decimal", "example": "1250.00"})
class RawDecimalField(serializers.Field):
    """A number the service validates (so that its message names the row and product);
    answered as a decimal string."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return None if value is None else str(value)


def _pk_field(model: Any, **kwargs: Any) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(queryset=model.objects.all(), **kwargs)


class ProductSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    kind = serializers.ChoiceField(choices=ProductKind.choices, default=ProductKind.GOODS)
    name = serializers.CharField(max_length=300, allow_blank=True)
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    barcode = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    group = _pk_field(ProductGroup, required=False, allow_null=True, default=None)
    group_name = serializers.CharField(source="group.name", read_only=True, default=None)
    unit = _pk_field(Unit, required=False, allow_null=True, default=None)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None)
    vat_rate = _pk_field(VatRate, required=False, allow_null=True, default=None)
    vat_percent = serializers.DecimalField(
        source="vat_rate.rate",
        max_digits=5,
        decimal_places=2,
        read_only=True,
        default=None,
        help_text="The VAT rate in percent; null: without VAT.",
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")
    properties = serializers.DictField(
        required=False,
        default=dict,
        help_text='User-defined properties by code; null or "" removes a value.',
    )
    is_active = serializers.BooleanField(required=False, default=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class CurrentPriceSerializer(serializers.Serializer):
    price_type = serializers.UUIDField(source="price_type.pk")
    price_type_name = serializers.CharField(source="price_type.name")
    currency = serializers.CharField()
    price = serializers.DecimalField(max_digits=18, decimal_places=4)
    price_list = serializers.UUIDField(source="price_list.pk")


class ProductDetailSerializer(ProductSerializer):
    prices = serializers.SerializerMethodField(
        help_text="Current price per price type and currency."
    )

    @extend_schema_field(CurrentPriceSerializer(many=True))
    def get_prices(self, product: Product) -> list[dict[str, Any]]:
        return CurrentPriceSerializer(self.context.get("prices", []), many=True).data


class PriceQuoteSerializer(serializers.Serializer):
    product = serializers.UUIDField(source="product.pk")
    price_type = serializers.UUIDField(source="price_type.pk", allow_null=True)
    currency = serializers.CharField()
    date = serializers.DateField(source="on")
    price = serializers.DecimalField(
        max_digits=18,
        decimal_places=4,
        allow_null=True,
        help_text="null: the product has no price of this type and currency on that day.",
    )
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    vat_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="null: without VAT."
    )
    prices_include_vat = serializers.BooleanField()


class ProductGroupSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=200, allow_blank=True)
    parent = _pk_field(ProductGroup, required=False, allow_null=True, default=None)
    position = serializers.IntegerField(min_value=0, required=False, default=0)


class UnitSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=50, allow_blank=True)
    code = serializers.CharField(
        max_length=8, required=False, allow_blank=True, default="", help_text="E.g. OKEI 796."
    )
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class VatRateSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=50, allow_blank=True)
    rate = RawDecimalField(
        required=False, allow_null=True, default=None, help_text="Percent; null: without VAT."
    )
    is_active = serializers.BooleanField(required=False, default=True)
    position = serializers.IntegerField(min_value=0, required=False, default=0)


class CurrencySerializer(serializers.Serializer):
    code = serializers.CharField(max_length=3, help_text="ISO 4217 code.")
    name = serializers.CharField(max_length=100, allow_blank=True)
    symbol = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    minor_units = serializers.IntegerField(min_value=0, max_value=4, required=False, default=2)
    is_active = serializers.BooleanField(required=False, default=True)


class ExchangeRateSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    currency = _pk_field(Currency)
    base = _pk_field(Currency)
    date = serializers.DateField()
    rate = RawDecimalField(help_text="Units of `base` for `multiplier` units of `currency`.")
    multiplier = serializers.IntegerField(min_value=1, required=False, default=1)


class PriceTypeSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    code = serializers.CharField(max_length=32, allow_blank=True)
    name = serializers.CharField(max_length=100, allow_blank=True)
    includes_vat = serializers.BooleanField(required=False, default=True)
    is_default = serializers.BooleanField(required=False, default=False)
    is_active = serializers.BooleanField(required=False, default=True)
    position = serializers.IntegerField(min_value=0, required=False, default=0)


class PriceListItemSerializer(serializers.Serializer):
    product = serializers.UUIDField()
    product_name = serializers.CharField(source="product.name", read_only=True)
    price = RawDecimalField(help_text="Not negative; up to 4 decimal places.")

    def to_representation(self, item: Any) -> dict[str, Any]:
        return {
            "product": str(item.product_id),
            "product_name": item.product.name,
            "price": str(item.price),
        }


class PriceListSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=200, allow_blank=True)
    price_type = _pk_field(PriceType)
    currency = _pk_field(Currency)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)
    is_active = serializers.BooleanField(required=False, default=True)
    items = PriceListItemSerializer(
        many=True,
        required=False,
        help_text="Every price of the list; when given on write, it replaces them all.",
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, price_list: PriceList) -> dict[str, Any]:
        data = super().to_representation(price_list)
        if not self.context.get("with_items"):
            data.pop("items", None)
        return data


class DiscountRuleSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=200, allow_blank=True)
    client_category = _pk_field(Tag, required=False, allow_null=True, default=None)
    product_group = _pk_field(ProductGroup, required=False, allow_null=True, default=None)
    percent = RawDecimalField()
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)
    is_active = serializers.BooleanField(required=False, default=True)
