"""Serializers of the client-base API: they parse input for the services and present
records (with VIP masking) for the selectors' results."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rapport.core import selectors as core_selectors
from rapport.core.models import PropertyTarget, User

from ..access import can_see_contact_details, can_see_details
from ..models import (
    AddressType,
    ChannelKind,
    Client,
    ClientKind,
    ContactPerson,
    RelationshipStatus,
    Source,
    Tag,
)
from ..services import BatchAction

CHANNEL_FIELDS = {
    ChannelKind.PHONE: "phones",
    ChannelKind.EMAIL: "emails",
    ChannelKind.WEBSITE: "websites",
    ChannelKind.MESSENGER: "messengers",
}
ADDRESS_FIELDS = ("type", "country", "postal_code", "region", "city", "street")
# Fields that a caller who may not see a confidential client's details neither reads
# nor writes.
CLIENT_MASKED_FIELDS = ("phones", "emails", "websites", "messengers", "addresses")
CONTACT_MASKED_FIELDS = ("phones", "emails", "messengers", "addresses")


class ContactPointSerializer(serializers.Serializer):
    value = serializers.CharField(max_length=300)
    type = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class AddressSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=AddressType.choices, required=False, default=AddressType.ACTUAL
    )
    country = serializers.CharField(
        max_length=2,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("ISO 3166 two-letter code."),
    )
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    region = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    street = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


def resolve_status(value: Any) -> RelationshipStatus | None:
    """A relationship status given by id or code; ValidationError if there is none."""
    if value in (None, ""):
        return None
    text = str(value)
    try:
        lookup = {"pk": uuid.UUID(text)}
    except ValueError:
        lookup = {"code": text}
    status = RelationshipStatus.objects.filter(**lookup).first()
    if status is None:
        raise serializers.ValidationError(_("Unknown relationship status."))
    return status


@extend_schema_field(
    {"type": "string", "description": "Relationship status id; on write its id or code."}
)
class StatusField(serializers.Field):
    def to_internal_value(self, data: Any) -> RelationshipStatus | None:
        return resolve_status(data)

    def to_representation(self, value: Any) -> str | None:
        return str(value.pk) if value is not None else None


@extend_schema_field(OpenApiTypes.UUID)
class ManagerField(serializers.PrimaryKeyRelatedField):
    """An active user from the staff directory."""

    def get_queryset(self):
        return core_selectors.user_directory(actor=self.context["request"].user)


def _sensitive_codes(context: dict[str, Any], target: str) -> set[str]:
    """Codes of sensitive properties, read once per request."""
    cache = context.setdefault("_sensitive_codes", {})
    if target not in cache:
        cache[target] = set(
            core_selectors.property_definition_list(actor=context["actor"], target=target)
            .filter(is_sensitive=True)
            .values_list("code", flat=True)
        )
    return cache[target]


def _points(record: Any, channels: tuple[str, ...]) -> dict[str, list[dict[str, str]]]:
    batched = getattr(record, "page_points", None)  # selectors.client_page_details
    if batched is not None:
        return {CHANNEL_FIELDS[c]: batched.get(c, []) for c in channels}
    result: dict[str, list[dict[str, str]]] = {CHANNEL_FIELDS[c]: [] for c in channels}
    for point in record.contact_points.all():  # prefetched, ordered by channel, position
        field = CHANNEL_FIELDS.get(point.channel)
        if field in result:
            result[field].append({"value": point.value, "type": point.type})
    return result


def _addresses(record: Any) -> list[dict[str, str]]:
    batched = getattr(record, "page_addresses", None)
    if batched is not None:
        return batched
    return [{f: getattr(a, f) for f in ADDRESS_FIELDS} for a in record.addresses.all()]


def _tag_ids(client: Client) -> list[Any]:
    batched = getattr(client, "page_tag_ids", None)
    return batched if batched is not None else [t.pk for t in client.tags.all()]


def _properties(
    context: dict[str, Any], record: Any, *, target: str, visible: bool
) -> dict[str, Any]:
    properties = dict(record.properties or {})
    if not visible:
        for code in _sensitive_codes(context, target):
            properties.pop(code, None)
    return properties


class ClientSerializer(serializers.Serializer):
    """A client. Contact details of a confidential client are empty lists, sensitive
    properties are left out and ``masked`` is true for a caller who may not see them;
    such a caller's writes to those fields are ignored."""

    id = serializers.UUIDField(read_only=True)
    kind = serializers.ChoiceField(
        choices=ClientKind.choices, required=False, default=ClientKind.COMPANY
    )
    name = serializers.CharField(max_length=300)
    legal_name = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    tax_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("INN, NIP or EU VAT number."),
    )
    legal_form = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    status = StatusField(required=False, allow_null=True, default=None)
    status_code = serializers.CharField(read_only=True, allow_null=True)
    # Omitted manager and department keep their value (on create: the creating manager
    # and the manager's department), so that a PUT never hands a client away unasked.
    manager = ManagerField(
        required=False, allow_null=True, help_text=_("User id of the responsible manager.")
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=core_selectors.departments(), required=False, allow_null=True
    )
    source = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), required=False, allow_null=True, default=None
    )
    tags = serializers.PrimaryKeyRelatedField(
        queryset=Tag.objects.all(),
        many=True,
        required=False,
        default=list,
        help_text=_("Category ids."),
    )
    is_confidential = serializers.BooleanField(required=False, default=False)
    notes = serializers.CharField(max_length=100_000, required=False, allow_blank=True, default="")
    phones = ContactPointSerializer(many=True, required=False, default=list)
    emails = ContactPointSerializer(many=True, required=False, default=list)
    websites = ContactPointSerializer(many=True, required=False, default=list)
    messengers = ContactPointSerializer(many=True, required=False, default=list)
    addresses = AddressSerializer(many=True, required=False, default=list)
    properties = serializers.DictField(
        required=False, default=dict, help_text=_("User-defined property values by code.")
    )
    masked = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    created_by = serializers.UUIDField(read_only=True, allow_null=True)
    deleted_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("Set while the client is in the trash.")
    )

    def to_representation(self, client: Client) -> dict[str, Any]:
        actor = self.context["actor"]
        visible = can_see_details(actor, client)
        status = client.status
        data: dict[str, Any] = {
            "id": str(client.pk),
            "kind": client.kind,
            "name": client.name,
            "legal_name": client.legal_name,
            "tax_id": client.tax_id,
            "legal_form": client.legal_form,
            "status": str(status.pk) if status else None,
            "status_code": status.code if status else None,
            "manager": _str_or_none(client.manager_id),
            "department": _str_or_none(client.department_id),
            "source": _str_or_none(client.source_id),
            "tags": [str(pk) for pk in _tag_ids(client)],
            "is_confidential": client.is_confidential,
            "notes": client.notes,
        }
        if visible:
            data.update(_points(client, tuple(CHANNEL_FIELDS)))
            data["addresses"] = _addresses(client)
        else:
            data.update({field: [] for field in CLIENT_MASKED_FIELDS})
        data["properties"] = _properties(
            self.context, client, target=PropertyTarget.CLIENT, visible=visible
        )
        data.update(
            {
                "masked": not visible,
                "created_at": _iso(client.created_at),
                "updated_at": _iso(client.updated_at),
                "created_by": _str_or_none(client.created_by_id),
                "deleted_at": _iso(client.deleted_at),
            }
        )
        return data


