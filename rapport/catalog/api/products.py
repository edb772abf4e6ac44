"""API of products (with the price quote of a product) and of the product group tree."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import selectors
from ..services import groups as group_services
from ..services import products as product_services
from ._common import _Catalog, _flag, _uuid_param
from .serializers import (
    PriceQuoteSerializer,
    ProductDetailSerializer,
    ProductGroupSerializer,
    ProductSerializer,
)

PRODUCT_FILTERS = [
    OpenApiParameter("search", OpenApiTypes.STR, description="Name, SKU or barcode."),
    OpenApiParameter("group", OpenApiTypes.UUID, description="A group and its subgroups."),
    OpenApiParameter("active", OpenApiTypes.BOOL),
]


@extend_schema_view(
    list=extend_schema(parameters=PRODUCT_FILTERS),
    retrieve=extend_schema(responses=ProductDetailSerializer),
    create=extend_schema(responses={201: ProductSerializer}),
    destroy=extend_schema(description="Moves the product to the trash."),
)
class ProductViewSet(_Catalog):
    """Goods and services of the catalogue."""

    serializer_class = ProductSerializer
    ordering = ("name", "id")
    ordering_map = {
        "name": "name",
        "sku": "sku",
        "created_at": "created_at",
        "updated_at": "updated_at",
    }

    def get_queryset(self):
        p = self.request.query_params
        return selectors.product_list(
            actor=self.request.user,
            filters=selectors.ProductFilters(
                search=p.get("search", ""),
                group=_uuid_param(p, "group"),
                active=_flag(p, "active"),
            ),
        )

    def _get(self, pk: Any) -> Any:
        return selectors.product_get(actor=self.request.user, pk=pk)

    def retrieve(self, request, pk=None):
        product = self._get(pk)
        prices = selectors.product_prices(actor=request.user, product=product)
        context = {**self.get_serializer_context(), "prices": prices}
        return Response(ProductDetailSerializer(product, context=context).data)

    def create(self, request):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        product = product_services.product_create(actor=request.user, **form.validated_data)
        return self._respond(product, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        product = self._get(pk)
        form = self.get_serializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        data = {k: v for k, v in form.validated_data.items() if not partial or k in request.data}
        return self._respond(
            product_services.product_update(actor=request.user, product=product, **data)
        )

    def _delete(self, instance: Any) -> None:
        product_services.product_trash(actor=self.request.user, product=instance)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "price_type", OpenApiTypes.STR, description="Id or code (default type if empty)."
            ),
            OpenApiParameter(
                "currency", OpenApiTypes.STR, description="ISO code (base currency if empty)."
            ),
            OpenApiParameter("date", OpenApiTypes.DATE, description="Today if empty."),
            OpenApiParameter(
                "client", OpenApiTypes.UUID, description="Discounts for its categories."
            ),
        ],
        responses=PriceQuoteSerializer,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def price(self, request, pk=None):
        """What a deal line of the product starts from: price, automatic discount for the
        client's categories (percent) and VAT rate."""
        product = self._get(pk)
        p = request.query_params
        price_type = None
        raw_type = (p.get("price_type") or "").strip()
        if raw_type:
            try:
                key = {"pk": uuid.UUID(raw_type)}
            except ValueError:
                key = {"code": raw_type}
            price_type = selectors.price_types(actor=request.user).filter(**key).first()
            if price_type is None:
                raise ValidationError({"price_type": [_("No such price type.")]})
        on = None
        if p.get("date"):
            try:
                on = dt.date.fromisoformat(p["date"])
            except ValueError as exc:
                raise ValidationError({"date": [_("Enter a date as YYYY-MM-DD.")]}) from exc
        currency = (p.get("currency") or "").strip().upper() or None
        if currency and not selectors.currencies(actor=request.user).filter(pk=currency).exists():
            raise ValidationError({"currency": [_("No such currency.")]})
        client_id = _uuid_param(p, "client")
        client = selectors.client_for_quote(actor=request.user, pk=client_id) if client_id else None
        quote = selectors.product_price_quote(
            actor=request.user,
            product=product,
            price_type=price_type,
            currency=currency,
            on=on,
            client=client,
        )
        return Response(PriceQuoteSerializer(quote).data)


@extend_schema_view(
    destroy=extend_schema(description="Deletes an empty group (no products, no subgroups).")
)
class ProductGroupViewSet(_Catalog):
    """The tree of product groups (``parent`` null: a top group)."""

    serializer_class = ProductGroupSerializer
    ordering = ("position", "name")
    ordering_map = {"name": "name", "position": "position"}
    fields = ("name", "parent", "position")

    def get_queryset(self):
        return selectors.group_list(actor=self.request.user)

    def _get(self, pk: Any) -> Any:
        return selectors.group_get(actor=self.request.user, pk=pk)

    def _save(self, instance: Any, data: dict[str, Any]) -> Any:
        return group_services.product_group_save(actor=self.request.user, group=instance, **data)

    def _delete(self, instance: Any) -> None:
        group_services.product_group_delete(actor=self.request.user, group=instance)
