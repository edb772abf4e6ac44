"""``/api/v1/sales-plans/``: sales plans with their lines (nested).

Every user reads the plans (lines filtered to what they may see); directors,
administrators and heads of department (for their department) write; a refused write
answers 403 and changes nothing; a missing or trashed plan answers 404."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from rapport.core.api import AllowListOrderingFilter

from ..models import PlanPeriod, SalesPlan, SalesPlanLine
from ..selectors import plans as selectors
from ..services import plans as services


class PlanLineSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    manager = serializers.UUIDField(allow_null=True, required=False, source="manager_id")
    department = serializers.UUIDField(allow_null=True, required=False, source="department_id")
    product_group = serializers.UUIDField(
        allow_null=True, required=False, source="product_group_id"
    )
    client = serializers.UUIDField(allow_null=True, required=False, source="client_id")
    target_name = serializers.SerializerMethodField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0)
    count = serializers.IntegerField(min_value=0, required=False, default=0)

    def get_target_name(self, line: SalesPlanLine) -> str:
        for name in services.TARGETS:
            if getattr(line, f"{name}_id", None) is not None:
                return str(getattr(line, name))
        return ""


class SalesPlanSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=200)
    period = serializers.ChoiceField(choices=PlanPeriod.choices)
    period_start = serializers.DateField(
        help_text="Any day of the period; stored as the period's first day."
    )
    period_end = serializers.SerializerMethodField()
    currency = serializers.CharField(source="currency_id", max_length=3)
    lines = PlanLineSerializer(many=True, required=False)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_period_end(self, plan: SalesPlan) -> str:
        return services.period_end(plan.period, plan.period_start).isoformat()

    def to_representation(self, plan: SalesPlan) -> dict[str, Any]:
        data = super().to_representation(plan)
        actor = self.context["request"].user
        lines = selectors.plan_lines(actor=actor, plan=plan)
        data["lines"] = PlanLineSerializer(lines, many=True).data
        return data

    def to_service(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        if "currency_id" in data:
            data["currency"] = data.pop("currency_id")
        if "lines" in data:
            data["lines"] = [
                {
                    "manager": line.get("manager_id"),
                    "department": line.get("department_id"),
                    "product_group": line.get("product_group_id"),
                    "client": line.get("client_id"),
                    "amount": line["amount"],
                    "count": line.get("count", 0),
                }
                for line in data["lines"]
            ]
        return data


@extend_schema_view(
    create=extend_schema(responses={201: SalesPlanSerializer}),
    destroy=extend_schema(description="Moves the plan to the trash (restorable)."),
)
class SalesPlanViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Sales plans by period (month, quarter, year) with lines per manager, department,
    product group or client (amount in the plan's currency and number of won deals)."""

    serializer_class = SalesPlanSerializer
    filter_backends = [AllowListOrderingFilter]
    ordering = ("-created_at", "-id")
    ordering_map = {"created_at": "created_at", "period_start": "period_start"}
    lookup_value_converter = "uuid"

    def get_queryset(self):
        return selectors.plan_list(actor=self.request.user)

    def _respond(self, plan: SalesPlan, code: int = status.HTTP_200_OK) -> Response:
        plan = selectors.plan_get(actor=self.request.user, pk=plan.pk)
        headers = {}
        if code == status.HTTP_201_CREATED:
            headers["Location"] = reverse("api:sales-plan-detail", kwargs={"pk": plan.pk})
        return Response(self.get_serializer(plan).data, status=code, headers=headers)

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(self.get_serializer(selectors.plan_get(actor=request.user, pk=pk)).data)

    def create(self, request: Request) -> Response:
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.to_service()
        data.setdefault("lines", [])
        plan = services.plan_create(actor=request.user, **data)
        return self._respond(plan, status.HTTP_201_CREATED)

    def update(self, request: Request, pk=None, partial: bool = False) -> Response:
        plan = selectors.plan_get(actor=request.user, pk=pk)
        form = self.get_serializer(plan, data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        plan = services.plan_update(actor=request.user, plan=plan, **form.to_service())
        return self._respond(plan)

    def partial_update(self, request: Request, pk=None) -> Response:
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request: Request, pk=None) -> Response:
        plan = selectors.plan_get(actor=request.user, pk=pk)
        services.plan_delete(actor=request.user, plan=plan)
        return Response(status=status.HTTP_204_NO_CONTENT)
