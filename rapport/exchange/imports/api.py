"""API of imports: start one (multipart upload), follow it, undo it."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.core import services as core_services
from rapport.core.models import Job, JobStatus

from . import selectors, services
from .matching import MATCH_RULES
from .readers import DELIMITERS, ENCODINGS


class ImportStartSerializer(serializers.Serializer):
    file = serializers.FileField()
    target = serializers.CharField(default="clients", help_text="`clients` or `contacts`.")
    mapping = serializers.JSONField(
        required=False,
        binary=True,
        help_text='JSON object: file header -> field key (e.g. {"ИНН": "tax_id"}); '
        "guessed from the headers when left out; an empty key skips the column.",
    )
    match_on = serializers.ChoiceField(
        choices=list(MATCH_RULES),
        required=False,
        help_text="Which existing record a row updates; by default the first mapped of "
        "id, external_id, tax_id, email, phone.",
    )
    external_system = serializers.CharField(default="import", max_length=64)
    dry_run = serializers.BooleanField(default=False)
    on_error = serializers.ChoiceField(choices=["skip", "stop"], default="skip")
    encoding = serializers.ChoiceField(choices=["", *ENCODINGS], default="", required=False)
    delimiter = serializers.ChoiceField(choices=["", *DELIMITERS], default="", required=False)

    def validate_target(self, value: str) -> str:
        if value not in ("clients", "contacts"):
            raise serializers.ValidationError(_("Import into “clients” or “contacts”."))
        return value


class ImportCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True)
    field = serializers.CharField()
    message = serializers.CharField()


class ImportSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField(
        help_text="`pending`, `running`, `done` or `failed`; an undone import answers `done` "
        "with `undone: true`."
    )
    undone = serializers.BooleanField()
    dry_run = serializers.BooleanField()
    progress = serializers.FloatField(min_value=0, max_value=1)
    counts = ImportCountsSerializer()
    errors = ImportErrorSerializer(many=True)
    errors_total = serializers.IntegerField()
    message = serializers.CharField()
    file_name = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class UndoSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    url = serializers.CharField(help_text="The undo job: GET /api/v1/jobs/{id}/")


def import_data(job: Job) -> dict[str, Any]:
    errors, total = selectors.import_errors(job=job)
    undone = job.status == JobStatus.UNDONE
    return {
        "id": job.pk,
        "status": JobStatus.DONE if undone else job.status,
        "undone": undone,
        "dry_run": bool(job.params.get("dry_run")),
        "progress": round(job.progress, 4),
        "counts": {k: int(job.counts.get(k, 0)) for k in services.COUNT_NAMES},
        "errors": [{"row": e.row, "field": e.field, "message": e.message} for e in errors],
        "errors_total": total,
        "message": job.message,
        "file_name": job.input_name,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


class ImportListView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportStartSerializer},
        responses={201: ImportSerializer},
        summary="Start an import of clients or contact persons from a file",
    )
    def post(self, request):
        form = ImportStartSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        file = data.pop("file")
        job = services.import_start(actor=request.user, file=file, name=file.name, **data)
        location = reverse("api:import-detail", kwargs={"pk": job.pk})
        job.refresh_from_db()  # a worker may have started (or, run eagerly, finished) it
        body = ImportSerializer(import_data(job)).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})


class ImportDetailView(APIView):
    @extend_schema(responses=ImportSerializer, summary="Progress and report of an import")
    def get(self, request, pk):
        job = selectors.import_get(actor=request.user, pk=pk)
        return Response(ImportSerializer(import_data(job)).data)


class ImportUndoView(APIView):
    @extend_schema(request=None, responses={202: UndoSerializer}, summary="Undo an import")
    def post(self, request, pk):
        job = selectors.import_get(actor=request.user, pk=pk)
        undo = core_services.job_undo(actor=request.user, job=job)
        body = {"id": undo.pk, "status": undo.status, "url": f"/api/v1/jobs/{undo.pk}/"}
        return Response(UndoSerializer(body).data, status=status.HTTP_202_ACCEPTED)
