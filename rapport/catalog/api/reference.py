"""API of the reference lists: units, VAT rates, currencies and exchange rates."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from .. import selectors
from ..services import reference as reference_services
from ._common import _Catalog
from .serializers import (
    CurrencySerializer,
    ExchangeRateSerializer,
    UnitSerializer,
    VatRateSerializer,
)


class UnitViewSet(_Catalog):
    """Units of measure."""

    serializer_class = UnitSerializer
    ordering = ("name",)
    ordering_map = {"name": "name", "code": "code"}
    fields = ("name", "code", "full_name")

    def get_queryset(self):
        return selectors.units(actor=self.request.user)

    def _get(self, pk: Any) -> Any:
        return selectors.unit_get(actor=self.request.user, pk=pk)

    def _save(self, instance: Any, data: dict[str, Any]) -> Any:
        return reference_services.unit_save(actor=self.request.user, unit=instance, **data)

    def _delete(self, instance: Any) -> None:
        reference_services.unit_delete(actor=self.request.user, unit=instance)


class VatRateViewSet(_Catalog):
    """VAT rates; ``rate`` null is "without VAT"."""

    serializer_class = VatRateSerializer
    ordering = ("position", "name")
    ordering_map = {"name": "name", "position": "position"}
    fields = ("name", "rate", "is_active", "position")

    def get_queryset(self):
        return selectors.vat_rates(actor=self.request.user)

    def _get(self, pk: Any) -> Any:
        return selectors.vat_rate_get(actor=self.request.user, pk=pk)

    def _save(self, instance: Any, data: dict[str, Any]) -> Any:
        return reference_services.vat_rate_save(actor=self.request.user, vat_rate=instance, **data)

    def _delete(self, instance: Any) -> None:
        reference_services.vat_rate_delete(actor=self.request.user, vat_rate=instance)


@extend_schema_view(
    retrieve=extend_schema(parameters=[OpenApiParameter("code", OpenApiTypes.STR, "path")]),
)
class CurrencyViewSet(_Catalog):
    """Currencies by ISO 4217 code (the code is the id)."""

    serializer_class = CurrencySerializer
    ordering = ("code",)
    ordering_map = {"code": "code", "name": "name"}
    lookup_value_converter = "str"
    fields = ("code", "name", "symbol", "minor_units", "is_active")

    def get_queryset(self):
        return selectors.currencies(actor=self.request.user)

    def _get(self, pk: Any) -> Any:
        return selectors.currency_get(actor=self.request.user, code=str(pk))

    def _save(self, instance: Any, data: dict[str, Any]) -> Any:
        if instance is not None:
            data["code"] = instance.code
        return reference_services.currency_save(actor=self.request.user, **data)

    def _delete(self, instance: Any) -> None:
        reference_services.currency_delete(actor=self.request.user, currency=instance)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("currency", OpenApiTypes.STR),
            OpenApiParameter("base", OpenApiTypes.STR),
        ]
    )
)
class ExchangeRateViewSet(_Catalog):
    """``rate`` units of ``base`` buy ``multiplier`` units of ``currency`` from ``date``."""

    serializer_class = ExchangeRateSerializer
    ordering = ("-date", "currency_id")
    ordering_map = {"date": "date"}
    fields = ("currency", "base", "date", "rate", "multiplier")

    def get_queryset(self):
        p = self.request.query_params
        return selectors.exchange_rates(
            actor=self.request.user, currency=p.get("currency", ""), base=p.get("base", "")
        )

    def _get(self, pk: Any) -> Any:
        return selectors.exchange_rate_get(actor=self.request.user, pk=pk)

    def _save(self, instance: Any, data: dict[str, Any]) -> Any:
        return reference_services.exchange_rate_save(
            actor=self.request.user, exchange_rate=instance, **data
        )

    def _delete(self, instance: Any) -> None:
        reference_services.exchange_rate_delete(actor=self.request.user, exchange_rate=instance)
