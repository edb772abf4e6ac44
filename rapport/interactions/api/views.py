"""API endpoints of interactions and interaction types.

Thin views: every queryset comes from the selectors (scoped through core.access) and
every write goes through one service. Out of scope answers 404; a client id outside the
caller's scope in a write answers 400 naming ``client``.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from rapport.core.api import AllowListOrderingFilter, IsAdministratorOrReadOnly

from .. import selectors, services, settings_services
from ..models import Interaction, InteractionType
from .serializers import (
    CompleteSerializer,
    InteractionListQuery,
    InteractionSerializer,
    InteractionTypeSerializer,
)


@extend_schema_view(
    list=extend_schema(parameters=[InteractionListQuery]),
    create=extend_schema(responses={201: InteractionSerializer}),
    destroy=extend_schema(description="Moves the interaction to the trash (restorable)."),
)
class InteractionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Interactions with the clients within the caller's scope (and those they took
    part in)."""

    serializer_class = InteractionSerializer
    filter_backends = [AllowListOrderingFilter]
    ordering = ("-date", "-id")
    ordering_map = {"date": "date", "created_at": "created_at", "updated_at": "updated_at"}
    lookup_value_converter = "uuid"

    def get_queryset(self):
        query = InteractionListQuery(
            data={k: self.request.query_params.get(k) for k in self.request.query_params}
        )
        query.is_valid(raise_exception=True)
        data = dict(query.validated_data)
        trashed = data.pop("trashed", False)
        if data.get("user") == "me":
            data["user"] = self.request.user.pk
        return selectors.interaction_list(
            actor=self.request.user, filters=selectors.InteractionFilters(**data), trashed=trashed
        )

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        selectors.interaction_page_rows(page, actor=request.user)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _get(self, pk: Any, **kwargs: Any) -> Interaction:
        return selectors.interaction_get(actor=self.request.user, pk=pk, **kwargs)

    def _respond(self, interaction: Interaction, code: int = status.HTTP_200_OK) -> Response:
        interaction = self._get(interaction.pk, include_trashed=True)
        headers = {}
        if code == status.HTTP_201_CREATED:
            headers["Location"] = reverse("api:interaction-detail", kwargs={"pk": interaction.pk})
        return Response(self.get_serializer(interaction).data, status=code, headers=headers)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self._get(pk)).data)

    def create(self, request):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        interaction = services.interaction_create(actor=request.user, **form.to_service())
        return self._respond(interaction, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        interaction = self._get(pk)
        form = self.get_serializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        interaction = services.interaction_update(
            actor=request.user, interaction=interaction, **form.to_service()
        )
        return self._respond(interaction)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request, pk=None):
        services.interaction_trash(actor=request.user, interaction=self._get(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=CompleteSerializer, responses=InteractionSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """A planned interaction took place: record its result."""
        interaction = self._get(pk)
        form = CompleteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.interaction_complete(
            actor=request.user, interaction=interaction, **form.validated_data
        )
        return self._respond(interaction)

    @extend_schema(request=None, responses=InteractionSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Take an interaction out of the trash."""
        interaction = self._get(pk, include_trashed=True)
        services.interaction_restore(actor=request.user, interaction=interaction)
        return self._respond(interaction)


@extend_schema_view(create=extend_schema(responses={201: InteractionTypeSerializer}))
class InteractionTypeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Interaction types: everyone reads, administrators write (deactivate instead of
    deleting: interactions keep their type)."""

    permission_classes = [IsAdministratorOrReadOnly]
    serializer_class = InteractionTypeSerializer
    filter_backends = [AllowListOrderingFilter]
    ordering = ("position", "id")
    ordering_map = {"position": "position", "code": "code", "name": "name"}
    lookup_value_converter = "uuid"

    def get_queryset(self):
        return selectors.interaction_types(active_only=False)

    def _type(self, pk: Any) -> InteractionType:
        found = self.get_queryset().filter(pk=pk).first()
        if found is None:
            raise NotFound()
        return found

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self._type(pk)).data)

    def create(self, request):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        saved = settings_services.interaction_type_save(actor=request.user, **form.validated_data)
        return Response(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        itype = self._type(pk)
        form = self.get_serializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        saved = settings_services.interaction_type_save(
            actor=request.user, instance=itype, **form.validated_data
        )
        return Response(self.get_serializer(saved).data)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)
