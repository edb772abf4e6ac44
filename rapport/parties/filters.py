"""Query parameters of the client and contact-person lists (API), parsed into the
selectors' filter objects. Parsing only: the filtering itself happens in the selectors."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

from rapport.core.models import PropertyTarget, User

from . import selectors
from .models import ClientKind, RelationshipStatus
from .selectors import ClientFilters

PROPERTY_PREFIX = "prop_"
_PROPERTY_OPERATORS = ("", "gte", "lte")


class ClientListQuery(serializers.Serializer):
    """Filters of ``GET /api/v1/clients/``. Property values filter with
    ``prop_<code>=value`` (``prop_<code>__gte`` / ``__lte`` for numbers and dates)."""

    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("Name, tax id, phone in any format or e-mail."),
    )
    manager = serializers.CharField(
        required=False,
        max_length=36,
        help_text=_("Manager's user id, “me”, or “none” for clients without a manager."),
    )
    status = serializers.CharField(
        required=False, max_length=36, help_text=_("Relationship status id or code.")
    )
    kind = serializers.ChoiceField(choices=ClientKind.choices, required=False)
    tag = serializers.UUIDField(required=False, help_text=_("Category id."))
    source = serializers.UUIDField(required=False)
    department = serializers.UUIDField(required=False)
    is_confidential = serializers.BooleanField(required=False, allow_null=True, default=None)
    trashed = serializers.BooleanField(
        required=False, default=False, help_text=_("List the clients in the trash instead.")
    )

    def validate_manager(self, value: str) -> Any:
        if value in ("none", "me"):
            return value
        return _uuid(value)

    def validate_status(self, value: str) -> Any:
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
        status_id = (
            RelationshipStatus.objects.filter(code=value).values_list("pk", flat=True).first()
        )
        if status_id is None:
            raise serializers.ValidationError(_("Unknown relationship status."))
        return status_id


class ContactListQuery(serializers.Serializer):
    """Filters of ``GET /api/v1/contacts/`` (and ``prop_<code>=value``)."""

    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("Name, phone in any format or e-mail."),
    )
    client = serializers.UUIDField(required=False, help_text=_("Only this client's contacts."))


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise serializers.ValidationError(_("Enter a valid id.")) from exc


def _plain(params: QueryDict) -> dict[str, Any]:
    """The last value of each parameter as a plain dict (a QueryDict would make DRF read
    an absent boolean as ``false``)."""
    return {key: params.get(key) for key in params}


def property_params(params: QueryDict, *, target: str) -> dict[str, Any]:
    """``prop_<code>[__gte|__lte]=value`` pairs; an unknown code answers 400 naming it."""
    raw = {key: params.get(key) for key in params if key.startswith(PROPERTY_PREFIX)}
    if not raw:
        return {}
    definitions = selectors.property_definitions(target)
    errors: dict[str, list[str]] = {}
    for key in raw:
        code, _sep, op = key[len(PROPERTY_PREFIX) :].partition("__")
        if code not in definitions:
            errors[key] = [str(_("Unknown property “%(code)s”.") % {"code": code})]
        elif op not in _PROPERTY_OPERATORS:
            errors[key] = [str(_("Use __gte or __lte after the property code."))]
    if errors:
        raise exceptions.ValidationError(errors)
    return raw


def client_filters(params: QueryDict, *, actor: User) -> tuple[ClientFilters, bool]:
    """The selector's filters and the trash flag from the query string of the client list."""
    query = ClientListQuery(data=_plain(params))
    query.is_valid(raise_exception=True)
    data = query.validated_data
    manager = data.get("manager")
    if manager == "me":
        manager = actor.pk
    filters = ClientFilters(
        search=data.get("search", ""),
        manager=manager,
        status=data.get("status"),
        kind=data.get("kind", ""),
        tag=data.get("tag"),
        source=data.get("source"),
        department=data.get("department"),
        is_confidential=data.get("is_confidential"),
        properties=property_params(params, target=PropertyTarget.CLIENT),
    )
    return filters, bool(data.get("trashed"))


def contact_filters(params: QueryDict) -> dict[str, Any]:
    """Keyword arguments of ``contact_list`` from the query string of the contact list."""
    query = ContactListQuery(data=_plain(params))
    query.is_valid(raise_exception=True)
    return {
        "search": query.validated_data.get("search", ""),
        "client": query.validated_data.get("client"),
        "properties": property_params(params, target=PropertyTarget.CONTACT),
    }
