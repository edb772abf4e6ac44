"""Visibility rules of the client base, registered with rapport.core.access."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from rapport.core import access
from rapport.core.models import User

from .models import Client, ClientShare, ContactPerson, ContactRole


def client_scope(actor: User) -> Q | None:
    """Clients ``actor`` may see, as a Q; ``None`` means all of them."""
    return access.owner_scope(
        actor,
        manager_field="manager",
        department_field="department",
        shared=Q(pk__in=ClientShare.objects.filter(user=actor.pk).values("client_id")),
    )


def _clients_visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    scope = client_scope(actor)
    return qs if scope is None else qs.filter(scope)


def _contacts_visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """A contact person is visible through any visible client, or to its author while
    it is linked to no client."""
    scope = client_scope(actor)
    if scope is None:
        return qs
    visible_clients = Client.objects.filter(scope, deleted_at__isnull=True).values("pk")
    return qs.filter(
        Q(pk__in=ContactRole.objects.filter(client_id__in=visible_clients).values("contact_id"))
        | (Q(created_by=actor.pk) & ~Exists(ContactRole.objects.filter(contact=OuterRef("pk"))))
    )


def can_see_details(actor: User, client: Client) -> bool:
    """Confidential (VIP) clients hide contact details and sensitive properties from
    everyone but their manager, director, administrator and users granted to see them."""
    if not client.is_confidential:
        return True
    return bool(actor.sees_everything or actor.sees_confidential or client.manager_id == actor.pk)


def can_see_contact_details(
    actor: User, contact: ContactPerson, clients: list[Client] | None = None
) -> bool:
    linked = clients if clients is not None else list(contact.clients.all())
    return all(can_see_details(actor, c) for c in linked)


def _client_editable(actor: User, client: Client) -> bool:
    return _clients_visible(actor, Client.objects.filter(pk=client.pk)).exists()


access.register(Client, visible=_clients_visible, editable=_client_editable)
access.register(ContactPerson, visible=_contacts_visible)