class ContactRoleSerializer(serializers.Serializer):
    client = serializers.UUIDField()
    position = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    role = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    is_primary = serializers.BooleanField(required=False, default=False)


class ContactSerializer(serializers.Serializer):
    """A contact person. ``roles`` link it to clients (with position and role);
    ``clients`` with ``position`` is a shortcut for writing roles. Only clients the
    caller can see are listed."""

    id = serializers.UUIDField(read_only=True)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    middle_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    full_name = serializers.CharField(read_only=True)
    birthday = serializers.DateField(required=False, allow_null=True, default=None)
    preferred_channel = serializers.ChoiceField(
        choices=[("", "—"), *ChannelKind.choices], required=False, allow_blank=True, default=""
    )
    notes = serializers.CharField(max_length=100_000, required=False, allow_blank=True, default="")
    clients = serializers.ListField(
        child=serializers.UUIDField(), required=False, max_length=500, help_text=_("Client ids.")
    )
    position = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=_("Position at the first client (written to every client in “clients”)."),
    )
    roles = ContactRoleSerializer(many=True, required=False)
    phones = ContactPointSerializer(many=True, required=False, default=list)
    emails = ContactPointSerializer(many=True, required=False, default=list)
    messengers = ContactPointSerializer(many=True, required=False, default=list)
    addresses = AddressSerializer(many=True, required=False, default=list)
    properties = serializers.DictField(required=False, default=dict)
    masked = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """``clients`` (+ ``position``) become ``roles`` unless roles are given."""
        clients = attrs.pop("clients", None)
        position = attrs.pop("position", "")
        if "roles" not in attrs and clients is not None:
            attrs["roles"] = [
                {"client": c, "position": position, "role": "", "is_primary": False}
                for c in clients
            ]
        elif "roles" not in attrs and not self.partial:
            attrs["roles"] = []
        return attrs

    def to_representation(self, contact: ContactPerson) -> dict[str, Any]:
        actor = self.context["actor"]
        visible_clients: set[Any] = self.context["visible_client_ids"]
        all_roles = list(contact.roles.all())  # prefetched with their clients
        roles = [r for r in all_roles if r.client_id in visible_clients]
        roles.sort(key=lambda r: (not r.is_primary, r.client.search_name))
        visible = can_see_contact_details(actor, contact, clients=[r.client for r in all_roles])
        data: dict[str, Any] = {
            "id": str(contact.pk),
            "first_name": contact.first_name,
            "middle_name": contact.middle_name,
            "last_name": contact.last_name,
            "full_name": contact.full_name,
            "birthday": contact.birthday.isoformat() if contact.birthday else None,
            "preferred_channel": contact.preferred_channel,
            "notes": contact.notes,
            "clients": [str(r.client_id) for r in roles],
            "position": roles[0].position if roles else "",
            "roles": [
                {
                    "client": str(r.client_id),
                    "position": r.position,
                    "role": r.role,
                    "is_primary": r.is_primary,
                }
                for r in roles
            ],
        }
        channels = (ChannelKind.PHONE, ChannelKind.EMAIL, ChannelKind.MESSENGER)
        if visible:
            data.update(_points(contact, channels))
            data["addresses"] = _addresses(contact)
        else:
            data.update({field: [] for field in CONTACT_MASKED_FIELDS})
        data["properties"] = _properties(
            self.context, contact, target=PropertyTarget.CONTACT, visible=visible
        )
        data.update(
            {
                "masked": not visible,
                "created_at": _iso(contact.created_at),
                "updated_at": _iso(contact.updated_at),
            }
        )
        return data


