"""``/api/v1/exports/``: start an export of a list, follow it, download its file.

An API export always runs as a background job (``201`` with the job); the file is offered
at ``file_url`` once the job is done. Only its author (and administrators) see a job.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from rapport.core import selectors as core_selectors
from rapport.core.job_api import JobDetailSerializer
from rapport.core.models import Job, JobStatus

from . import services, vcard
from .rows import TARGETS

KIND = "export"


class ExportRequestSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=TARGETS)
    format = serializers.ChoiceField(choices=services.FORMATS)
    filters = serializers.DictField(
        required=False,
        default=dict,
        help_text=_(
            "The list's query parameters: for clients q, manager, status, kind, tag, source, "
            "department, confidential (yes/no), prop_<code>[__gte|__lte], sort; for contact "
            "persons q, client, prop_<code>."
        ),
    )
    delimiter = serializers.ChoiceField(
        choices=[",", ";"], required=False, default=",", help_text=_("CSV only.")
    )
    vcard_version = serializers.ChoiceField(
        choices=vcard.VERSIONS, required=False, default=vcard.DEFAULT_VERSION
    )


class ExportJobSerializer(JobDetailSerializer):
    file_url = serializers.SerializerMethodField(help_text=_("The exported file, when done."))

    def get_file_url(self, job: Job) -> str | None:
        if not job.output_file or job.status != JobStatus.DONE:
            return None
        url = reverse("api:export-file", kwargs={"pk": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


def _query(filters: dict[str, Any]) -> str:
    params = QueryDict(mutable=True)
    for key, value in filters.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, bool):
                item = "yes" if item else "no"
            if item is not None and item != "":
                params.appendlist(str(key), str(item))
    return params.urlencode()


class ExportViewSet(viewsets.GenericViewSet):
    """Exports of the client and contact-person lists (XLSX, CSV, vCard)."""

    serializer_class = ExportJobSerializer
    lookup_value_converter = "uuid"
    pagination_class = None

    def get_queryset(self):
        return core_selectors.jobs_for(actor=self.request.user, kind=KIND)

    def get_object(self) -> Job:
        return core_selectors.job_get(actor=self.request.user, pk=self.kwargs["pk"], kind=KIND)

    @extend_schema(request=ExportRequestSerializer, responses={201: ExportJobSerializer})
    def create(self, request):
        """Start an export of a list, filtered as the list page filters it."""
        form = ExportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        spec = services.export_spec(
            target=data["target"],
            fmt=data["format"],
            query=_query(data["filters"]),
            delimiter=data["delimiter"],
            vcard_version=data["vcard_version"],
        )
        job = services.export_start(actor=request.user, spec=spec, background=True).job
        headers = {"Location": reverse("api:export-detail", kwargs={"pk": job.pk})}
        return Response(
            self.get_serializer(job).data, status=status.HTTP_201_CREATED, headers=headers
        )

    def retrieve(self, request, pk=None):
        """The export job: status, progress, and the file's address once it is done."""
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="file")
    def file(self, request, pk=None):
        """The exported file (only for the export's author and administrators)."""
        job = self.get_object()
        if not job.output_file or job.status != JobStatus.DONE:
            raise Http404
        return FileResponse(
            job.output_file.open("rb"), as_attachment=True, filename=job.output_name or "export"
        )
