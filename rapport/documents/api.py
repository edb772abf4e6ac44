"""API of documents: templates (everyone lists, administrators upload) and generated
documents (list by record, generate, download DOCX/PDF, send). Thin: selectors read
(scoped through core.access), one service writes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from rapport.core.api import AllowListOrderingFilter
from rapport.core.views import safe_filename

from . import selectors, services
from .models import DocumentKind, DocumentLanguage, GeneratedDocument
from .rendering import DOCX_CONTENT_TYPE

TARGET_HELP = "Record type, e.g. sales.deal"

# --- serializers ------------------------------------------------------------------------------


class DocumentTemplateSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    target = serializers.CharField(max_length=64)
    language = serializers.ChoiceField(choices=DocumentLanguage.choices)
    version = serializers.IntegerField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)
    original_name = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    file = serializers.FileField(write_only=True)


class GeneratedDocumentSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    template = serializers.UUIDField(source="template_id", read_only=True)
    template_name = serializers.CharField(source="template.name", read_only=True)
    target = serializers.CharField(read_only=True)
    object_id = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    number = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    language = serializers.CharField(read_only=True)
    has_pdf = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    created_by = serializers.UUIDField(source="created_by_id", read_only=True)
    sent_at = serializers.DateTimeField(read_only=True)
    sent_to = serializers.ListField(child=serializers.EmailField(), read_only=True)

    def get_has_pdf(self, obj: GeneratedDocument) -> bool:
        return bool(obj.pdf)


class GenerateSerializer(serializers.Serializer):
    template = serializers.UUIDField()
    target = serializers.CharField(max_length=64)
    object_id = serializers.CharField(max_length=64)
    number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class SendSerializer(serializers.Serializer):
    to = serializers.ListField(
        child=serializers.CharField(max_length=320),
        required=False,
        help_text="E-mail addresses; by default the contact person's e-mail.",
    )
    subject = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    message = serializers.CharField(required=False, allow_blank=True, default="")
    attach_docx = serializers.BooleanField(required=False, default=True)
    attach_pdf = serializers.BooleanField(required=False, default=True)


# --- views ------------------------------------------------------------------------------------


def _download(field: Any, filename: str, content_type: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=safe_filename(filename), content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("target", OpenApiTypes.STR, description=TARGET_HELP),
            OpenApiParameter("active", OpenApiTypes.BOOL, description="Only active templates."),
        ]
    ),
    create=extend_schema(
        request={"multipart/form-data": DocumentTemplateSerializer},
        responses={201: DocumentTemplateSerializer},
        description="Upload a DOCX template (administrators only). It must render with "
        "the target's sample data.",
    ),
)
class DocumentTemplateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = DocumentTemplateSerializer
    filter_backends = [AllowListOrderingFilter]
    ordering = ("name", "id")
    ordering_map = {"name": "name", "created_at": "created_at", "updated_at": "updated_at"}
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    lookup_value_converter = "uuid"

    def get_queryset(self):
        params = self.request.query_params
        return selectors.template_list(
            actor=self.request.user,
            target=params.get("target", ""),
            active_only=params.get("active") in ("1", "true"),
        )

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(selectors.template_get(actor=request.user, pk=pk)).data)

    def create(self, request):
        if not request.user.is_administrator:
            raise PermissionDenied("Only an administrator may upload document templates.")
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        template = services.template_upload(
            actor=request.user,
            name=data["name"],
            kind=data["kind"],
            target=data["target"],
            language=data["language"],
            upload=data["file"],
        )
        return Response(self.get_serializer(template).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("target", OpenApiTypes.STR, description=TARGET_HELP),
            OpenApiParameter("object_id", OpenApiTypes.STR, description="The record's id."),
        ],
        description="Documents whose record the caller may see.",
    ),
    create=extend_schema(
        request=GenerateSerializer,
        responses={201: GeneratedDocumentSerializer},
        description="Generate a document from a template for a record (the next version).",
    ),
)
class DocumentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = GeneratedDocumentSerializer
    filter_backends = [AllowListOrderingFilter]
    ordering = ("-created_at", "-id")
    ordering_map = {"created_at": "created_at", "version": "version"}
    lookup_value_converter = "uuid"

    def get_queryset(self):
        params = self.request.query_params
        return selectors.document_list(
            actor=self.request.user,
            target=params.get("target", ""),
            object_id=params.get("object_id", ""),
        )

    def _document(self, pk: Any) -> GeneratedDocument:
        return selectors.document_get(actor=self.request.user, pk=pk)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self._document(pk)).data)

    def create(self, request):
        form = GenerateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        record = selectors.record_get(
            actor=request.user, target=data["target"], object_id=data["object_id"]
        )
        template = selectors.template_get(actor=request.user, pk=data["template"])
        if template.target != data["target"]:
            raise serializers.ValidationError(
                {"template": ["The template is not for this kind of record."]}
            )
        document = services.document_generate(
            actor=request.user, template=template, record=record, number=data["number"]
        )
        return Response(self.get_serializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, DOCX_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def docx(self, request, pk=None):
        document = self._document(pk)
        return _download(document.docx, f"{document.base_filename}.docx", DOCX_CONTENT_TYPE)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The PDF (made by LibreOffice on first request)."""
        document = services.document_pdf(actor=request.user, document=self._document(pk))
        return _download(document.pdf, f"{document.base_filename}.pdf", "application/pdf")

    @extend_schema(request=SendSerializer, responses={202: GeneratedDocumentSerializer})
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        """E-mail the document; it is sent once the request commits."""
        document = self._document(pk)
        form = SendSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        to = data.get("to") or selectors.document_default_recipients(
            actor=request.user, document=document
        )
        document = services.document_send(
            actor=request.user,
            document=document,
            to=to,
            subject=data["subject"],
            message=data["message"],
            attach_docx=data["attach_docx"],
            attach_pdf=data["attach_pdf"],
        )
        return Response(self.get_serializer(document).data, status=status.HTTP_202_ACCEPTED)
