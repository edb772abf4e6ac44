"""Visibility rules of interactions and client interests, registered with core.access.

Who sees an interaction: everyone who sees its client (the client base's scope: own and
shared clients, the head's department, the read-only grant, everything for directors and
administrators), plus the users who took part in it and its manager.

Who changes it: its author, its manager, the client's manager, the head of the client's
department, directors and administrators; never read-only users.

Confidential (VIP) clients: the description, result and next step of their interactions
are the kind of detail VIP masking protects, so they are hidden from users who may not see
the client's details (``parties.access.can_see_details``), unless the user is the
interaction's author, manager or participant (they were there). Type, date, subject and
the people involved stay visible, so the timeline and the reports still count it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from rapport.core import access
from rapport.core.models import Role, User
from rapport.parties.access import can_see_details, client_scope
from rapport.parties.models import Client

from .models import ClientInterest, Interaction

_Participants = Interaction.participants.through


def _client_ids(actor: User) -> QuerySet[Any] | None:
    scope = client_scope(actor)
    if scope is None:
        return None
    return Client.objects.filter(scope).values("pk")


def _interactions_visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    clients = _client_ids(actor)
    if clients is None:
        return qs
    return qs.filter(
        Q(client_id__in=clients)
        | Q(manager_id=actor.pk)
        | Q(pk__in=_Participants.objects.filter(user_id=actor.pk).values("interaction_id"))
    )


def _sees_client(actor: User, client_id: Any) -> bool:
    scope = client_scope(actor)
    return scope is None or Client.objects.filter(scope, pk=client_id).exists()


def interaction_editable(actor: User, interaction: Interaction) -> bool:
    if not actor.can_write:
        return False
    if actor.sees_everything:
        return True
    if actor.pk in (interaction.created_by_id, interaction.manager_id):
        return True
    client = interaction.client
    if client.manager_id == actor.pk:
        return True
    if actor.role == Role.HEAD and details_visible(actor, interaction):
        return _sees_client(actor, client.pk)
    return False


def details_visible(actor: User, interaction: Interaction) -> bool:
    """Whether ``actor`` may read the description, result and next step (VIP masking)."""
    if can_see_details(actor, interaction.client):
        return True
    if actor.pk in (interaction.created_by_id, interaction.manager_id):
        return True
    prefetched = getattr(interaction, "_prefetched_objects_cache", {}).get("participants")
    if prefetched is not None:
        return any(user.pk == actor.pk for user in prefetched)
    return _Participants.objects.filter(interaction_id=interaction.pk, user_id=actor.pk).exists()


def _interests_visible(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    clients = _client_ids(actor)
    return qs if clients is None else qs.filter(client_id__in=clients)


def _interest_editable(actor: User, record: ClientInterest) -> bool:
    return actor.can_write and _sees_client(actor, record.client_id)


access.register(Interaction, visible=_interactions_visible, editable=interaction_editable)
access.register(ClientInterest, visible=_interests_visible, editable=_interest_editable)
