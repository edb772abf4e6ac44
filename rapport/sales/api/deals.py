"""API of deals: list (filters, cursor pages), retrieve, create and update with nested
writable ``lines`` (``version`` required on update: 409 on a stale one), trash, and the
actions move / win / lose / reopen / history. Thin: selectors read, one service writes."""

from __future__ import annotations

from typing import Any

from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from rapport.catalog.models import Currency, PriceType, Product, Unit
from rapport.core import access
from rapport.core.api import AllowListOrderingFilter
from rapport.core.models import User
from rapport.parties.models import Client, ContactPerson, Source

from ..models import Competitor, Deal, DealStatus, LostReason, Stage
from ..selectors import deals as selectors
from ..services import deals as services


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The deal was changed by someone else."
    default_code = "conflict"


MONEY = {"max_digits": 18, "decimal_places": 2, "coerce_to_string": True}


class DealLineSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    position = serializers.IntegerField(read_only=True)
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.filter(deleted_at__isnull=True),
        required=False,
        allow_null=True,
    )
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    quantity = serializers.DecimalField(
        max_digits=15, decimal_places=3, required=False, coerce_to_string=True
    )
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    price = serializers.DecimalField(
        max_digits=18,
        decimal_places=4,
        required=False,
        allow_null=True,
        coerce_to_string=True,
        help_text="Omit (or null) for the catalogue price of the deal's price type.",
    )
    discount_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        allow_null=True,
        coerce_to_string=True,
        help_text="Omit for the automatic discount; another value is a manual discount "
        "(limited per role).",
    )
    discount_is_manual = serializers.BooleanField(read_only=True)
    vat_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        allow_null=True,
        coerce_to_string=True,
        help_text="Omit for the product's VAT rate; null means without VAT.",
    )
    amount = serializers.DecimalField(read_only=True, **MONEY)
    vat_amount = serializers.DecimalField(read_only=True, **MONEY)


class DealSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    title = serializers.CharField(max_length=300)
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.none())
    client_name = serializers.CharField(source="client.name", read_only=True)
    contacts = serializers.PrimaryKeyRelatedField(
        queryset=ContactPerson.objects.none(), many=True, required=False
    )
    pipeline = serializers.UUIDField(source="pipeline_id", read_only=True)
    stage = serializers.PrimaryKeyRelatedField(
        queryset=Stage.objects.select_related("pipeline"), required=False
    )
    status = serializers.ChoiceField(choices=DealStatus.choices, read_only=True)
    amount = serializers.DecimalField(
        required=False,
        allow_null=True,
        help_text="Entered amount; ignored (computed) when the deal has lines.",
        **MONEY,
    )
    currency = serializers.PrimaryKeyRelatedField(queryset=Currency.objects.all(), required=False)
    amount_base = serializers.DecimalField(read_only=True, **MONEY)
    price_type = serializers.PrimaryKeyRelatedField(
        queryset=PriceType.objects.all(), required=False, allow_null=True
    )
    probability = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True
    )
    expected_close = serializers.DateField(required=False, allow_null=True)
    manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    department = serializers.UUIDField(source="department_id", read_only=True, allow_null=True)
    source = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), required=False, allow_null=True
    )
    competitors = serializers.PrimaryKeyRelatedField(
        queryset=Competitor.objects.all(), many=True, required=False
    )
    lost_reason = serializers.UUIDField(source="lost_reason_id", read_only=True, allow_null=True)
    lost_comment = serializers.CharField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True)
    stage_entered_at = serializers.DateTimeField(read_only=True)
    description = serializers.CharField(required=False, allow_blank=True)
    lines = DealLineSerializer(many=True, required=False)
    version = serializers.IntegerField(
        required=False, help_text="Required on update: the version you read (409 if stale)."
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["client"].queryset = access.visible_to(request.user, Client)
            self.fields["contacts"].child_relation.queryset = access.visible_to(
                request.user, ContactPerson
            )


class DealMoveSerializer(serializers.Serializer):
    stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.select_related("pipeline"))
    version = serializers.IntegerField(required=False)


class DealCloseSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False)


class DealLoseSerializer(DealCloseSerializer):
    reason = serializers.PrimaryKeyRelatedField(queryset=LostReason.objects.all())
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class StageVisitSerializer(serializers.Serializer):
    stage = serializers.UUIDField(source="visit.stage_id")
    stage_name = serializers.CharField(source="visit.stage.name")
    pipeline = serializers.UUIDField(source="visit.pipeline_id")
    entered_at = serializers.DateTimeField(source="visit.entered_at")
    left_at = serializers.DateTimeField(source="visit.left_at", allow_null=True)
    entered_by = serializers.UUIDField(source="visit.entered_by_id", allow_null=True)
    seconds = serializers.SerializerMethodField()

    def get_seconds(self, obj: Any) -> int:
        return int(obj.duration.total_seconds())


