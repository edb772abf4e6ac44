"""Every read of interactions and client interests, scoped through core.access."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from rapport.core import access
from rapport.core.models import User
from rapport.parties.models import Client, ContactPerson, ContactRole

from .access import details_visible, interaction_editable
from .models import ClientInterest, Interaction, InteractionTemplate, InteractionType, Interest

_Participants = Interaction.participants.through


def user_zone(actor: User) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(actor.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def day_start(day: dt.date, actor: User) -> dt.datetime:
    """Midnight of ``day`` in the user's time zone, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=user_zone(actor))


@dataclass
class InteractionFilters:
    client: Any = None
    type: Any = None
    user: Any = None  # the manager or a participant
    date_from: dt.date | None = None  # days in the user's time zone, both included
    date_to: dt.date | None = None
    planned: bool | None = None
    search: str = ""


def interaction_list(
    *, actor: User, filters: InteractionFilters | None = None, trashed: bool = False
) -> QuerySet[Interaction]:
    """Interactions ``actor`` may see, newest first, matching ``filters``."""
    f = filters or InteractionFilters()
    qs = access.visible_to(actor, Interaction, include_trashed=trashed)
    if trashed:
        qs = qs.filter(deleted_at__isnull=False)
    if f.client:
        qs = qs.filter(client_id=f.client)
    if f.type:
        qs = qs.filter(type_id=f.type)
    if f.user:
        qs = qs.filter(
            Q(manager_id=f.user)
            | Q(pk__in=_Participants.objects.filter(user_id=f.user).values("interaction_id"))
        )
    if f.date_from:
        qs = qs.filter(date__gte=day_start(f.date_from, actor))
    if f.date_to:
        qs = qs.filter(date__lt=day_start(f.date_to + dt.timedelta(days=1), actor))
    if f.planned is not None:
        qs = qs.filter(planned=f.planned)
    if f.search:
        qs = qs.filter(subject__icontains=f.search.strip()[:200])
    return qs.select_related("client", "type", "manager").order_by("-date", "-id")


def interaction_page_rows(rows: list[Interaction], *, actor: User) -> list[Interaction]:
    """Participants and contact persons of a page (two queries) and, per row, whether the
    actor may read its details (VIP masking) and change it."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(rows, "participants", "contacts")
    for row in rows:
        visible = details_visible(actor, row)
        # Per-row attributes for templates and serializers (not model fields).
        setattr(row, "details_visible", visible)  # noqa: B010
        editable = visible and actor.can_write and interaction_editable(actor, row)
        setattr(row, "can_edit", editable)  # noqa: B010
    return rows


def interaction_get(*, actor: User, pk: Any, include_trashed: bool = False) -> Interaction:
    qs = Interaction.objects.select_related(
        "client", "client__manager", "type", "manager", "created_by", "link_type"
    ).prefetch_related("participants", "contacts")
    interaction = access.get_visible_or_404(
        actor, Interaction, pk, queryset=qs, include_trashed=include_trashed
    )
    interaction_page_rows([interaction], actor=actor)
    return interaction


def interaction_history(*, actor: User, interaction: Interaction) -> list[Any]:
    """Who changed the interaction and when (details hidden as on the record)."""
    rows = []
    hidden = {"updated_at", "description", "result", "next_step"}
    records = list(interaction.history.select_related("history_user").order_by("-history_date"))
    for record in records:
        changes = []
        if record.history_type == "~" and record.prev_record is not None:
            for change in record.diff_against(record.prev_record).changes:
                if change.field in hidden and not getattr(interaction, "details_visible", True):
                    continue
                model_field = interaction._meta.get_field(change.field)
                changes.append(str(getattr(model_field, "verbose_name", change.field)))
        rows.append(
            {
                "at": record.history_date,
                "user": record.history_user,
                "action": record.history_type,
                "changes": changes,
            }
        )
    return rows


def client_contacts(*, actor: User, client: Client) -> QuerySet[ContactPerson]:
    """Contact persons of a client, for the interaction form's picker."""
    return ContactPerson.objects.filter(
        pk__in=ContactRole.objects.filter(client=client).values("contact_id"),
        deleted_at__isnull=True,
    ).order_by("search_name", "id")


