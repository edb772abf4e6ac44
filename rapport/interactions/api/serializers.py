"""Serializers of the interactions API: they parse input for the services and present
records (with VIP masking of the description, result and next step)."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import REQUIRABLE_FIELDS, Colour, Direction, Interaction, InteractionType

MASKED_FIELDS = ("description", "result", "next_step")


def resolve_type(value: Any) -> Any:
    """An interaction type given by id or code (the service checks it is active)."""
    text = str(value)
    try:
        lookup: dict[str, Any] = {"pk": uuid.UUID(text)}
    except ValueError:
        lookup = {"code": text}
    found = InteractionType.objects.filter(**lookup).first()
    if found is None:
        raise serializers.ValidationError(_("Unknown interaction type."))
    return found


@extend_schema_field(OpenApiTypes.STR)
class TypeField(serializers.Field):
    """The type's id on output; its id or code on input."""

    def to_representation(self, value: Any) -> str:
        return str(value.pk if hasattr(value, "pk") else value)

    def to_internal_value(self, data: Any) -> Any:
        return resolve_type(data)


class IdListField(serializers.ListField):
    """A list of record ids (a related manager on output)."""

    child = serializers.UUIDField()

    def to_representation(self, data: Any) -> list[str]:
        items = data.all() if hasattr(data, "all") else data
        return [str(getattr(item, "pk", item)) for item in items]


class InteractionSerializer(serializers.ModelSerializer):
    client = serializers.UUIDField(source="client_id", help_text=_("Client id."))
    client_name = serializers.CharField(source="client.name", read_only=True)
    type = TypeField(help_text=_("Interaction type id (or its code on input)."))
    type_code = serializers.CharField(source="type.code", read_only=True)
    date = serializers.DateTimeField(
        required=False, help_text=_("ISO 8601 with offset; now if left out.")
    )
    contacts = IdListField(required=False, help_text=_("Contact person ids."))
    participants = IdListField(required=False, help_text=_("Our participants' user ids."))
    manager = serializers.UUIDField(
        source="manager_id",
        required=False,
        allow_null=True,
        help_text=_("User id; the caller if left out."),
    )
    description = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    result = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    next_step = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=500
    )
    link_type = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=_("The linked record's kind as “app_label.model”, e.g. “parties.client”."),
    )
    link_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    details_visible = serializers.BooleanField(
        read_only=True,
        help_text=_("False when the description, result and next step are hidden (VIP)."),
    )

    class Meta:
        model = Interaction
        fields = [
            "id",
            "client",
            "client_name",
            "type",
            "type_code",
            "subject",
            "date",
            "duration",
            "planned",
            "completed_at",
            "contacts",
            "participants",
            "manager",
            "description",
            "result",
            "next_step",
            "link_type",
            "link_id",
            "details_visible",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "completed_at", "created_by", "created_at", "updated_at"]

    def to_representation(self, instance: Interaction) -> dict[str, Any]:
        data = super().to_representation(instance)
        link = instance.link_type
        data["link_type"] = f"{link.app_label}.{link.model}" if link else None
        visible = getattr(instance, "details_visible", True)
        data["details_visible"] = visible
        if not visible:
            for name in MASKED_FIELDS:
                data[name] = None
        return data

    def to_service(self) -> dict[str, Any]:
        """Validated data as the services' keyword arguments."""
        data = dict(self.validated_data)
        for source, name in (("client_id", "client"), ("manager_id", "manager")):
            if source in data:
                data[name] = data.pop(source)
        for name in MASKED_FIELDS:
            if name in data and data[name] is None:
                data[name] = ""
        if "link_type" in data or "link_id" in data:
            data["link"] = (data.pop("link_type", "") or "", data.pop("link_id", "") or "")
        return data


class CompleteSerializer(serializers.Serializer):
    result = serializers.CharField(allow_blank=True)
    next_step = serializers.CharField(required=False, allow_blank=True, max_length=500)
    date = serializers.DateTimeField(required=False)
    duration = serializers.IntegerField(required=False, min_value=0)


class InteractionListQuery(serializers.Serializer):
    """Filters of ``GET /api/v1/interactions/``."""

    client = serializers.UUIDField(required=False)
    type = serializers.CharField(required=False, help_text=_("Interaction type id or code."))
    user = serializers.CharField(
        required=False, help_text=_("User id or “me”: the manager or a participant.")
    )
    date_from = serializers.DateField(required=False, help_text=_("First day (your time zone)."))
    date_to = serializers.DateField(required=False, help_text=_("Last day, included."))
    planned = serializers.BooleanField(required=False, allow_null=True, default=None)
    search = serializers.CharField(required=False, allow_blank=True, max_length=200)
    trashed = serializers.BooleanField(required=False, default=False)

    def validate_type(self, value: str) -> Any:
        return resolve_type(value).pk

    def validate_user(self, value: str) -> Any:
        if value == "me":
            return value
        try:
            return uuid.UUID(value)
        except ValueError as exc:
            raise serializers.ValidationError(_("Enter a valid id.")) from exc

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and end < start:
            raise serializers.ValidationError({"date_to": [_("The period ends before it starts.")]})
        return attrs


class InteractionTypeSerializer(serializers.ModelSerializer):
    color = serializers.ChoiceField(choices=Colour.choices, required=False)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    required_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=list(REQUIRABLE_FIELDS)), required=False
    )

    class Meta:
        model = InteractionType
        fields = [
            "id",
            "code",
            "name",
            "icon",
            "color",
            "direction",
            "required_fields",
            "is_active",
            "position",
        ]
        read_only_fields = ["id"]
        # Uniqueness is the service's business (full_clean): one error format.
        extra_kwargs = {"code": {"validators": []}}