DEAL_FILTERS = [
    OpenApiParameter("pipeline", OpenApiTypes.UUID),
    OpenApiParameter("stage", OpenApiTypes.UUID),
    OpenApiParameter("status", OpenApiTypes.STR, enum=DealStatus.values),
    OpenApiParameter("manager", OpenApiTypes.UUID),
    OpenApiParameter("department", OpenApiTypes.UUID),
    OpenApiParameter("client", OpenApiTypes.UUID),
    OpenApiParameter("created_from", OpenApiTypes.DATE),
    OpenApiParameter("created_to", OpenApiTypes.DATE),
    OpenApiParameter("closed_from", OpenApiTypes.DATE),
    OpenApiParameter("closed_to", OpenApiTypes.DATE),
    OpenApiParameter("search", OpenApiTypes.STR, description="Title or client name."),
]


def filters_from(params: Any) -> selectors.DealFilters:
    def day(name: str) -> Any:
        raw = params.get(name) or ""
        try:
            value = parse_date(raw) if raw else None
        except ValueError:
            value = None
        if raw and value is None:
            raise exceptions.ValidationError({name: ["Give a date as YYYY-MM-DD."]})
        return value

    return selectors.DealFilters(
        pipeline=params.get("pipeline") or None,
        stage=params.get("stage") or None,
        status=params.get("status") or "",
        manager=params.get("manager") or None,
        department=params.get("department") or None,
        client=params.get("client") or None,
        created_from=day("created_from"),
        created_to=day("created_to"),
        closed_from=day("closed_from"),
        closed_to=day("closed_to"),
        search=params.get("search") or "",
    )


def _service_data(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if "lines" in data:
        data["lines"] = [dict(line) for line in data["lines"]]
    return data


@extend_schema_view(
    list=extend_schema(parameters=DEAL_FILTERS, description="Deals in the caller's scope."),
    create=extend_schema(responses={201: DealSerializer}),
    update=extend_schema(description="`version` is required: 409 if the deal changed since."),
    partial_update=extend_schema(
        description="`version` is required: 409 if the deal changed since."
    ),
    destroy=extend_schema(description="Moves the deal to the trash."),
)
class DealViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = DealSerializer
    filter_backends = [AllowListOrderingFilter]
    ordering = ("-created_at", "-id")
    ordering_map = {
        "created_at": "created_at",
        "updated_at": "updated_at",
        "amount_base": "amount_base",
        "title": "title",
    }
    lookup_value_converter = "uuid"

    def get_queryset(self):
        return selectors.deal_list(
            actor=self.request.user, filters=filters_from(self.request.query_params)
        ).prefetch_related("lines", "contacts", "competitors")

    def _deal(self, pk: Any) -> Deal:
        return selectors.deal_get(actor=self.request.user, pk=pk)

    def _respond(self, deal: Deal, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self._deal(deal.pk)).data, status=code)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self._deal(pk)).data)

    def create(self, request):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = _service_data(form.validated_data)
        data.pop("version", None)
        stage = data.pop("stage", None)
        deal = services.deal_create(actor=request.user, stage=stage, **data)
        return self._respond(deal, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        deal = self._deal(pk)
        form = self.get_serializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        data = _service_data(form.validated_data)
        if partial:
            data = {k: v for k, v in data.items() if k in request.data}
        version = data.pop("version", None)
        if version is None:
            raise exceptions.ValidationError({"version": ["This field is required."]})
        try:
            deal = services.deal_update(actor=request.user, deal=deal, version=version, **data)
        except services.DealConflict as exc:
            raise Conflict(exc.message) from exc
        return self._respond(deal)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request, pk=None):
        services.deal_trash(actor=request.user, deal=self._deal(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _act(self, request, pk, serializer_class, fn, **extra):
        deal = self._deal(pk)
        form = serializer_class(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            deal = fn(actor=request.user, deal=deal, **form.validated_data, **extra)
        except services.DealConflict as exc:
            raise Conflict(exc.message) from exc
        return self._respond(deal)

    @extend_schema(request=DealMoveSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move the deal to a stage. 400 names the fields the stage requires and the deal
        lacks; 409 if `version` is given and stale."""
        return self._act(request, pk, DealMoveSerializer, services.deal_move)

    @extend_schema(request=DealCloseSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def win(self, request, pk=None):
        return self._act(request, pk, DealCloseSerializer, services.deal_win)

    @extend_schema(request=DealLoseSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def lose(self, request, pk=None):
        """Close as lost; `reason` (a lost reason id) is required."""
        return self._act(request, pk, DealLoseSerializer, services.deal_lose)

    @extend_schema(request=DealCloseSerializer, responses=DealSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._act(request, pk, DealCloseSerializer, services.deal_reopen)

    @extend_schema(responses=StageVisitSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        """The deal's stage history: when it entered and left each stage."""
        deal = self._deal(pk)
        stays = selectors.deal_stage_history(actor=request.user, deal=deal)
        return Response(StageVisitSerializer(stays, many=True).data)
