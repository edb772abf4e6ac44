"""API endpoints of billing: invoices, payments and receivables.

Thin views: querysets come from the selectors (scoped through core.access), every write
goes through one service. Out of scope answers 404; a client or invoice outside the
caller's scope in a write answers 400 naming the field.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.core.api import AllowListOrderingFilter

from .. import selectors, services
from ..models import Invoice, Payment
from .serializers import (
    AllocateSerializer,
    InvoiceDetailSerializer,
    InvoiceListQuery,
    InvoiceSerializer,
    InvoiceWriteSerializer,
    PaymentListQuery,
    PaymentSerializer,
    PaymentWriteSerializer,
    ReceivablesQuery,
    ReceivablesSerializer,
    UnallocateSerializer,
)


def _query(serializer_class: Any, request: Any) -> dict[str, Any]:
    query = serializer_class(data={k: request.query_params.get(k) for k in request.query_params})
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


@extend_schema_view(
    list=extend_schema(parameters=[InvoiceListQuery]),
    retrieve=extend_schema(responses=InvoiceDetailSerializer),
    create=extend_schema(
        request=InvoiceWriteSerializer,
        responses={201: InvoiceDetailSerializer},
        description="A draft. With `deal` and no `lines` the invoice copies the deal.",
    ),
    update=extend_schema(
        request=InvoiceWriteSerializer,
        responses=InvoiceDetailSerializer,
        description="Drafts only (the comment and the 1C flag change at any status); "
        "`lines` replace the lines.",
    ),
    partial_update=extend_schema(request=InvoiceWriteSerializer, responses=InvoiceDetailSerializer),
    destroy=extend_schema(description="Moves a draft or cancelled invoice to the trash."),
)
class InvoiceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Invoices of the clients within the caller's scope (and those they manage)."""

    serializer_class = InvoiceSerializer
    filter_backends = [AllowListOrderingFilter]
    ordering = ("-date", "-id")
    ordering_map = {
        "date": "date",
        "due_date": "due_date",
        "total": "total",
        "created_at": "created_at",
    }
    lookup_value_converter = "uuid"

    def get_queryset(self):
        data = _query(InvoiceListQuery, self.request)
        return selectors.invoice_list(
            actor=self.request.user, filters=selectors.InvoiceFilters(**data)
        )

    def _get(self, pk: Any) -> Invoice:
        return selectors.invoice_get(actor=self.request.user, pk=pk)

    def _respond(self, invoice: Invoice, code: int = status.HTTP_200_OK) -> Response:
        invoice = self._get(invoice.pk)
        headers = {}
        if code == status.HTTP_201_CREATED:
            headers["Location"] = reverse("api:invoice-detail", kwargs={"pk": invoice.pk})
        return Response(InvoiceDetailSerializer(invoice).data, status=code, headers=headers)

    def retrieve(self, request, pk=None):
        return Response(InvoiceDetailSerializer(self._get(pk)).data)

    def create(self, request):
        form = InvoiceWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.to_service()
        if data.get("deal") and "lines" not in data:
            invoice = services.invoice_from_deal(actor=request.user, **data)
        else:
            invoice = services.invoice_create(actor=request.user, **data)
        return self._respond(invoice, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        invoice = self._get(pk)
        form = InvoiceWriteSerializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        data = form.to_service()
        for fixed in ("client", "deal"):
            data.pop(fixed, None)
        services.invoice_update(actor=request.user, invoice=invoice, **data)
        return self._respond(invoice)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request, pk=None):
        services.invoice_trash(actor=request.user, invoice=self._get(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=InvoiceDetailSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        """Issue a draft: it gets its number and becomes "sent"."""
        invoice = services.invoice_send(actor=request.user, invoice=self._get(pk))
        return self._respond(invoice)

    @extend_schema(request=None, responses=InvoiceDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel an invoice (refused while payments are allocated to it)."""
        invoice = services.invoice_cancel(actor=request.user, invoice=self._get(pk))
        return self._respond(invoice)

    @extend_schema(
        request=None,
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The printed form (generated from the invoice template the first time)."""
        from ..services.printing import invoice_pdf

        document = invoice_pdf(actor=request.user, invoice=self._get(pk))
        return FileResponse(
            document.pdf.open("rb"),
            as_attachment=True,
            filename=document.pdf.name.rsplit("/", 1)[-1],
            content_type="application/pdf",
        )


@extend_schema_view(
    list=extend_schema(parameters=[PaymentListQuery]),
    create=extend_schema(request=PaymentWriteSerializer, responses={201: PaymentSerializer}),
    destroy=extend_schema(
        description="Moves the payment to the trash: its invoices owe the amounts again."
    ),
)
class PaymentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Payments of the clients within the caller's scope (and those they manage)."""

    serializer_class = PaymentSerializer
    filter_backends = [AllowListOrderingFilter]
    ordering = ("-date", "-id")
    ordering_map = {"date": "date", "amount": "amount", "created_at": "created_at"}
    lookup_value_converter = "uuid"

    def get_queryset(self):
        data = _query(PaymentListQuery, self.request)
        return selectors.payment_list(
            actor=self.request.user, filters=selectors.PaymentFilters(**data)
        ).prefetch_related("allocations__invoice")

    def _get(self, pk: Any) -> Payment:
        return selectors.payment_get(actor=self.request.user, pk=pk)

    def _respond(self, payment: Payment, code: int = status.HTTP_200_OK) -> Response:
        payment = self._get(payment.pk)
        headers = {}
        if code == status.HTTP_201_CREATED:
            headers["Location"] = reverse("api:payment-detail", kwargs={"pk": payment.pk})
        return Response(PaymentSerializer(payment).data, status=code, headers=headers)

    def retrieve(self, request, pk=None):
        return Response(PaymentSerializer(self._get(pk)).data)

    def create(self, request):
        form = PaymentWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        payment = services.payment_record(actor=request.user, **form.to_service())
        return self._respond(payment, status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        services.payment_trash(actor=request.user, payment=self._get(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=AllocateSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"])
    def allocate(self, request, pk=None):
        """Allocate (more of) the payment to an invoice of its client."""
        payment = self._get(pk)
        form = AllocateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.payment_allocate(actor=request.user, payment=payment, **form.validated_data)
        return self._respond(payment)

    @extend_schema(request=UnallocateSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"])
    def unallocate(self, request, pk=None):
        """Take the payment's allocation off an invoice."""
        payment = self._get(pk)
        form = UnallocateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.payment_unallocate(actor=request.user, payment=payment, **form.validated_data)
        return self._respond(payment)


class ReceivablesView(APIView):
    """What each client in the caller's scope owes, per currency, with the overdue part
    split by age: not due, 1-30, 31-60, 61-90 and more than 90 days."""

    @extend_schema(parameters=[ReceivablesQuery], responses=ReceivablesSerializer)
    def get(self, request):
        data = _query(ReceivablesQuery, request)
        today = data.get("date") or timezone.localdate()
        rows = selectors.receivables_by_client(
            actor=request.user,
            today=today,
            client=data.get("client"),
            manager=data.get("manager"),
            overdue_only=data.get("overdue", False),
        )
        return Response(ReceivablesSerializer({"date": today, "results": rows}).data)
