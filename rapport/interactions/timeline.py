"""Interactions on the client card's timeline (rapport.parties.timeline) and the interest
filter of the client list (rapport.parties.extensions)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rapport.core.models import User
from rapport.parties import extensions, timeline

from . import selectors
from .access import details_visible


def interactions_timeline(
    *,
    actor: User,
    client: Any,
    limit: int,
    before: dt.datetime | None = None,
    kinds: Any = None,
) -> Iterator[timeline.TimelineEntry]:
    qs = selectors.interaction_list(
        actor=actor, filters=selectors.InteractionFilters(client=client.pk)
    ).prefetch_related("participants")
    if before is not None:
        qs = qs.filter(date__lte=before)
    for item in qs[:limit]:
        visible = details_visible(actor, item)
        text = (item.result if not item.planned else "") or item.description
        title = f"{item.type.name}: {item.subject}"
        if item.planned:
            title = f"{title} ({gettext('planned')})"
        yield timeline.TimelineEntry(
            at=item.date,
            kind="interaction",
            title=title,
            url=item.get_absolute_url(),
            icon=item.type.icon,
            color=item.type.color,
            text=(text[:300] if visible else ""),
            user=item.manager,
            key=f"interaction:{item.pk}",
            extra={
                "planned": item.planned,
                "complete_url": reverse("interactions:interaction_complete", args=[item.pk])
                if item.planned
                else "",
            },
        )


def register() -> None:
    timeline.register(interactions_timeline, kinds={"interaction": _("Interactions")})
    extensions.register_client_filter(
        "interest", selectors.clients_with_interest, label=_("Interest")
    )
