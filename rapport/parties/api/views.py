"""API endpoints of the client base: clients and contact persons.

Thin views: every queryset comes from the selectors (scoped through core.access) and
every write goes through one service.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import Prefetch
from django.http import Http404, QueryDict
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from rapport.core.api import AllowListOrderingFilter
from rapport.core.job_api import JobSerializer

from .. import batch, filters, selectors, services
from ..models import Client, ContactPerson, ContactPoint, ContactRole
from .serializers import (
    BatchResultSerializer,
    BatchSerializer,
    ClientSerializer,
    ContactSerializer,
)

_PROPERTY_FILTER_DOC = (
    "Filter on user-defined properties with `prop_<code>=value` "
    "(`prop_<code>__gte=` / `__lte=` for numbers and dates)."
)


class _ScopedViewSet(viewsets.GenericViewSet):
    filter_backends = [AllowListOrderingFilter]
    ordering = ("name_order", "id")  # selectors annotate name_order
    ordering_map = {"name": "name_order", "created_at": "created_at", "updated_at": "updated_at"}
    lookup_value_converter = "uuid"

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["actor"] = self.request.user
        return context


def _replace_properties(existing: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """PUT replaces the property values: codes not given are removed."""
    return {**dict.fromkeys(existing or {}), **given}


def _merged_redirect(request, url_name: str, target: Any, get_visible: Any) -> Response:
    """308 to the record a merged one went into (ids handed out stay resolvable); the same
    404 as before when there is none or the caller may not see it."""
    if target is None:
        raise Http404
    get_visible(target)  # 404 outside the caller's scope
    url = request.build_absolute_uri(reverse(url_name, kwargs={"pk": target}))
    return Response(status=status.HTTP_308_PERMANENT_REDIRECT, headers={"Location": url})


# --- clients --------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[filters.ClientListQuery], description=_PROPERTY_FILTER_DOC),
    create=extend_schema(responses={201: ClientSerializer}),
    destroy=extend_schema(description="Moves the client to the trash (restorable)."),
)
class ClientViewSet(mixins.ListModelMixin, _ScopedViewSet):
    """Clients (companies and people) within the caller's scope."""

    serializer_class = ClientSerializer

    def get_queryset(self):
        client_filters, trashed = filters.client_filters(
            self.request.query_params, actor=self.request.user
        )
        # The list needs the status code, not the manager's whole user row.
        return (
            selectors.client_list(
                actor=self.request.user,
                filters=client_filters,
                trashed=trashed,
            )
            .select_related(None)
            .select_related("status")
        )

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        # Contact details, addresses and categories of the whole page: three queries.
        selectors.client_page_details(page, actor=request.user)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _client(self, pk: Any, **kwargs: Any) -> Client:
        return selectors.client_get(actor=self.request.user, pk=pk, **kwargs)

    def _respond(self, client: Client, status_code: int = status.HTTP_200_OK) -> Response:
        # Re-read with its prefetches; if the caller has just handed the client out of
        # their scope, answer what they wrote.
        try:
            client = self._client(client.pk, include_trashed=True)
        except Http404:
            client._prefetched_objects_cache = {}
        headers = {}
        if status_code == status.HTTP_201_CREATED:
            headers["Location"] = reverse("api:client-detail", kwargs={"pk": client.pk})
        return Response(self.get_serializer(client).data, status=status_code, headers=headers)

    def retrieve(self, request, pk=None):
        try:
            client = self._client(pk)
        except Http404:
            return _merged_redirect(
                request, "api:client-detail", selectors.client_alias_target(pk), self._client
            )
        return Response(self.get_serializer(client).data)

    def create(self, request):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        client = services.client_create(actor=request.user, **form.validated_data)
        return self._respond(client, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        client = self._client(pk)
        form = self.get_serializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        if not partial and "properties" in changes:
            changes["properties"] = _replace_properties(client.properties, changes["properties"])
        client = services.client_update(actor=request.user, client=client, **changes)
        return self._respond(client)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request, pk=None):
        services.client_trash(actor=request.user, client=self._client(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=ClientSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Take a client out of the trash."""
        client = self._client(pk, include_trashed=True)
        services.client_restore(actor=request.user, client=client)
        return self._respond(client)

    @extend_schema(
        request=BatchSerializer, responses={200: BatchResultSerializer, 202: JobSerializer}
    )
    @action(detail=False, methods=["post"])
    def batch(self, request):
        """Apply one action to the selected clients (ids outside the caller's scope are
        ignored and not counted), or start it on every client matching a filter: 202 and
        the background job (``/api/v1/jobs/{id}/``; undo with ``POST .../undo/``)."""
        form = BatchSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        if "filter" in form.validated_data:
            job = batch.clients_batch_start(
                actor=request.user,
                action=form.validated_data["action"],
                value=form.validated_data["value"],
                filters=filters.client_filters(
                    QueryDict(urlencode(form.validated_data["filter"])), actor=request.user
                )[0],
            )
            return Response(
                JobSerializer(job, context={"request": request}).data,
                status=status.HTTP_202_ACCEPTED,
            )
        changed = services.clients_batch(
            actor=request.user,
            client_ids=form.validated_data["ids"],
            action=form.validated_data["action"],
            value=form.validated_data["value"],
        )
        return Response({"changed": changed})


# --- contact persons ------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[filters.ContactListQuery], description=_PROPERTY_FILTER_DOC),
    create=extend_schema(responses={201: ContactSerializer}),
    destroy=extend_schema(description="Moves the contact person to the trash."),
)
class ContactViewSet(mixins.ListModelMixin, _ScopedViewSet):
    """Contact persons of the clients within the caller's scope."""

    serializer_class = ContactSerializer

    def get_queryset(self):
        return selectors.contact_list(
            actor=self.request.user,
            **filters.contact_filters(self.request.query_params),
        ).prefetch_related(
            Prefetch(
                "contact_points", queryset=ContactPoint.objects.order_by("channel", "position")
            ),
            Prefetch("roles", queryset=ContactRole.objects.select_related("client")),
            "addresses",
        )

    def get_serializer(self, *args, **kwargs):
        """Tell the serializer which linked clients the caller may see (one query)."""
        instance = args[0] if args else kwargs.get("instance")
        if instance is not None:
            contacts = instance if isinstance(instance, list) else [instance]
            client_ids = {r.client_id for c in contacts for r in c.roles.all()}
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["visible_client_ids"] = (
                set(
                    selectors.client_list(actor=self.request.user)
                    .filter(pk__in=client_ids)
                    .values_list("pk", flat=True)
                )
                if client_ids
                else set()
            )
        return super().get_serializer(*args, **kwargs)

    def _contact(self, pk: Any) -> ContactPerson:
        return selectors.contact_get(actor=self.request.user, pk=pk)

    def _respond(self, contact: ContactPerson, status_code: int = status.HTTP_200_OK) -> Response:
        try:
            contact = self._contact(contact.pk)
        except Http404:
            contact._prefetched_objects_cache = {}
        return Response(self.get_serializer(contact).data, status=status_code)

    def retrieve(self, request, pk=None):
        try:
            contact = self._contact(pk)
        except Http404:
            return _merged_redirect(
                request, "api:contact-detail", selectors.contact_alias_target(pk), self._contact
            )
        return Response(self.get_serializer(contact).data)

    def create(self, request):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        contact = services.contact_create(actor=request.user, **form.validated_data)
        return self._respond(contact, status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        contact = self._contact(pk)
        form = self.get_serializer(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        if not partial and "properties" in changes:
            changes["properties"] = _replace_properties(contact.properties, changes["properties"])
        contact = services.contact_update(actor=request.user, contact=contact, **changes)
        return self._respond(contact)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request, pk=None):
        services.contact_trash(actor=request.user, contact=self._contact(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