def visible_client(*, actor: User, pk: Any) -> Client | None:
    """A client the actor may see, or None (an unknown ``?client=`` is ignored)."""
    try:
        pk = uuid.UUID(str(pk))
    except ValueError:
        return None
    return access.visible_to(actor, Client).filter(pk=pk).first()


# --- settings -------------------------------------------------------------------------


def interaction_types(*, active_only: bool = True) -> QuerySet[InteractionType]:
    qs = InteractionType.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def interaction_templates(*, active_only: bool = True) -> QuerySet[InteractionTemplate]:
    qs = InteractionTemplate.objects.select_related("type")
    return qs.filter(is_active=True, type__is_active=True) if active_only else qs


def interest_catalogue(*, active_only: bool = True) -> list[dict[str, Any]]:
    """Groups (top-level entries) with their entries; a top-level entry without children
    is an entry of its own."""
    items = list(
        Interest.objects.all() if not active_only else Interest.objects.filter(is_active=True)
    )
    children: dict[Any, list[Interest]] = {}
    for item in items:
        if item.parent_id:
            children.setdefault(item.parent_id, []).append(item)
    ids = {i.pk for i in items}
    return [
        {"group": item, "items": children.get(item.pk, [])}
        for item in items
        if item.parent_id is None or item.parent_id not in ids
    ]


# --- client interests -----------------------------------------------------------------


def client_interests(*, actor: User, client: Client) -> QuerySet[ClientInterest]:
    return (
        access.visible_to(actor, ClientInterest)
        .filter(client=client)
        .select_related("interest", "interest__parent", "source", "created_by")
    )


def clients_with_interest(clients: QuerySet[Any], value: str, actor: Any) -> QuerySet[Any]:
    """The client-list filter ``?interest=<id>``: clients that expressed that interest (or
    any interest of that group)."""
    try:
        ids = [uuid.UUID(str(value))]
    except ValueError:
        return clients.none()
    ids += list(Interest.objects.filter(parent_id=ids[0]).values_list("pk", flat=True))
    return clients.filter(
        pk__in=ClientInterest.objects.filter(interest_id__in=ids).values("client_id")
    )


# --- reports --------------------------------------------------------------------------


def planned_vs_done(
    *, actor: User, date_from: dt.date, date_to: dt.date, department: Any = None
) -> list[dict[str, Any]]:
    """Per manager, over interactions dated in the period (the user's days, both
    included) that the actor may see: how many were planned (still open or completed),
    how many of them were completed, how many are still open (of which overdue), how
    many contacts were logged without planning, and all contacts made. One query."""
    now = timezone.now()
    qs = interaction_list(
        actor=actor, filters=InteractionFilters(date_from=date_from, date_to=date_to)
    ).select_related(None)
    if department:
        qs = qs.filter(manager__department_id=department)
    was_planned = Q(planned=True) | Q(completed_at__isnull=False)
    rows = (
        qs.order_by()
        .values("manager_id", "manager__username", "manager__first_name", "manager__last_name")
        .annotate(
            planned_n=Count("id", filter=was_planned),
            completed_n=Count("id", filter=Q(planned=False, completed_at__isnull=False)),
            open_n=Count("id", filter=Q(planned=True)),
            overdue_n=Count("id", filter=Q(planned=True, date__lt=now)),
            unplanned_n=Count("id", filter=Q(planned=False, completed_at__isnull=True)),
            done_n=Count("id", filter=Q(planned=False)),
        )
    )
    result = []
    for row in rows:
        name = " ".join(
            p for p in (row["manager__first_name"], row["manager__last_name"]) if p
        ) or (row["manager__username"] or "—")
        planned = row["planned_n"]
        result.append(
            {
                "manager_id": row["manager_id"],
                "manager": name,
                "planned": planned,
                "completed": row["completed_n"],
                "open": row["open_n"],
                "overdue": row["overdue_n"],
                "unplanned": row["unplanned_n"],
                "done": row["done_n"],
                "rate": round(100 * row["completed_n"] / planned) if planned else None,
            }
        )
    result.sort(key=lambda r: r["manager"].lower())
    return result