class BatchSerializer(serializers.Serializer):
    """One action on many clients: the selected ``ids`` (changed at once), or every client
    matching ``filter`` (the list's query parameters; a background job, undoable).
    ``value`` is a user id (assign_manager; null removes the manager), a status id or code
    (set_status; null clears it), a category id (add_tag, remove_tag), an object
    ``{"code", "value"}`` (set_property) or ``{"code"}`` (clear_property); trash takes none."""

    ids = serializers.ListField(
        child=serializers.UUIDField(), min_length=1, max_length=1000, required=False
    )
    filter = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text=_('List query parameters, e.g. {"status": "<id>", "q": "text"}.'),
    )
    action = serializers.ChoiceField(choices=[(a, a) for a in BatchAction.choices])
    value = serializers.JSONField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("ids" in attrs) == ("filter" in attrs):
            raise serializers.ValidationError({"ids": [_("Give either ids or filter.")]})
        action, value = attrs["action"], attrs.get("value")
        resolvers: dict[str, Callable[[Any], Any]] = {
            BatchAction.ASSIGN_MANAGER: self._manager,
            BatchAction.SET_STATUS: lambda v: resolve_status(v) if v not in (None, "") else None,
            BatchAction.ADD_TAG: self._tag,
            BatchAction.REMOVE_TAG: self._tag,
            BatchAction.SET_PROPERTY: self._property,
            BatchAction.CLEAR_PROPERTY: self._property,
        }
        resolver = resolvers.get(action)
        try:
            attrs["value"] = resolver(value) if resolver else None
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"value": exc.detail}) from exc
        return attrs

    @staticmethod
    def _property(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict) or not value.get("code"):
            raise serializers.ValidationError(_("An object with the property's code."))
        return value

    def _manager(self, value: Any) -> User | None:
        if value in (None, ""):
            return None
        user = _get_or_none(core_selectors.user_directory(actor=self.context["actor"]), value)
        if user is None:
            raise serializers.ValidationError(_("No such user."))
        return user

    @staticmethod
    def _tag(value: Any) -> Tag:
        tag = _get_or_none(Tag.objects.all(), value)
        if tag is None:
            raise serializers.ValidationError(_("No such category."))
        return tag


class BatchResultSerializer(serializers.Serializer):
    changed = serializers.IntegerField(help_text=_("How many clients were changed."))


def _get_or_none(qs: Any, pk: Any) -> Any:
    try:
        return qs.filter(pk=uuid.UUID(str(pk))).first()
    except ValueError:
        return None


def _str_or_none(value: Any) -> str | None:
    return str(value) if value is not None else None


_DATETIME = serializers.DateTimeField()


def _iso(value: Any) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)
