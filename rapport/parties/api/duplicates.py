"""API of duplicates and merges: the review queue, "not a duplicate", the scan job, merge
and undo. Thin: every read and write goes through ``parties.duplicate_queue``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from .. import duplicate_queue as queue
from ..duplicates import reason_texts
from ..models import DuplicatePair, DuplicateTarget, Merge


class PairSerializer(serializers.ModelSerializer):
    target = serializers.SerializerMethodField()
    status = serializers.CharField(read_only=True, help_text="open, merged or dismissed")
    reasons = serializers.SerializerMethodField()

    class Meta:
        model = DuplicatePair
        fields = ["id", "target", "first_id", "second_id", "score", "reasons", "status", "found_at"]

    def get_target(self, pair: DuplicatePair) -> str:
        return "contacts" if pair.target == DuplicateTarget.CONTACT else "clients"

    def get_reasons(self, pair: DuplicatePair) -> list[dict[str, str]]:
        return [
            {"code": code, "text": text}
            for code, text in zip(pair.reasons, reason_texts(pair.reasons), strict=False)
        ]


class MergeSerializer(serializers.ModelSerializer):
    survivor = serializers.UUIDField(source="survivor_id")
    merged = serializers.ListField(source="merged_ids", child=serializers.UUIDField())
    target = serializers.SerializerMethodField()

    class Meta:
        model = Merge
        fields = ["id", "target", "survivor", "merged", "created_at", "undone_at"]

    def get_target(self, merge: Merge) -> str:
        return "contacts" if merge.target == DuplicateTarget.CONTACT else "clients"


class MergeRequestSerializer(serializers.Serializer):
    target = serializers.CharField(default="clients", help_text="clients or contacts")
    survivor = serializers.UUIDField()
    merged = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=4)
    fields = serializers.DictField(child=serializers.UUIDField(), required=False)
    drop_details = serializers.ListField(child=serializers.UUIDField(), required=False)

    def validate_target(self, value: str) -> str:
        if value not in ("clients", "contacts"):
            raise serializers.ValidationError(_("Use “clients” or “contacts”."))
        return value


class ScanSerializer(serializers.Serializer):
    job = serializers.UUIDField()
    status = serializers.CharField()
    url = serializers.CharField()


class _QueuePagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-score", "id")


class DuplicateViewSet(viewsets.GenericViewSet):
    """Possible duplicates of which the caller sees both records."""

    serializer_class = PairSerializer
    pagination_class = _QueuePagination
    filter_backends: list[Any] = []
    lookup_value_converter = "uuid"

    def get_queryset(self):
        params = self.request.query_params
        return queue.duplicate_pairs(
            actor=self.request.user,
            target=queue.parse_target(params.get("target")),
            min_score=queue.parse_score(params.get("min_score")),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("target", str, enum=["clients", "contacts"]),
            OpenApiParameter("min_score", float, description="0..1"),
        ]
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=None, responses=PairSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        pair = queue.duplicate_pair_get(actor=request.user, pk=pk)
        return Response(PairSerializer(queue.duplicate_dismiss(actor=request.user, pair=pair)).data)

    @extend_schema(request=None, responses={202: ScanSerializer})
    @action(detail=False, methods=["post"])
    def scan(self, request):
        job = queue.duplicate_scan_start(actor=request.user)
        return Response(
            {"job": job.pk, "status": job.status, "url": f"/api/v1/jobs/{job.pk}/"},
            status=status.HTTP_202_ACCEPTED,
        )


class MergeViewSet(viewsets.GenericViewSet):
    """Merges of duplicate clients or contact persons; undoable."""

    serializer_class = MergeSerializer
    lookup_value_converter = "uuid"

    def get_queryset(self):  # for the schema only: every read goes through merge_get
        return Merge.objects.none()

    def retrieve(self, request, pk=None):
        return Response(MergeSerializer(queue.merge_get(actor=request.user, pk=pk)).data)

    @extend_schema(request=MergeRequestSerializer, responses={201: MergeSerializer})
    def create(self, request):
        data = MergeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        merge = queue.merge_start(
            actor=request.user,
            target=queue.parse_target(given["target"]),
            survivor=given["survivor"],
            merged=given["merged"],
            fields=given.get("fields") or {},
            drop_details=given.get("drop_details") or [],
        )
        return Response(MergeSerializer(merge).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=MergeSerializer)
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        merge = queue.merge_get(actor=request.user, pk=pk)
        return Response(MergeSerializer(queue.merge_undo_by(actor=request.user, merge=merge)).data)
