"""``/api/v1/reports/funnel/`` and ``/api/v1/reports/plan-vs-fact/``: read-only reports
within the caller's scope. Bad parameters answer 400 problem details naming them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as DrfValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..selectors import funnel as funnel_selectors
from ..selectors import plans as plan_selectors

FUNNEL_PARAMETERS = [
    OpenApiParameter(
        "pipeline", OpenApiTypes.UUID, description="Pipeline (default: the default one)."
    ),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Closed from (inclusive)."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Closed until (inclusive)."),
    OpenApiParameter("manager", OpenApiTypes.UUID, description="Deals of this manager."),
    OpenApiParameter("department", OpenApiTypes.UUID, description="Department and below."),
    OpenApiParameter("product_group", OpenApiTypes.UUID, description="Group and subgroups."),
    OpenApiParameter("category", OpenApiTypes.UUID, description="Client category."),
]

FUNNEL_STAGE_FIELDS = (
    "FunnelStage",
    {
        "stage": serializers.UUIDField(),
        "name": serializers.CharField(),
        "position": serializers.IntegerField(),
        "open_count": serializers.IntegerField(),
        "open_amount": serializers.DecimalField(max_digits=18, decimal_places=2),
        "weighted_amount": serializers.DecimalField(max_digits=18, decimal_places=2),
        "reached": serializers.IntegerField(),
        "conversion_to_next": serializers.FloatField(allow_null=True),
        "conversion_to_won": serializers.FloatField(allow_null=True),
        "avg_days_in_stage": serializers.FloatField(allow_null=True),
    },
)

FunnelSchema = inline_serializer(
    "Funnel",
    {
        "pipeline": serializers.UUIDField(),
        "date_from": serializers.DateField(),
        "date_to": serializers.DateField(),
        "manager": serializers.UUIDField(allow_null=True),
        "department": serializers.UUIDField(allow_null=True),
        "product_group": serializers.UUIDField(allow_null=True),
        "category": serializers.UUIDField(allow_null=True),
        "stages": inline_serializer(*FUNNEL_STAGE_FIELDS, many=True),
        "won": serializers.IntegerField(),
        "lost": serializers.IntegerField(),
    },
)


def _money(value) -> str:
    return f"{value:.2f}"


def funnel_data(result: funnel_selectors.Funnel) -> dict:
    f = result.filters
    return {
        "pipeline": str(result.pipeline),
        "date_from": f.date_from.isoformat(),
        "date_to": f.date_to.isoformat(),
        "manager": str(f.manager) if f.manager else None,
        "department": str(f.department) if f.department else None,
        "product_group": str(f.product_group) if f.product_group else None,
        "category": str(f.category) if f.category else None,
        "stages": [
            {
                "stage": str(s.stage),
                "name": s.name,
                "position": s.position,
                "open_count": s.open_count,
                "open_amount": _money(s.open_amount),
                "weighted_amount": _money(s.weighted_amount),
                "reached": s.reached,
                "conversion_to_next": s.conversion_to_next,
                "conversion_to_won": s.conversion_to_won,
                "avg_days_in_stage": s.avg_days_in_stage,
            }
            for s in result.stages
        ],
        "won": result.won,
        "lost": result.lost,
    }


def _as_drf(exc: ValidationError) -> DrfValidationError:
    return DrfValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


class FunnelView(APIView):
    """The sales funnel of a pipeline: open deals per stage (count, amount, weighted
    amount) and, for deals closed in the period, how many reached each stage, the
    conversions, the average days in stage, won and lost. Within the caller's scope."""

    @extend_schema(parameters=FUNNEL_PARAMETERS, responses={200: FunnelSchema})
    def get(self, request: Request) -> Response:
        try:
            filters = funnel_selectors.funnel_filters(params=request.query_params)
        except ValidationError as exc:
            raise _as_drf(exc) from exc
        return Response(funnel_data(funnel_selectors.funnel(actor=request.user, filters=filters)))


PlanFactSchema = inline_serializer(
    "PlanVsFact",
    {
        "plan": serializers.UUIDField(),
        "name": serializers.CharField(),
        "period": serializers.CharField(),
        "period_start": serializers.DateField(),
        "period_end": serializers.DateField(),
        "currency": serializers.CharField(),
        "lines": inline_serializer(
            "PlanVsFactLine",
            {
                "line": serializers.UUIDField(),
                "kind": serializers.CharField(),
                "target": serializers.UUIDField(),
                "target_name": serializers.CharField(),
                "plan_amount": serializers.DecimalField(max_digits=18, decimal_places=2),
                "fact_amount": serializers.DecimalField(max_digits=18, decimal_places=2),
                "amount_percent": serializers.FloatField(allow_null=True),
                "plan_count": serializers.IntegerField(),
                "fact_count": serializers.IntegerField(),
                "count_percent": serializers.FloatField(allow_null=True),
            },
            many=True,
        ),
    },
)


def plan_fact_data(report: plan_selectors.PlanFact) -> dict:
    plan = report.plan
    return {
        "plan": str(plan.pk),
        "name": plan.name,
        "period": plan.period,
        "period_start": plan.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "currency": plan.currency_id,
        "lines": [
            {
                "line": str(r.line.pk),
                "kind": r.kind,
                "target": str(getattr(r.line, f"{r.kind}_id")),
                "target_name": r.target,
                "plan_amount": _money(r.plan_amount),
                "fact_amount": _money(r.fact_amount),
                "amount_percent": r.amount_percent,
                "plan_count": r.plan_count,
                "fact_count": r.fact_count,
                "count_percent": r.count_percent,
            }
            for r in report.rows
        ],
    }


class PlanVsFactView(APIView):
    """Plan vs fact of a sales plan: per line, the target and the won deals of the period
    (amount in the plan's currency, count) within the caller's scope, with completion
    percents."""

    @extend_schema(
        parameters=[OpenApiParameter("plan", OpenApiTypes.UUID, required=True)],
        responses={200: PlanFactSchema},
    )
    def get(self, request: Request) -> Response:
        raw = request.query_params.get("plan", "")
        try:
            plan_id = funnel_selectors.uuid_param({"plan": raw}, "plan")
        except ValidationError as exc:
            raise _as_drf(exc) from exc
        if plan_id is None:
            raise DrfValidationError({"plan": ["This parameter is required."]})
        plan = plan_selectors.plan_get(actor=request.user, pk=plan_id)
        try:
            report = plan_selectors.plan_vs_fact(actor=request.user, plan=plan)
        except ValidationError as exc:
            raise _as_drf(exc) from exc
        return Response(plan_fact_data(report))
