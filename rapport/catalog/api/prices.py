"""API of prices: price types, price lists with their items, discount rules."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from .. import selectors
from ..services import prices as price_services
from ..services import reference as reference_services
from ._common import _Catalog, _flag, _uuid_param
from .serializers import (
    DiscountRuleSerializer,
    PriceListSerializer,
    PriceTypeSerializer,
)


class PriceTypeViewSet(_Catalog):
    """Kinds of price (retail, wholesale...); one is the default."""

    serializer_class = PriceTypeSerializer
    ordering = ("position", "name")
    ordering_map = {"name": "name", "position": "position", "code": "code"}
    fields = ("code", "name", "includes_vat", "is_default", "is_active", "position")

    def get_queryset(self):
        return selectors.price_types(actor=self.request.user)

    def _get(self, pk: Any) -> Any:
        return selectors.price_type_get(actor=self.request.user, pk=pk)

    def _save(self, instance: Any, data: dict[str, Any]) -> Any:
        return reference_services.price_type_save(
            actor=self.request.user, price_type=instance, **data
        )

    def _delete(self, instance: Any) -> None:
        reference_services.price_type_delete(actor=self.request.user, price_type=instance)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("price_type", OpenApiTypes.UUID),
            OpenApiParameter("currency", OpenApiTypes.STR),
            OpenApiParameter("active", OpenApiTypes.BOOL),
            OpenApiParameter("search", OpenApiTypes.STR, description="Name contains."),
        ],
        description="Price lists without their items (retrieve one for its `items`).",
    ),
    destroy=extend_schema(description="Moves the price list to the trash."),
)
class PriceListViewSet(_Catalog):
    """Prices of one type in one currency, valid from a date; ``items`` hold the prices
    (writing ``items`` replaces every price of the list, all or nothing)."""

    serializer_class = PriceListSerializer
    ordering = ("-valid_from", "name")
    ordering_map = {"valid_from": "valid_from", "name": "name", "created_at": "created_at"}

    def get_queryset(self):
        p = self.request.query_params
        return selectors.price_list_list(
            actor=self.request.user,
            filters=selectors.PriceListFilters(
                price_type=_uuid_param(p, "price_type"),
                currency=p.get("currency", ""),
                active=_flag(p, "active"),
                search=p.get("search", ""),
            ),
        )

    def _get(self, pk: Any) -> Any:
        return selectors.price_list_get(actor=self.request.user, pk=pk, with_items=True)

    def _respond(self, record: Any, code: int = status.HTTP_200_OK) -> Response:
        context = {**self.get_serializer_context(), "with_items": True}
        return Response(PriceListSerializer(self._get(record.pk), context=context).data, code)

    def retrieve(self, request, pk=None):
        return self._respond(self._get(pk))

    def create(self, request):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        price_list = price_services.price_list_create(actor=request.user, **data)
        return self._respond(price_list, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        price_list = self._get(pk)
        form = self.get_serializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        data = {k: v for k, v in form.validated_data.items() if not partial or k in request.data}
        price_list = price_services.price_list_update(
            actor=request.user, price_list=price_list, **data
        )
        return self._respond(price_list)

    def _delete(self, instance: Any) -> None:
        price_services.price_list_trash(actor=self.request.user, price_list=instance)


class DiscountRuleViewSet(_Catalog):
    """Automatic discounts per client category and/or product group (the largest
    matching rule applies)."""

    serializer_class = DiscountRuleSerializer
    ordering = ("name",)
    ordering_map = {"name": "name"}
    fields = (
        "name",
        "client_category",
        "product_group",
        "percent",
        "valid_from",
        "valid_to",
        "is_active",
    )

    def get_queryset(self):
        return selectors.discount_rules(actor=self.request.user)

    def _get(self, pk: Any) -> Any:
        return selectors.discount_rule_get(actor=self.request.user, pk=pk)

    def _save(self, instance: Any, data: dict[str, Any]) -> Any:
        return reference_services.discount_rule_save(actor=self.request.user, rule=instance, **data)

    def _delete(self, instance: Any) -> None:
        reference_services.discount_rule_delete(actor=self.request.user, rule=instance)
