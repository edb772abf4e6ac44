"""Shared by the catalogue API: the write permission (administrators and directors),
query parameter parsing and the base viewset the catalogue endpoints build on."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.response import Response

from rapport.core.api import AllowListOrderingFilter

from ..access import can_manage_catalog


class CatalogWritePermission(permissions.BasePermission):
    """Everyone signed in reads; administrators and directors write."""

    message = _("Only administrators and directors manage the catalogue.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or can_manage_catalog(user)


def _flag(params: Any, name: str) -> bool | None:
    raw = (params.get(name) or "").strip().lower()
    if raw in ("", "all"):
        return None
    if raw in ("1", "true", "yes"):
        return True
    if raw in ("0", "false", "no"):
        return False
    raise ValidationError({name: [_("Give true or false.")]})


def _uuid_param(params: Any, name: str) -> Any:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise ValidationError({name: [_("Give a valid UUID.")]}) from exc


class _Catalog(mixins.ListModelMixin, viewsets.GenericViewSet):
    """List, retrieve, create, (partially) update and delete through the hooks
    ``_get``, ``_save(instance or None, data)`` and ``_delete``; ``fields`` are the
    writable fields a PATCH merges into the current values."""

    permission_classes = [CatalogWritePermission]
    filter_backends = [AllowListOrderingFilter]
    lookup_value_converter = "uuid"
    fields: tuple[str, ...] = ()

    def _get(self, pk: Any) -> Any:
        raise NotImplementedError

    def _save(self, instance: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _delete(self, instance: Any) -> None:
        raise NotImplementedError

    def _respond(self, record: Any, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self._get(record.pk)).data, status=code)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self._get(pk)).data)

    def create(self, request):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._respond(self._save(None, dict(form.validated_data)), status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        instance = self._get(pk)
        form = self.get_serializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        data = {f: getattr(instance, f) for f in self.fields}
        data.update(
            {k: v for k, v in form.validated_data.items() if not partial or k in request.data}
        )
        return self._respond(self._save(instance, data))

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request, pk=None):
        self._delete(self._get(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
