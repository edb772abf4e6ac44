"""``/api/v1/jobs/``: background jobs of the caller (all of them for administrators)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import jobs, selectors, services
from .models import Job, JobStatus

ERRORS_IN_ANSWER = 1000


class JobErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True)
    object_id = serializers.CharField()
    field = serializers.CharField()
    message = serializers.CharField()


class JobSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    kind = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=JobStatus.choices, read_only=True)
    progress = serializers.FloatField(read_only=True, help_text=_("0..1"))
    total = serializers.IntegerField(read_only=True, allow_null=True)
    processed = serializers.IntegerField(read_only=True)
    counts = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    result = serializers.DictField(read_only=True)
    message = serializers.CharField(read_only=True, help_text=_("Why the job failed."))
    created_at = serializers.DateTimeField(read_only=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)
    undoable = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField(help_text=_("The job's output file, when done."))

    def get_undoable(self, job: Job) -> bool:
        return jobs.is_undoable(job)

    def get_file_url(self, job: Job) -> str | None:
        if not job.output_file or job.status != JobStatus.DONE:
            return None
        request = self.context.get("request")
        url = reverse("api:job-file", kwargs={"pk": job.pk})
        return request.build_absolute_uri(url) if request else url


class JobDetailSerializer(JobSerializer):
    errors = serializers.SerializerMethodField(
        help_text=_("The first problems met (row, field, message); counts.errors has them all.")
    )

    def get_errors(self, job: Job) -> list[dict[str, Any]]:
        rows = selectors.job_errors(job=job)[:ERRORS_IN_ANSWER]
        return JobErrorSerializer(rows, many=True).data


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Long work started through the browser or the API: progress, counts, problems."""

    serializer_class = JobSerializer
    lookup_value_converter = "uuid"

    def get_queryset(self):
        return selectors.jobs_for(actor=self.request.user, kind=self.request.GET.get("kind", ""))

    def get_serializer_class(self):
        return JobDetailSerializer if self.action != "list" else JobSerializer

    def get_object(self) -> Job:
        return selectors.job_get(actor=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="file")
    def file(self, request, pk=None):
        """The job's output (an export, a report), once it is done."""
        job = self.get_object()
        if not job.output_file or job.status != JobStatus.DONE:
            raise Http404
        return FileResponse(
            job.output_file.open("rb"), as_attachment=True, filename=job.output_name or "file"
        )

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"], url_path="undo")
    def undo(self, request, pk=None):
        """Undo a finished import or batch change; answers the undo job."""
        undo = services.job_undo(actor=request.user, job=self.get_object())
        return Response(
            JobSerializer(undo, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
        )
