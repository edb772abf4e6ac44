"""Serializers of the billing API: they parse input for the services and present
records. Money is a decimal string."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Invoice, InvoiceLine, InvoiceStatus, Payment, PaymentMethod

MONEY = {"max_digits": 18, "decimal_places": 2}


class InvoiceLineSerializer(serializers.ModelSerializer):
    product = serializers.UUIDField(source="product_id", required=False, allow_null=True)
    unit = serializers.UUIDField(source="unit_id", required=False, allow_null=True)
    quantity = serializers.DecimalField(max_digits=15, decimal_places=3, required=False)
    price = serializers.DecimalField(max_digits=18, decimal_places=4, required=False)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    vat_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=_("Percent; null: without VAT; left out: the product's rate."),
    )

    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "position",
            "product",
            "description",
            "quantity",
            "unit",
            "price",
            "discount_percent",
            "vat_rate",
            "amount",
            "vat_amount",
        ]
        read_only_fields = ["id", "position", "amount", "vat_amount"]
        extra_kwargs = {"description": {"required": False, "allow_blank": True}}

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        values = super().to_internal_value(data)
        for source, name in (("product_id", "product"), ("unit_id", "unit")):
            if source in values:
                values[name] = values.pop(source)
        return values


class InvoiceSerializer(serializers.ModelSerializer):
    """An invoice as the list shows it."""

    client = serializers.UUIDField(source="client_id", read_only=True)
    client_name = serializers.CharField(source="client.name", read_only=True)
    organisation = serializers.UUIDField(source="organisation_id", read_only=True)
    contact = serializers.UUIDField(source="contact_id", read_only=True, allow_null=True)
    deal = serializers.UUIDField(source="deal_id", read_only=True, allow_null=True)
    currency = serializers.CharField(source="currency_id", read_only=True)
    manager = serializers.UUIDField(source="manager_id", read_only=True, allow_null=True)
    department = serializers.UUIDField(source="department_id", read_only=True, allow_null=True)
    outstanding = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "organisation",
            "date",
            "due_date",
            "client",
            "client_name",
            "contact",
            "deal",
            "currency",
            "prices_include_vat",
            "status",
            "manager",
            "department",
            "net_total",
            "vat_total",
            "total",
            "paid_amount",
            "outstanding",
            "comment",
            "marked_for_1c",
            "sent_to_1c_at",
            "sent_at",
            "cancelled_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "lines"]
        read_only_fields = fields


class InvoiceWriteSerializer(serializers.Serializer):
    """A draft invoice. With ``deal`` and no ``lines`` on create, the invoice copies the
    deal (client, contact person, currency, price type and lines)."""

    client = serializers.UUIDField(required=False)
    organisation = serializers.UUIDField(required=False, allow_null=True)
    date = serializers.DateField(required=False)
    due_date = serializers.DateField(required=False)
    contact = serializers.UUIDField(required=False, allow_null=True)
    deal = serializers.UUIDField(required=False, allow_null=True)
    currency = serializers.CharField(required=False, max_length=3)
    prices_include_vat = serializers.BooleanField(required=False)
    manager = serializers.UUIDField(required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True)
    marked_for_1c = serializers.BooleanField(required=False)
    lines = InvoiceLineSerializer(many=True, required=False)

    def to_service(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        if "lines" in data:
            data["lines"] = [dict(line) for line in data["lines"]]
        return data


class InvoiceListQuery(serializers.Serializer):
    """Filters of ``GET /api/v1/invoices/``."""

    status = serializers.ChoiceField(choices=InvoiceStatus.choices, required=False)
    client = serializers.UUIDField(required=False)
    deal = serializers.UUIDField(required=False)
    manager = serializers.UUIDField(required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    search = serializers.CharField(required=False, allow_blank=True, max_length=200)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


class AllocationSerializer(serializers.Serializer):
    invoice = serializers.UUIDField(source="invoice_id")
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    amount = serializers.DecimalField(**MONEY, required=False, allow_null=True)


class PaymentSerializer(serializers.ModelSerializer):
    client = serializers.UUIDField(source="client_id", read_only=True)
    client_name = serializers.CharField(source="client.name", read_only=True)
    organisation = serializers.UUIDField(source="organisation_id", read_only=True)
    currency = serializers.CharField(source="currency_id", read_only=True)
    manager = serializers.UUIDField(source="manager_id", read_only=True, allow_null=True)
    unallocated = serializers.DecimalField(**MONEY, read_only=True)
    allocations = AllocationSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "client",
            "client_name",
            "organisation",
            "date",
            "amount",
            "currency",
            "method",
            "reference",
            "comment",
            "manager",
            "allocated_amount",
            "unallocated",
            "allocations",
            "created_at",
        ]
        read_only_fields = fields


class AllocationInput(serializers.Serializer):
    invoice = serializers.UUIDField()
    amount = serializers.DecimalField(
        **MONEY,
        required=False,
        allow_null=True,
        help_text=_("Left out: what the invoice still owes, up to what is left."),
    )


class PaymentWriteSerializer(serializers.Serializer):
    client = serializers.UUIDField()
    amount = serializers.DecimalField(**MONEY)
    date = serializers.DateField(required=False)
    currency = serializers.CharField(required=False, max_length=3)
    organisation = serializers.UUIDField(required=False, allow_null=True)
    method = serializers.ChoiceField(choices=PaymentMethod.choices, required=False)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    comment = serializers.CharField(required=False, allow_blank=True)
    manager = serializers.UUIDField(required=False, allow_null=True)
    allocations = AllocationInput(many=True, required=False)
    auto_allocate = serializers.BooleanField(
        required=False, help_text=_("Allocate to the client's open invoices, oldest due first.")
    )

    def to_service(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data["allocations"] = [dict(a) for a in data.get("allocations", [])]
        return data


class PaymentListQuery(serializers.Serializer):
    client = serializers.UUIDField(required=False)
    manager = serializers.UUIDField(required=False)
    method = serializers.ChoiceField(choices=PaymentMethod.choices, required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    unallocated = serializers.BooleanField(required=False, allow_null=True, default=None)


class AllocateSerializer(serializers.Serializer):
    invoice = serializers.UUIDField()
    amount = serializers.DecimalField(**MONEY, required=False, allow_null=True)


class UnallocateSerializer(serializers.Serializer):
    invoice = serializers.UUIDField()


class ReceivablesQuery(serializers.Serializer):
    client = serializers.UUIDField(required=False)
    manager = serializers.UUIDField(required=False)
    overdue = serializers.BooleanField(required=False, default=False)
    date = serializers.DateField(required=False, help_text=_("As of this day (today)."))


class ReceivableRowSerializer(serializers.Serializer):
    client = serializers.UUIDField(source="client_id")
    client_name = serializers.CharField(source="client__name")
    currency = serializers.CharField(source="currency_id")
    outstanding = serializers.DecimalField(**MONEY)
    overdue = serializers.DecimalField(**MONEY)
    not_due = serializers.DecimalField(**MONEY)
    d1_30 = serializers.DecimalField(**MONEY)
    d31_60 = serializers.DecimalField(**MONEY)
    d61_90 = serializers.DecimalField(**MONEY)
    d90_plus = serializers.DecimalField(**MONEY)


class ReceivablesSerializer(serializers.Serializer):
    date = serializers.DateField()
    results = ReceivableRowSerializer(many=True)
